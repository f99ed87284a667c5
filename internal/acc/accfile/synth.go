package accfile

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
)

var synthPVFlags = []flagHelp{
	{"commune", "CODE", "code INSEE de la commune (obligatoire), pour la latitude et la longitude", "INSEE code of the commune (required), for latitude and longitude"},
	{"kwc", "N", "puissance crête en kWc (obligatoire)", "peak power in kWc (required)"},
	{"year", "AAAA", "année civile, heure de Paris (obligatoire)", "calendar year, Paris time (required)"},
	{"step", "DURÉE", "pas de temps : 5m, 10m, 15m, 30m, 60m… (défaut 15m)", "time step: 5m, 10m, 15m, 30m, 60m… (default 15m)"},
	{"seed", "S", "graine du tirage météo ; même graine, même courbe (défaut 1)", "seed of the weather draw; same seed, same curve (default 1)"},
	{"tilt", "DEGRÉS", "inclinaison des panneaux (défaut 30)", "panel tilt (default 30)"},
	{"azimuth", "DEGRÉS", "orientation par rapport au plein sud, ouest positif (défaut 0)", "orientation from due south, west positive (default 0)"},
	{"id", "NOM", "nom de la colonne (défaut pv)", "column name (default pv)"},
	{"out", "FICHIER", "fichier CSV à écrire (défaut : sortie standard)", "CSV file to write (default: standard output)"},
}

var synthLoadFlags = []flagHelp{
	{"profile", "household|household-water-heater|household-electric-heating|office|school", "profil de consommation (obligatoire)", "load profile (required)"},
	{"kwh", "N", "consommation annuelle en kWh (obligatoire)", "annual consumption in kWh (required)"},
	{"year", "AAAA", "année civile, heure de Paris (obligatoire)", "calendar year, Paris time (required)"},
	{"step", "DURÉE", "pas de temps : 5m, 10m, 15m, 30m, 60m… (défaut 15m)", "time step: 5m, 10m, 15m, 30m, 60m… (default 15m)"},
	{"seed", "S", "graine du tirage ; même graine, même courbe (défaut 1)", "seed of the draw; same seed, same curve (default 1)"},
	{"id", "NOM", "nom de la colonne (défaut : le profil)", "column name (default: the profile)"},
	{"out", "FICHIER", "fichier CSV à écrire (défaut : sortie standard)", "CSV file to write (default: standard output)"},
}

const synthIntroFr = "Écrit une courbe synthétique et reproductible au format d'entrée de « acc allocate » (timestamp;<id>, kWh par pas, heure de Paris)."
const synthIntroEn = "Writes a synthetic, reproducible curve in the input layout of \"acc allocate\" (timestamp;<id>, kWh per step, Paris time)."

func synthUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage : fabrique synth pv|load [options]\n\n%s\n%s\n\n", synthIntroFr, synthIntroEn)
	synthPVUsage(w)
	io.WriteString(w, "\n")
	synthLoadUsage(w)
}

func synthPVUsage(w io.Writer) {
	printUsage(w, "fabrique synth pv --commune CODE --kwc N --year AAAA [--step 15m] [--seed S] [--out FICHIER]",
		"Production photovoltaïque : position du soleil, ciel clair, nébulosité journalière aléatoire, température des cellules, rendement global 0,86.",
		"PV production: sun position, clear sky, random daily clearness, cell temperature, performance ratio 0.86.", synthPVFlags)
}

func synthLoadUsage(w io.Writer) {
	printUsage(w, "fabrique synth load --profile PROFIL --kwh N --year AAAA [--step 15m] [--seed S] [--id NOM] [--out FICHIER]",
		"Consommation : forme journalière selon le profil, jours ouvrés et fériés, saisonnalité, bruit ; total annuel exact.",
		"Consumption: daily shape of the profile, working days and holidays, seasons, noise; exact annual total.", synthLoadFlags)
}

