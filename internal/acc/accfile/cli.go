package accfile

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// flagHelp documents one flag in both languages.
type flagHelp struct {
	name, arg, fr, en string
}

// printUsage writes a command's bilingual usage.
func printUsage(w io.Writer, synopsis, fr, en string, flags []flagHelp) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage : %s\n\n%s\n%s\n\nOptions :\n", synopsis, fr, en)
	for _, f := range flags {
		fmt.Fprintf(&b, "  --%s", f.name)
		if f.arg != "" {
			fmt.Fprintf(&b, " %s", f.arg)
		}
		fmt.Fprintf(&b, "\n      %s\n      %s\n", f.fr, f.en)
	}
	io.WriteString(w, b.String())
}

// parseFlags parses args with fs. Help goes to stdout and returns
// flag.ErrHelp; a misuse writes the usage to stderr and returns a
// *UsageError. Positional arguments are refused.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer, usage func(io.Writer)) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		usage(stdout)
		return flag.ErrHelp
	case err != nil:
		usage(stderr)
		msg := err.Error()
		fr := msg
		for _, m := range []struct{ en, fr string }{
			{"flag provided but not defined: ", "option inconnue : "},
			{"flag needs an argument: ", "valeur manquante pour l'option "},
			{"invalid value ", "valeur invalide "},
			{"invalid boolean value ", "valeur booléenne invalide "},
		} {
			if rest, ok := strings.CutPrefix(msg, m.en); ok {
				fr = m.fr + rest
				break
			}
		}
		return &UsageError{Fr: fs.Name() + " : " + fr, En: fs.Name() + ": " + msg}
	case fs.NArg() > 0:
		usage(stderr)
		return usagef("%s : argument inattendu « %s »", "%s: unexpected argument \"%s\"", fs.Name(), quote(fs.Arg(0)))
	}
	return nil
}

// samePath reports whether two paths name the same file, existing or not.
func samePath(a, b string) bool {
	if fa, err := os.Stat(a); err == nil {
		if fb, err := os.Stat(b); err == nil {
			return os.SameFile(fa, fb)
		}
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// openInput opens an input file, reporting failures as an *Error.
func openInput(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		fr, en := describe(err)
		return nil, &Error{File: path, Kind: KindRead, Err: err, Fr: "ouverture impossible : " + fr, En: "cannot open: " + en}
	}
	return f, nil
}

// describe names common file errors in French and English.
func describe(err error) (fr, en string) {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "fichier introuvable", "file not found"
	case errors.Is(err, os.ErrPermission):
		return "permission refusée", "permission denied"
	}
	return err.Error(), err.Error()
}

// interrupted reports a cancelled run; errors.Is still sees ctx's error.
func interrupted(err error) error {
	return fmt.Errorf("interrompu / interrupted: %w", err)
}
