package accfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// outputs is a set of files written atomically together: each is written
// to a temporary file in its destination directory and renamed into place
// only when every one of them is complete. On failure nothing is left
// behind: temporary files are removed, and so are the outputs already
// renamed in this run when a later rename fails.
type outputs struct {
	files []*pendingFile
}

type pendingFile struct {
	f     *os.File
	final string
}

// create opens a temporary file for the output path.
func (o *outputs) create(path string) (*os.File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("création de %s impossible / cannot create %s: %w", path, path, err)
	}
	o.files = append(o.files, &pendingFile{f: f, final: path})
	return f, nil
}

// commit syncs, closes and renames every file.
func (o *outputs) commit() error {
	for _, p := range o.files {
		if err := p.f.Chmod(0o644); err != nil {
			return o.fail(p.final, err)
		}
		if err := p.f.Sync(); err != nil {
			return o.fail(p.final, err)
		}
		if err := p.f.Close(); err != nil {
			return o.fail(p.final, err)
		}
	}
	for k, p := range o.files {
		if err := os.Rename(p.f.Name(), p.final); err != nil {
			for _, done := range o.files[:k] {
				os.Remove(done.final)
			}
			return o.fail(p.final, err)
		}
	}
	o.files = nil
	return nil
}

func (o *outputs) fail(path string, err error) error {
	o.abort()
	return fmt.Errorf("écriture de %s impossible / cannot write %s: %w", path, path, err)
}

// abort removes every temporary file not yet renamed.
func (o *outputs) abort() {
	for _, p := range o.files {
		p.f.Close()           // may already be closed
		os.Remove(p.f.Name()) // already gone once renamed
	}
	o.files = nil
}
