// Package npmtgz reads a tarball produced by `npm pack` without unpacking
// it to disk, and computes the npm integrity string of the tarball so the
// generated files can record exactly which bytes they came from.
package npmtgz

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
)

// Package is the content of one npm tarball.
type Package struct {
	Name      string // from package.json
	Version   string // from package.json
	License   string // SPDX expression from package.json
	Homepage  string // homepage, or repository URL when there is no homepage
	Integrity string // "sha512-<base64>", as npm prints it
	files     map[string][]byte
}

// maxFileSize bounds what one entry may hold, so a corrupt or hostile tarball
// cannot exhaust memory.
const maxFileSize = 256 << 20

// Open reads the tarball at file.
func Open(file string) (*Package, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	p, err := Read(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return p, nil
}

// Read parses tarball bytes. Entry names lose npm's leading "package/" folder.
func Read(raw []byte) (*Package, error) {
	sum := sha512.Sum512(raw)
	p := &Package{
		Integrity: "sha512-" + base64.StdEncoding.EncodeToString(sum[:]),
		files:     map[string][]byte{},
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("not a gzip tarball: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading tar: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		if h.Size > maxFileSize {
			return nil, fmt.Errorf("entry %q: %d bytes is over the %d limit", h.Name, h.Size, maxFileSize)
		}
		name := path.Clean(h.Name)
		if i := strings.IndexByte(name, '/'); i >= 0 {
			name = name[i+1:] // npm puts everything under one top folder, usually "package/"
		}
		b, err := io.ReadAll(io.LimitReader(tr, maxFileSize))
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", h.Name, err)
		}
		p.files[name] = b
	}
	meta, ok := p.files["package.json"]
	if !ok {
		return nil, errors.New("no package.json in tarball")
	}
	var pj struct {
		Name       string          `json:"name"`
		Version    string          `json:"version"`
		License    string          `json:"license"`
		Homepage   string          `json:"homepage"`
		Repository json.RawMessage `json:"repository"`
	}
	if err := json.Unmarshal(meta, &pj); err != nil {
		return nil, fmt.Errorf("package.json: %w", err)
	}
	p.Name, p.Version, p.License, p.Homepage = pj.Name, pj.Version, pj.License, pj.Homepage
	if p.Homepage == "" && len(pj.Repository) > 0 {
		var s string
		var o struct {
			URL string `json:"url"`
		}
		if json.Unmarshal(pj.Repository, &s) == nil {
			p.Homepage = s
		} else if json.Unmarshal(pj.Repository, &o) == nil {
			p.Homepage = o.URL
		}
	}
	return p, nil
}

// File returns the content of the entry at name (relative to the package root).
func (p *Package) File(name string) ([]byte, error) {
	b, ok := p.files[name]
	if !ok {
		return nil, fmt.Errorf("%s@%s has no file %q", p.Name, p.Version, name)
	}
	return b, nil
}

// Files lists the entry names, sorted.
func (p *Package) Files() []string {
	names := make([]string, 0, len(p.files))
	for n := range p.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Expect fails unless the tarball is exactly name@version.
func (p *Package) Expect(name, version string) error {
	if p.Name != name || p.Version != version {
		return fmt.Errorf("expected %s@%s, tarball holds %s@%s", name, version, p.Name, p.Version)
	}
	return nil
}