// Synth runs `fabrique synth pv|load`. locate resolves an INSEE commune
// code to coordinates and a name. Errors follow Allocate's conventions
// (flag.ErrHelp, *UsageError, other errors with a one-line message).
func Synth(ctx context.Context, args []string, stdout, stderr io.Writer, locate func(inseeCode string) (lat, lon float64, name string, ok bool)) error {
	if len(args) == 0 {
		synthUsage(stderr)
		return usagef("sous-commande manquante : pv ou load", "missing subcommand: pv or load")
	}
	switch args[0] {
	case "pv":
		return synthPV(ctx, args[1:], stdout, stderr, locate)
	case "load":
		return synthLoad(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		synthUsage(stdout)
		return flag.ErrHelp
	}
	synthUsage(stderr)
	return usagef("sous-commande inconnue « %s » : pv ou load", "unknown subcommand \"%s\": pv or load", quote(args[0]))
}

// commonSynthFlags holds the flags shared by pv and load.
type commonSynthFlags struct {
	year    int
	step    string
	seed    uint64
	id, out string
	stepDur time.Duration
}

func (c *commonSynthFlags) register(fs *flag.FlagSet, defaultID string) {
	fs.IntVar(&c.year, "year", 0, "")
	fs.StringVar(&c.step, "step", "15m", "")
	fs.Uint64Var(&c.seed, "seed", 1, "")
	fs.StringVar(&c.id, "id", defaultID, "")
	fs.StringVar(&c.out, "out", "", "")
}

// check validates the shared flags; usage prints the subcommand's usage.
func (c *commonSynthFlags) check(stderr io.Writer, usage func(io.Writer)) error {
	misuse := func(err *UsageError) error {
		usage(stderr)
		return err
	}
	if c.year == 0 {
		return misuse(usagef("--year est obligatoire", "--year is required"))
	}
	d, err := time.ParseDuration(c.step)
	if err == nil {
		err = energy.CheckSynthStep(d)
	}
	if err != nil {
		return misuse(usagef("--step « %s » invalide : un multiple de 5 minutes qui divise l'heure (15m, 30m, 60m…)",
			"invalid --step \"%s\": a multiple of 5 minutes dividing an hour (15m, 30m, 60m…)", quote(c.step)))
	}
	if c.id == "" {
		return misuse(usagef("--id ne peut pas être vide", "--id cannot be empty"))
	}
	c.stepDur = d
	return nil
}

// positiveNumber parses a flag value written with a point or a comma.
func positiveNumber(flagName, s string, stderr io.Writer, usage func(io.Writer)) (float64, error) {
	if s == "" {
		usage(stderr)
		return 0, usagef("--%s est obligatoire", "--%s is required", flagName)
	}
	v, ok := parseNumber([]byte(s))
	if !ok || v < 0 || math.IsInf(v, 0) {
		usage(stderr)
		return 0, usagef("--%s « %s » n'est pas un nombre positif", "--%s \"%s\" is not a positive number", flagName, quote(s))
	}
	return v, nil
}

func synthPV(ctx context.Context, args []string, stdout, stderr io.Writer, locate func(string) (float64, float64, string, bool)) error {
	fs := flag.NewFlagSet("synth pv", flag.ContinueOnError)
	var c commonSynthFlags
	c.register(fs, "pv")
	commune := fs.String("commune", "", "")
	kwc := fs.String("kwc", "", "")
	tilt := fs.Float64("tilt", energy.DefaultTilt, "")
	azimuth := fs.Float64("azimuth", 0, "")
	if err := parseFlags(fs, args, stdout, stderr, synthPVUsage); err != nil {
		return err
	}
	if *commune == "" {
		synthPVUsage(stderr)
		return usagef("--commune est obligatoire", "--commune is required")
	}
	k, err := positiveNumber("kwc", *kwc, stderr, synthPVUsage)
	if err != nil {
		return err
	}
	if err := c.check(stderr, synthPVUsage); err != nil {
		return err
	}
	if locate == nil {
		return fmt.Errorf("référentiel des communes indisponible / commune referential unavailable")
	}
	lat, lon, _, ok := locate(*commune)
	if !ok {
		return fmt.Errorf("commune inconnue « %s » (code INSEE attendu) / unknown commune \"%s\" (INSEE code expected)", quote(*commune), quote(*commune))
	}
	s, err := energy.SynthPV(energy.PVParams{Lat: lat, Lon: lon, KWc: k, Year: c.year, Step: c.stepDur, Seed: c.seed, Tilt: *tilt, Azimuth: *azimuth})
	if err != nil {
		return fmt.Errorf("paramètres refusés / parameters refused: %w", err)
	}
	return writeSeries(ctx, s, c.id, c.out, stdout)
}

func synthLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("synth load", flag.ContinueOnError)
	var c commonSynthFlags
	c.register(fs, "")
	profile := fs.String("profile", "", "")
	kwh := fs.String("kwh", "", "")
	if err := parseFlags(fs, args, stdout, stderr, synthLoadUsage); err != nil {
		return err
	}
	p, err := energy.ParseLoadProfile(*profile)
	if err != nil {
		synthLoadUsage(stderr)
		return usagef("--profile « %s » inconnu", "unknown --profile \"%s\"", quote(*profile))
	}
	if c.id == "" {
		c.id = string(p)
	}
	k, err := positiveNumber("kwh", *kwh, stderr, synthLoadUsage)
	if err != nil {
		return err
	}
	if err := c.check(stderr, synthLoadUsage); err != nil {
		return err
	}
	s, err := energy.SynthLoad(energy.LoadParams{Profile: p, AnnualKWh: k, Year: c.year, Step: c.stepDur, Seed: c.seed})
	if err != nil {
		return fmt.Errorf("paramètres refusés / parameters refused: %w", err)
	}
	return writeSeries(ctx, s, c.id, c.out, stdout)
}

// writeSeries writes one series as timestamp;<id> to path, atomically, or
// to stdout when path is empty.
func writeSeries(ctx context.Context, s energy.Series, id, path string, stdout io.Writer) error {
	var out outputs
	defer out.abort()
	var w io.Writer = stdout
	if path != "" {
		f, err := out.create(path)
		if err != nil {
			return err
		}
		w = f
	}
	tw, err := NewTableWriter(w, "timestamp", []string{id})
	if err != nil {
		return err
	}
	row := make([]float64, 1)
	for i, v := range s.Values {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return interrupted(err)
			}
		}
		row[0] = v
		if err := tw.TimeRow(s.Time(i), row); err != nil {
			return err
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if path != "" {
		return out.commit()
	}
	return nil
}
