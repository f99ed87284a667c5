package territory

import (
	"encoding/json"
	"fmt"
	"sync"
)

// DepartementPath is the outline of one metropolitan département as an SVG
// path, in the coordinate system of the map's viewBox.
type DepartementPath struct {
	Code string `json:"code"` // "01" … "95", "2A", "2B"
	D    string `json:"d"`    // SVG path data
}

var (
	svgOnce    sync.Once
	svgViewBox string
	svgPaths   []DepartementPath
	svgErr     error
)

// DepartementMap returns the outlines of the 96 metropolitan départements,
// sorted by code, and the SVG viewBox they are drawn in: enough for an
// offline choropleth without any script. Loaded on first call.
func DepartementMap() (viewBox string, paths []DepartementPath, err error) {
	svgOnce.Do(func() {
		b, err := readEmbedded("data/departements-svg.json.gz")
		if err != nil {
			svgErr = err
			return
		}
		var m struct {
			ViewBox      string            `json:"viewBox"`
			Departements []DepartementPath `json:"departements"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			svgErr = fmt.Errorf("departements-svg.json.gz: %w", err)
			return
		}
		svgViewBox, svgPaths = m.ViewBox, m.Departements
	})
	return svgViewBox, append([]DepartementPath(nil), svgPaths...), svgErr
}

// Source describes one upstream package the embedded data comes from.
type Source struct {
	Package       string   `json:"package"`
	Version       string   `json:"version"`
	LicenceCode   string   `json:"licence_code"` // licence of the package's code (SPDX)
	LicenceData   string   `json:"licence_data"` // licence of its data
	Attribution   string   `json:"attribution"`  // French
	AttributionEN string   `json:"attribution_en"`
	Homepage      string   `json:"homepage"`
	Files         []string `json:"files"`        // files used from the package
	Outputs       []string `json:"outputs"`      // embedded files derived from them
	LicenceFile   string   `json:"licence_file"` // the package's licence, relative to the data folder
	Integrity     string   `json:"integrity"`    // npm integrity of the tarball
	Notes         string   `json:"notes"`
	// LicenceText is the content of LicenceFile.
	LicenceText string `json:"-"`
}

var (
	sourcesOnce sync.Once
	sources     []Source
	sourcesErr  error
)

// Sources lists the packages the embedded data was generated from, with
// versions, licences and attributions, for an "about / licences" page.
func Sources() ([]Source, error) {
	sourcesOnce.Do(func() {
		b, err := readEmbedded("data/SOURCES.json")
		if err != nil {
			sourcesErr = err
			return
		}
		if err := json.Unmarshal(b, &sources); err != nil {
			sourcesErr = fmt.Errorf("SOURCES.json: %w", err)
			return
		}
		for i := range sources {
			t, err := readEmbedded("data/" + sources[i].LicenceFile)
			if err != nil {
				sourcesErr = fmt.Errorf("SOURCES.json: %s: %w", sources[i].Package, err)
				return
			}
			sources[i].LicenceText = string(t)
		}
	})
	return append([]Source(nil), sources...), sourcesErr
}
