package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// noRow lists the benchmarks that print no BENCHROW, and why: each has
// no baseline to stand beside and no row in README's table.
var noRow = map[string]string{
	"ingest/filetype.BenchmarkSniff":          "ns/op of the type sniffer only, no baseline",
	"ingest/filetype.BenchmarkSniffWorstCase": "ns/op of the type sniffer only, no baseline",
	"ingest/expand.BenchmarkUFDRReport":       "heap bytes per file only, no baseline",
	"export.BenchmarkFilesOnCase":             "a -cpuprofile harness; WriteFilesOnCase is the row",
}

// TestEveryBenchmarkPrintsARow keeps make bench's table whole: every
// Benchmark function in the repository logs a benchrow line, itself or
// through a helper of the same package (or fsystest's) that does.
func TestEveryBenchmarkPrintsARow(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	type fn struct {
		pkg, name string
		body      string
		calls     []string
	}
	var funcs []fn
	logs := map[string]bool{} // "pkg.name" and bare names of helpers in shared packages
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n != filepath.Base(root) && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || (!strings.HasSuffix(p, "_test.go") && !strings.Contains(p, "fsystest")) {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, p, src, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		for _, decl := range f.Decls {
			d, ok := decl.(*ast.FuncDecl)
			if !ok || d.Body == nil || d.Recv != nil {
				continue
			}
			body := string(src[fset.Position(d.Body.Pos()).Offset:fset.Position(d.Body.End()).Offset])
			var calls []string
			ast.Inspect(d.Body, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					switch e := c.Fun.(type) {
					case *ast.Ident:
						calls = append(calls, rel+"."+e.Name)
					case *ast.SelectorExpr:
						calls = append(calls, "*."+e.Sel.Name)
					}
				}
				return true
			})
			funcs = append(funcs, fn{pkg: rel, name: d.Name.Name, body: body, calls: calls})
			if strings.Contains(body, "benchrow.") || strings.Contains(body, ".Log(b,") {
				logs[rel+"."+d.Name.Name] = true
				logs["*."+d.Name.Name] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range funcs {
		if !strings.HasPrefix(f.name, "Benchmark") {
			continue
		}
		n++
		id := f.pkg + "." + f.name
		if _, ok := noRow[id]; ok {
			continue
		}
		ok := logs[id]
		for _, c := range f.calls {
			ok = ok || logs[c]
		}
		if !ok {
			t.Errorf("%s prints no BENCHROW line (internal/benchrow): give it one beside its baseline, or list it in noRow with the reason", id)
		}
	}
	if n < 40 {
		t.Fatalf("found %d benchmarks under %s: the walk is looking in the wrong place", n, root)
	}
}
