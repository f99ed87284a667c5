package accfile

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/energy"
)

var allocateFlags = []flagHelp{
	{"key", "default|static|dynamic|priority",
		"clé de répartition (obligatoire) : default = clé par défaut au prorata des consommations (D315-6), static = coefficients fixes, dynamic = coefficients par pas, priority = rangs servis tour à tour",
		"allocation key (required): default = pro rata of consumption (D315-6), static = fixed coefficients, dynamic = coefficients per step, priority = ranks served in turn"},
	{"production", "FICHIER",
		"production (obligatoire) : CSV « ; », en-tête timestamp;<producteur>;…, une ligne par pas, date ISO 8601 avec décalage marquant le DÉBUT du pas, kWh par pas (point ou virgule décimale) ; les producteurs sont additionnés",
		"production (required): CSV with ';', header timestamp;<producer>;…, one row per step, ISO 8601 timestamp with offset marking the START of the step, kWh per step (decimal point or comma); producers are pooled"},
	{"consumption", "FICHIER",
		"consommation (obligatoire) : même format, en-tête timestamp;<consommateur>;…, mêmes dates que la production",
		"consumption (required): same layout, header timestamp;<consumer>;…, same timestamps as production"},
	{"coefficients", "FICHIER",
		"clé static : consommateur;coefficient (fraction 0–1 ou pourcentage avec %) ; clé dynamic : timestamp;<consommateur>;… une ligne par pas (ou le fichier écrit par --key-file)",
		"static key: consumer;coefficient (a fraction 0–1 or a percentage with %); dynamic key: timestamp;<consumer>;… one row per step (or the file written by --key-file)"},
	{"priorities", "FICHIER",
		"clé priority : consommateur;rang (1 est servi en premier)",
		"priority key: consumer;rank (1 is served first)"},
	{"out", "FICHIER",
		"résultat (obligatoire) : timestamp;<consommateur>;…;surplus, kWh affectés par pas, 6 décimales",
		"result (required): timestamp;<consumer>;…;surplus, allocated kWh per step, 6 decimals"},
	{"summary", "FICHIER",
		"bilan JSON : totaux, taux d'autoconsommation et d'autoproduction, par consommateur",
		"JSON summary: totals, self-consumption and self-production rates, per consumer"},
	{"key-file", "FICHIER",
		"coefficients qui reproduisent cette répartition en clé dynamique, format gestionnaire de réseau : Horodate;<id>;… (heure de Paris jj/mm/aaaa HH:MM, pourcentages à virgule arrondis à 0,1 % inférieur)",
		"coefficients reproducing this allocation as a dynamic key, grid-operator layout: Horodate;<id>;… (Paris time dd/mm/yyyy HH:MM, percentages with a decimal comma floored to 0.1 %)"},
}

func allocateUsage(w io.Writer) {
	printUsage(w, "fabrique acc allocate --key CLÉ --production FICHIER --consumption FICHIER --out FICHIER [--coefficients FICHIER] [--priorities FICHIER] [--summary FICHIER] [--key-file FICHIER]",
		"Répartit, pas par pas, la production d'une opération d'autoconsommation collective entre ses consommateurs. Les fichiers de sortie ne sont écrits que si tout a réussi.",
		"Splits, step by step, the production of a collective self-consumption operation among its consumers. Output files are written only when everything succeeded.",
		allocateFlags)
}

// allocateOptions are the parsed flags of Allocate.
type allocateOptions struct {
	key                                   energy.KeyKind
	production, consumption, coefficients string
	priorities, out, summary, keyFile     string
}

