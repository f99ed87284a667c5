package regie

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// callGraph maps each function or method of the package (by name) to the
// names it calls, and records the string literals each one holds.
type callGraph struct {
	calls    map[string]map[string]bool
	literals map[string][]string
}

func packageGraph(t *testing.T) callGraph {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	g := callGraph{calls: map[string]map[string]bool{}, literals: map[string][]string{}}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				name := fd.Name.Name
				if g.calls[name] == nil {
					g.calls[name] = map[string]bool{}
				}
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					switch x := n.(type) {
					case *ast.CallExpr:
						switch fn := x.Fun.(type) {
						case *ast.Ident:
							g.calls[name][fn.Name] = true
						case *ast.SelectorExpr:
							g.calls[name][fn.Sel.Name] = true
						}
					case *ast.Ident:
						// A function passed as a value counts as a call.
						g.calls[name][x.Name] = true
					case *ast.BasicLit:
						if x.Kind == token.STRING {
							g.literals[name] = append(g.literals[name], x.Value)
						}
					}
					return true
				})
			}
		}
	}
	return g
}

func (g callGraph) callers(fn string) []string {
	var out []string
	for name, calls := range g.calls {
		if calls[fn] && name != fn {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Every read of household readings goes through the door: the only SQL
// reading regie_readings is scanBlocks; only readBlocks (for the door) and
// the importer's merge call it; only the door calls readBlocks; and the
// door is reached only through ReadCurve, Aggregate and Export.
func TestOneDoor(t *testing.T) {
	g := packageGraph(t)
	cases := []struct {
		fn      string
		allowed []string
	}{
		{"scanBlocks", []string{"commit", "readBlocks"}},
		{"readBlocks", []string{"door"}},
		{"door", []string{"Aggregate", "Export", "ReadCurve"}},
		// The importer only merges new values over stored ones; it returns counts.
		{"commit", []string{"Import", "ImportMany", "SeedDemo"}},
	}
	for _, c := range cases {
		if got := g.callers(c.fn); !slices.Equal(got, c.allowed) {
			t.Errorf("%s is called by %v, want only %v", c.fn, got, c.allowed)
		}
	}
	// SQL naming the readings table: reads in scanBlocks only; writes and
	// erasure in their own two functions.
	sqlUse := regexp.MustCompile(`(?i)regie_readings`)
	allowed := map[string]bool{"scanBlocks": true, "writeBlocks": true, "deleteMeterData": true}
	for fn, lits := range g.literals {
		for _, l := range lits {
			if sqlUse.MatchString(l) && !allowed[fn] {
				t.Errorf("%s names regie_readings in SQL: %s", fn, l)
			}
			if sqlUse.MatchString(l) && fn != "scanBlocks" && regexp.MustCompile(`(?i)select`).MatchString(l) {
				t.Errorf("%s reads regie_readings outside scanBlocks: %s", fn, l)
			}
		}
	}
}

// No package outside internal/regie names the data trust's tables: other
// capabilities use its service API.
func TestNoOtherPackageNamesRegieTables(t *testing.T) {
	mig, err := os.ReadFile("migrations/sqlite/0001_regie.sql")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for _, m := range regexp.MustCompile(`CREATE TABLE (regie_[a-z_]+)`).FindAllStringSubmatch(string(mig), -1) {
		tables = append(tables, m[1])
	}
	if len(tables) < 10 {
		t.Fatalf("found only %d tables in the migration", len(tables))
	}
	pattern := regexp.MustCompile(`\b(` + strings.Join(tables, "|") + `)\b`)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	own, _ := filepath.Abs(".")
	checked := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == own || strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, ".sql") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		checked++
		if m := pattern.Find(b); m != nil {
			rel, _ := filepath.Rel(root, p)
			t.Errorf("%s names the data trust's table %s: use the regie service API", rel, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("only %d files checked", checked)
	}
}
