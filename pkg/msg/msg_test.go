package msg

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// bilingual is a message for a person, Chinese then English: Chinese
// characters, then English words in parentheses (not a label such as the
// column heading "时间 Time (Asia/Shanghai)").
var bilingual = regexp.MustCompile(`\p{Han}.*\((?:%s|[A-Za-z]+)[ :]`)

// catalogued are the packages whose messages are declared here.
var catalogued = []string{"service", "httpapi", "casefile", "application", "complaint", "opinion", "procedure", "limits"}

// TestNoInlineMessages fails on a message (Chinese, then English) written
// as a string literal in a catalogued package: each is declared once here
// and named where it is used. Tests keep their literals, which say what a
// message must read.
func TestNoInlineMessages(t *testing.T) {
	var found []string
	for _, pkg := range catalogued {
		files, err := filepath.Glob(filepath.Join("..", pkg, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no package %s", pkg)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				if s, err := strconv.Unquote(lit.Value); err == nil && bilingual.MatchString(s) {
					found = append(found, fset.Position(lit.Pos()).String())
				}
				return true
			})
		}
	}
	if len(found) > 0 {
		t.Errorf("%d messages written inline; declare them in pkg/msg:\n%s", len(found), strings.Join(found, "\n"))
	}
}

// Each text is declared once: no two names for the same message.
func TestTextsDeclaredOnce(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "msg.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, sp := range g.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok {
					continue
				}
				name := vs.Names[i].Name
				if other, dup := seen[lit.Value]; dup {
					t.Errorf("%s and %s are the same text", other, name)
				}
				seen[lit.Value] = name
			}
		}
	}
}
