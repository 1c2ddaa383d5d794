package audit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// declaredActions returns the value and name of every Action constant in
// actions.go.
func declaredActions(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "actions.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Action" {
				t.Errorf("%s: a constant in actions.go that is not an Action", vs.Names[0].Name)
				continue
			}
			for i, n := range vs.Names {
				v, err := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				if prev, dup := out[v]; dup {
					t.Errorf("%s and %s are both %q", prev, n.Name, v)
				}
				out[v] = n.Name
			}
		}
	}
	return out
}

var actionForm = regexp.MustCompile(`^[a-z]+\.[a-z]+$`)

func TestActionsDeclared(t *testing.T) {
	acts := declaredActions(t)
	if len(acts) < 30 {
		t.Fatalf("only %d actions found in actions.go", len(acts))
	}
	for v, name := range acts {
		if !actionForm.MatchString(v) {
			t.Errorf("%s = %q: an action is subject.verb, lower case", name, v)
		}
	}
}

// TestNoLiteralActions keeps actions.go the one list of actions: it reads
// every non-test Go file of the module and fails on an action written as a
// string literal — an Action field set to one, or a literal with the value
// of a declared action anywhere (a comparison, a map key, an argument).
// Notice kinds that share an action's name (Kind: "application.overdue")
// are another vocabulary and are let through.
func TestNoLiteralActions(t *testing.T) {
	acts := declaredActions(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	var found []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if rel, _ := filepath.Rel(root, path); rel == filepath.Join("pkg", "audit", "actions.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		for _, pos := range literalActions(f, acts) {
			p := fset.Position(pos)
			rel, _ := filepath.Rel(root, p.Filename)
			found = append(found, rel+":"+strconv.Itoa(p.Line))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d literal actions outside actions.go", len(found))
	for _, at := range found {
		t.Errorf("%s: an action as a string literal; use its constant from pkg/audit/actions.go (declare it there if new)", at)
	}
}

// literalActions returns where f writes an action as a string literal.
func literalActions(f *ast.File, acts map[string]string) []token.Pos {
	isField := func(e ast.Expr, name string) bool {
		switch x := e.(type) {
		case *ast.Ident:
			return x.Name == name
		case *ast.SelectorExpr:
			return x.Sel.Name == name
		}
		return false
	}
	str := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		v, err := strconv.Unquote(b.Value)
		return v, err == nil
	}
	var out []token.Pos
	allowed := map[ast.Expr]bool{} // literals set as a notice's Kind
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.KeyValueExpr:
			if _, ok := str(x.Value); ok {
				if isField(x.Key, "Action") {
					out = append(out, x.Value.Pos())
					allowed[x.Value] = true // reported once
				} else if isField(x.Key, "Kind") {
					allowed[x.Value] = true
				}
			}
		case *ast.AssignStmt:
			if len(x.Lhs) != len(x.Rhs) {
				break
			}
			for i, l := range x.Lhs {
				if _, ok := str(x.Rhs[i]); !ok {
					continue
				}
				if isField(l, "Action") {
					out = append(out, x.Rhs[i].Pos())
					allowed[x.Rhs[i]] = true
				} else if isField(l, "Kind") {
					allowed[x.Rhs[i]] = true
				}
			}
		case *ast.BasicLit:
			if v, ok := str(x); ok && acts[v] != "" && !allowed[x] {
				out = append(out, x.Pos())
			}
		}
		return true
	})
	return out
}

// TestActionsLabelled: every declared action has a Chinese label for the
// auditor, and Actions lists exactly the declared ones.
func TestActionsLabelled(t *testing.T) {
	acts := declaredActions(t)
	han := regexp.MustCompile(`\p{Han}`)
	for v, name := range acts {
		if l := Action(v).Label(); !han.MatchString(l) {
			t.Errorf("%s (%s) has no Chinese label (%q): add one to labels in actions.go", name, v, l)
		}
	}
	listed := Actions()
	if len(listed) != len(acts) {
		t.Errorf("Actions lists %d, actions.go declares %d", len(listed), len(acts))
	}
	for _, a := range listed {
		if _, ok := acts[string(a)]; !ok {
			t.Errorf("%s is labelled but not declared", a)
		}
	}
}
