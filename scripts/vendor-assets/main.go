// Command vendor-assets copies pinned front-end files out of npm tarballs
// into the repository and writes internal/platform/web/static/vendor/SOURCES.json
// (versions, licences, attributions, tarball integrity). Leaflet and uPlot
// are served under /static/vendor/; axe-core is for the browser tests only.
//
//	go run ./scripts/vendor-assets -leaflet L.tgz -uplot U.tgz -axe A.tgz
//
// scripts/vendor-assets.sh fetches the tarballs and runs it from the
// repository root.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fabrique-des-energies/fabrique/scripts/refdata/npmtgz"
)

// Output folders, relative to the repository root.
const (
	staticDir = "internal/platform/web/static/vendor"
	testDir   = "e2e/vendor"
)

// asset is one pinned package and where its files go.
type asset struct {
	flag, name, version, licence string
	dir                          string            // destination folder, relative to the repository root
	files                        map[string]string // package path → path under dir
	use, attribution, attribEN   string
	homepage                     string
}

var assets = []asset{
	{
		flag: "leaflet", name: "leaflet", version: "1.9.4", licence: "BSD-2-Clause",
		dir: staticDir + "/leaflet",
		files: map[string]string{
			"dist/leaflet.js":                "leaflet.js",
			"dist/leaflet.css":               "leaflet.css",
			"dist/images/layers.png":         "images/layers.png",
			"dist/images/layers-2x.png":      "images/layers-2x.png",
			"dist/images/marker-icon.png":    "images/marker-icon.png",
			"dist/images/marker-icon-2x.png": "images/marker-icon-2x.png",
			"dist/images/marker-shadow.png":  "images/marker-shadow.png",
			"LICENSE":                        "LICENSE",
		},
		use:         "runtime",
		attribution: "Leaflet, bibliothèque de cartes interactives : © 2010-2023 Volodymyr Agafonkin, © 2010-2011 CloudMade, licence BSD-2-Clause.",
		attribEN:    "Leaflet, interactive maps library: © 2010-2023 Volodymyr Agafonkin, © 2010-2011 CloudMade, BSD-2-Clause licence.",
		homepage:    "https://leafletjs.com/",
	},
	{
		flag: "uplot", name: "uplot", version: "1.6.32", licence: "MIT",
		dir: staticDir + "/uplot",
		files: map[string]string{
			"dist/uPlot.iife.min.js": "uPlot.iife.min.js",
			"dist/uPlot.min.css":     "uPlot.min.css",
			"LICENSE":                "LICENSE",
		},
		use:         "runtime",
		attribution: "uPlot, graphiques de séries temporelles : © 2022 Leon Sorokin, licence MIT.",
		attribEN:    "uPlot, time-series charts: © 2022 Leon Sorokin, MIT licence.",
		homepage:    "https://github.com/leeoniya/uPlot",
	},
	{
		flag: "axe", name: "axe-core", version: "4.14.1", licence: "MPL-2.0",
		dir: testDir + "/axe-core",
		files: map[string]string{
			"axe.min.js":            "axe.min.js",
			"LICENSE":               "LICENSE",
			"LICENSE-3RD-PARTY.txt": "LICENSE-3RD-PARTY.txt",
		},
		use:         "tests",
		attribution: "axe-core, contrôle d'accessibilité (tests seulement, non servi) : © 2015-2026 Deque Systems, Inc., licence MPL-2.0.",
		attribEN:    "axe-core, accessibility checks (tests only, not served): © 2015-2026 Deque Systems, Inc., MPL-2.0 licence.",
		homepage:    "https://github.com/dequelabs/axe-core",
	},
}

// source has the shape of internal/territory's SOURCES.json entries, plus Use.
type source struct {
	Package       string   `json:"package"`
	Version       string   `json:"version"`
	LicenceCode   string   `json:"licence_code"`
	LicenceData   string   `json:"licence_data"`
	Attribution   string   `json:"attribution"`
	AttributionEN string   `json:"attribution_en"`
	Homepage      string   `json:"homepage"`
	Files         []string `json:"files"`
	Outputs       []string `json:"outputs"`
	Licence       string   `json:"licence_file"`
	Integrity     string   `json:"integrity"`
	Notes         string   `json:"notes"`
	Use           string   `json:"use"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("vendor-assets: ")
	tarballs := map[string]*string{}
	for _, a := range assets {
		tarballs[a.flag] = flag.String(a.flag, "", "tarball of "+a.name+"@"+a.version)
	}
	root := flag.String("root", ".", "repository root")
	flag.Parse()
	var list []source
	for _, a := range assets {
		if *tarballs[a.flag] == "" {
			flag.Usage()
			os.Exit(2)
		}
		s, err := install(*root, a, *tarballs[a.flag])
		if err != nil {
			log.Fatalf("%s: %v", a.name, err)
		}
		list = append(list, s)
	}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	dst := filepath.Join(*root, filepath.FromSlash(staticDir), "SOURCES.json")
	if err := os.WriteFile(dst, append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

func install(root string, a asset, tarball string) (source, error) {
	p, err := npmtgz.Open(tarball)
	if err != nil {
		return source{}, err
	}
	if err := p.Expect(a.name, a.version); err != nil {
		return source{}, err
	}
	if p.License != a.licence {
		return source{}, fmt.Errorf("declares licence %q, expected %q: review the attribution by hand", p.License, a.licence)
	}
	s := source{
		Package: a.name, Version: a.version, LicenceCode: p.License,
		Attribution: a.attribution, AttributionEN: a.attribEN, Homepage: a.homepage,
		Integrity: p.Integrity, Use: a.use,
		Licence: a.dir + "/LICENSE",
	}
	// A fresh folder, so a file dropped from the list does not linger.
	dir := filepath.Join(root, filepath.FromSlash(a.dir))
	if err := os.RemoveAll(dir); err != nil {
		return source{}, err
	}
	for _, from := range slices.Sorted(maps.Keys(a.files)) {
		b, err := p.File(from)
		if err != nil {
			return source{}, err
		}
		if strings.HasSuffix(from, ".js") {
			if trimmed, ok := dropSourceMap(b); ok {
				b = trimmed
				s.Notes = "The sourceMappingURL comment is removed: the map is not vendored."
			}
		}
		to := path.Join(a.dir, a.files[from])
		dst := filepath.Join(root, filepath.FromSlash(to))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return source{}, err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return source{}, err
		}
		s.Files = append(s.Files, from)
		s.Outputs = append(s.Outputs, to)
	}
	return s, nil
}

// dropSourceMap removes a final "//# sourceMappingURL=…" line, which would
// make browsers ask for a file that is not served.
func dropSourceMap(b []byte) ([]byte, bool) {
	trimmed := bytes.TrimRight(b, "\n")
	i := bytes.LastIndexByte(trimmed, '\n')
	if i < 0 || !bytes.HasPrefix(trimmed[i+1:], []byte("//# sourceMappingURL=")) {
		return b, false
	}
	return append(trimmed[:i:i], '\n'), true
}