// Allocate runs `fabrique acc allocate`. It returns nil on success; flag.ErrHelp
// after printing the help to stdout; a *UsageError for a misuse of the flags
// (usage printed to stderr); an *Error for bad input (file, line, column,
// reason); another error for output failures. Every error message is one
// line, French then English. No output file is left behind on error.
func Allocate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("acc allocate", flag.ContinueOnError)
	key := fs.String("key", "", "")
	var o allocateOptions
	fs.StringVar(&o.production, "production", "", "")
	fs.StringVar(&o.consumption, "consumption", "", "")
	fs.StringVar(&o.coefficients, "coefficients", "", "")
	fs.StringVar(&o.priorities, "priorities", "", "")
	fs.StringVar(&o.out, "out", "", "")
	fs.StringVar(&o.summary, "summary", "", "")
	fs.StringVar(&o.keyFile, "key-file", "", "")
	if err := parseFlags(fs, args, stdout, stderr, allocateUsage); err != nil {
		return err
	}
	misuse := func(err *UsageError) error {
		allocateUsage(stderr)
		return err
	}
	if *key == "" {
		return misuse(usagef("--key est obligatoire (default, static, dynamic ou priority)", "--key is required (default, static, dynamic or priority)"))
	}
	k, err := energy.ParseKeyKind(*key)
	if err != nil {
		return misuse(usagef("clé inconnue « %s » (default, static, dynamic ou priority)", "unknown key \"%s\" (default, static, dynamic or priority)", quote(*key)))
	}
	o.key = k
	for _, req := range []struct{ name, value string }{{"production", o.production}, {"consumption", o.consumption}, {"out", o.out}} {
		if req.value == "" {
			return misuse(usagef("--%s est obligatoire", "--%s is required", req.name))
		}
	}
	needCoef := k == energy.KeyStatic || k == energy.KeyDynamic
	switch {
	case needCoef && o.coefficients == "":
		return misuse(usagef("la clé %s demande --coefficients", "the %s key needs --coefficients", k))
	case !needCoef && o.coefficients != "":
		return misuse(usagef("--coefficients ne sert qu'aux clés static et dynamic", "--coefficients only applies to the static and dynamic keys"))
	case k == energy.KeyPriority && o.priorities == "":
		return misuse(usagef("la clé priority demande --priorities", "the priority key needs --priorities"))
	case k != energy.KeyPriority && o.priorities != "":
		return misuse(usagef("--priorities ne sert qu'à la clé priority", "--priorities only applies to the priority key"))
	}
	outs := []struct{ flag, path string }{{"out", o.out}, {"summary", o.summary}, {"key-file", o.keyFile}}
	ins := []string{o.production, o.consumption, o.coefficients, o.priorities}
	for i, a := range outs {
		if a.path == "" {
			continue
		}
		for _, in := range ins {
			if in != "" && samePath(a.path, in) {
				return misuse(usagef("--%s écraserait le fichier d'entrée %s", "--%s would overwrite the input file %s", a.flag, in))
			}
		}
		for _, b := range outs[i+1:] {
			if b.path != "" && samePath(a.path, b.path) {
				return misuse(usagef("--%s et --%s désignent le même fichier", "--%s and --%s name the same file", a.flag, b.flag))
			}
		}
	}
	res, err := runAllocate(ctx, o)
	if err != nil {
		return err
	}
	scr, spr := 100*res.SelfConsumptionRate, 100*res.SelfProductionRate
	fmt.Fprintf(stdout, "%d pas, %d consommateurs, autoconsommation %s %%, autoproduction %s %% / %d steps, %d consumers, self-consumption %.1f %%, self-production %.1f %%\n",
		res.Steps, len(res.Consumers), frDecimal(scr), frDecimal(spr), res.Steps, len(res.Consumers), scr, spr)
	return nil
}

// frDecimal writes v with one decimal and a decimal comma.
func frDecimal(v float64) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', 1, 64), ".", ",", 1)
}

