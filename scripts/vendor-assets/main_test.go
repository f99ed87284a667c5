package main

import (
	"strings"
	"testing"
)

func TestDropSourceMap(t *testing.T) {
	tests := []struct {
		in, want string
		dropped  bool
	}{
		{"code();\n//# sourceMappingURL=leaflet.js.map\n", "code();\n", true},
		{"code();\n//# sourceMappingURL=x.map", "code();\n", true},
		{"code();\n", "code();\n", false},
		{"//# sourceMappingURL=x.map", "//# sourceMappingURL=x.map", false}, // nothing before it: keep the file whole
		{"a();\n// comment\n", "a();\n// comment\n", false},
	}
	for _, tt := range tests {
		got, dropped := dropSourceMap([]byte(tt.in))
		if string(got) != tt.want || dropped != tt.dropped {
			t.Errorf("dropSourceMap(%q) = %q, %v; want %q, %v", tt.in, got, dropped, tt.want, tt.dropped)
		}
	}
}

// Each asset keeps its licence next to its files, and runtime assets stay
// under the embedded static folder while test-only ones do not.
func TestAssetsLayout(t *testing.T) {
	for _, a := range assets {
		if _, ok := a.files["LICENSE"]; !ok {
			t.Errorf("%s: no LICENSE copied", a.name)
		}
		served := strings.HasPrefix(a.dir, staticDir+"/")
		if (a.use == "runtime") != served {
			t.Errorf("%s: use %q but folder %s", a.name, a.use, a.dir)
		}
		if a.attribution == "" || a.attribEN == "" || a.homepage == "" {
			t.Errorf("%s: attribution or homepage missing", a.name)
		}
	}
}
