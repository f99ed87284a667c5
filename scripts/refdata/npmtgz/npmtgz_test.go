package npmtgz

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"strings"
	"testing"
)

// tarball builds an npm-style tarball holding files under "package/".
func tarball(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: "package/" + name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRead(t *testing.T) {
	raw := tarball(t, map[string]string{
		"package.json": `{"name":"@x/y","version":"1.2.3","license":"MIT","repository":{"type":"git","url":"https://example.org/y.git"}}`,
		"dist/a.txt":   "hello",
		"LICENSE":      "licence text",
	})
	p, err := Read(raw)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "@x/y" || p.Version != "1.2.3" || p.License != "MIT" || p.Homepage != "https://example.org/y.git" {
		t.Errorf("metadata = %+v", p)
	}
	sum := sha512.Sum512(raw)
	if want := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); p.Integrity != want {
		t.Errorf("integrity = %s, want %s", p.Integrity, want)
	}
	if b, err := p.File("dist/a.txt"); err != nil || string(b) != "hello" {
		t.Errorf("File(dist/a.txt) = %q, %v", b, err)
	}
	if _, err := p.File("missing"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("File(missing) error = %v", err)
	}
	if got := strings.Join(p.Files(), ","); got != "LICENSE,dist/a.txt,package.json" {
		t.Errorf("Files() = %s", got)
	}
	if err := p.Expect("@x/y", "1.2.3"); err != nil {
		t.Error(err)
	}
	if err := p.Expect("@x/y", "1.2.4"); err == nil {
		t.Error("Expect accepted another version")
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{"not gzip", []byte("plain text"), "not a gzip"},
		{"no package.json", tarball(t, map[string]string{"index.js": "x"}), "no package.json"},
		{"bad package.json", tarball(t, map[string]string{"package.json": "{"}), "package.json"},
	}
	for _, tt := range tests {
		_, err := Read(tt.raw)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add(tarball(f, map[string]string{"package.json": `{"name":"a","version":"1.0.0"}`}))
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00})
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := Read(raw)
		if err == nil && p.Integrity == "" {
			t.Fatal("package without integrity")
		}
	})
}