// runAllocate streams the inputs in step: each step is read from every
// file, allocated and written at once, so memory does not grow with the
// number of steps.
func runAllocate(ctx context.Context, o allocateOptions) (_ Summary, err error) {
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	open := func(path string) (*os.File, error) {
		f, err := openInput(path)
		if err == nil {
			files = append(files, f)
		}
		return f, err
	}
	pf, err := open(o.production)
	if err != nil {
		return Summary{}, err
	}
	prod, err := NewSeriesReader(o.production, pf)
	if err != nil {
		return Summary{}, err
	}
	cf, err := open(o.consumption)
	if err != nil {
		return Summary{}, err
	}
	cons, err := NewSeriesReader(o.consumption, cf)
	if err != nil {
		return Summary{}, err
	}
	ids := cons.IDs()
	n := len(ids)
	if j := slices.Index(ids, "surplus"); j >= 0 {
		return Summary{}, &Error{File: o.consumption, Line: 1, Column: j + 2, Name: "surplus", Kind: KindHeader,
			Fr: "« surplus » est réservé à la colonne de surplus du résultat", En: "\"surplus\" is reserved for the surplus column of the result"}
	}

	var step func(p float64, c, a []float64) float64
	var coef *CoefficientReader
	switch o.key {
	case energy.KeyDefault:
		step = energy.AllocateDefaultStep
	case energy.KeyStatic:
		f, err := open(o.coefficients)
		if err != nil {
			return Summary{}, err
		}
		k, err := ReadStaticCoefficients(o.coefficients, f, ids)
		if err != nil {
			return Summary{}, err
		}
		step = func(p float64, c, a []float64) float64 { return energy.AllocateCappedStep(p, k, c, a) }
	case energy.KeyDynamic:
		f, err := open(o.coefficients)
		if err != nil {
			return Summary{}, err
		}
		if coef, err = NewCoefficientReader(o.coefficients, f, ids); err != nil {
			return Summary{}, err
		}
		step = func(p float64, c, a []float64) float64 { return energy.AllocateCappedStep(p, coef.Values(), c, a) }
	case energy.KeyPriority:
		f, err := open(o.priorities)
		if err != nil {
			return Summary{}, err
		}
		ranks, err := ReadPriorities(o.priorities, f, ids)
		if err != nil {
			return Summary{}, err
		}
		r, err := energy.NewRanking(ranks)
		if err != nil {
			return Summary{}, err
		}
		step = r.AllocateStep
	}

	var out outputs
	defer out.abort()
	of, err := out.create(o.out)
	if err != nil {
		return Summary{}, err
	}
	tw, err := NewTableWriter(of, "timestamp", append(ids[:n:n], "surplus"))
	if err != nil {
		return Summary{}, out.fail(o.out, err)
	}
	var sf *os.File
	if o.summary != "" {
		if sf, err = out.create(o.summary); err != nil {
			return Summary{}, err
		}
	}
	var kw *KeyFileWriter
	if o.keyFile != "" {
		kf, err := out.create(o.keyFile)
		if err != nil {
			return Summary{}, err
		}
		if kw, err = NewKeyFileWriter(kf, ids); err != nil {
			return Summary{}, out.fail(o.keyFile, err)
		}
	}

	tot := energy.NewTotals(len(prod.IDs()), n)
	alloc := make([]float64, n+1) // the allocation, then the surplus
	q := make([]uint16, n)
	for {
		if prod.Rows()%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return Summary{}, interrupted(err)
			}
		}
		okP, err := prod.Next()
		if err != nil {
			return Summary{}, err
		}
		okC, err := cons.Next()
		if err != nil {
			return Summary{}, err
		}
		if okP != okC {
			return Summary{}, rowCountErr(o.production, prod.Rows(), o.consumption, cons.Rows(), cons.Line(), okP)
		}
		if !okP {
			break
		}
		if !cons.Time().Equal(prod.Time()) {
			return Summary{}, mismatchErr(o.consumption, cons.Line(), cons.Stamp(), o.production, prod.Line(), prod.Stamp())
		}
		if coef != nil {
			okK, err := coef.Next()
			if err != nil {
				return Summary{}, err
			}
			if !okK {
				return Summary{}, rowCountErr(o.production, prod.Rows(), o.coefficients, prod.Rows()-1, 0, true)
			}
			if !coef.Time().Equal(prod.Time()) {
				return Summary{}, mismatchErr(o.coefficients, coef.Line(), coef.Stamp(), o.production, prod.Line(), prod.Stamp())
			}
		}
		pv := prod.Values()
		p := 0.0
		for _, v := range pv {
			p += v
		}
		c := cons.Values()
		s := step(p, c, alloc[:n])
		alloc[n] = p - s
		if err := tw.Row(cons.Stamp(), alloc); err != nil {
			return Summary{}, out.fail(o.out, err)
		}
		tot.Add(pv, c, alloc[:n])
		if kw != nil {
			if err := energy.KeyPermille(p, alloc[:n], q); err != nil {
				return Summary{}, err // unreachable: the keys guarantee ΣA ≤ P
			}
			if err := kw.Row(prod.Time(), q); err != nil {
				return Summary{}, out.fail(o.keyFile, err)
			}
		}
	}
	if coef != nil {
		if more, err := coef.Next(); err != nil || more {
			if err != nil {
				return Summary{}, err
			}
			return Summary{}, rowCountErr(o.production, prod.Rows(), o.coefficients, prod.Rows()+1, coef.Line(), false)
		}
	}
	if err := tw.Flush(); err != nil {
		return Summary{}, out.fail(o.out, err)
	}
	if kw != nil {
		if err := kw.Flush(); err != nil {
			return Summary{}, out.fail(o.keyFile, err)
		}
	}
	summary := NewSummary(o.key, ids, &tot)
	if sf != nil {
		if err := WriteSummary(sf, summary); err != nil {
			return Summary{}, out.fail(o.summary, err)
		}
	}
	return summary, out.commit()
}

// rowCountErr reports files with different numbers of steps. longer tells
// whether the production file is the longer one; otherwise line is the
// other file's first extra row.
func rowCountErr(prodFile string, prodRows int, other string, otherRows, line int, longer bool) error {
	if longer {
		return &Error{File: other, Kind: KindRowCount,
			Fr: fmt.Sprintf("%d pas seulement alors que %s en a davantage", otherRows, prodFile),
			En: fmt.Sprintf("only %d steps while %s has more", otherRows, prodFile)}
	}
	return &Error{File: other, Line: line, Kind: KindRowCount,
		Fr: fmt.Sprintf("plus de pas que les %d de %s", prodRows, prodFile),
		En: fmt.Sprintf("more steps than the %d of %s", prodRows, prodFile)}
}

// mismatchErr reports a step whose time differs from the production file's.
func mismatchErr(file string, line int, stamp []byte, prodFile string, prodLine int, prodStamp []byte) error {
	return &Error{File: file, Line: line, Column: 1, Name: "timestamp", Kind: KindMismatch,
		Fr: fmt.Sprintf("date « %s » différente de celle de %s ligne %d (« %s »)", quote(stamp), prodFile, prodLine, quote(prodStamp)),
		En: fmt.Sprintf("timestamp \"%s\" differs from %s line %d (\"%s\")", quote(stamp), prodFile, prodLine, quote(prodStamp))}
}
