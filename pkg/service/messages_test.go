package service

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// bilingual is a message for a person, Chinese then English: Chinese
// characters, then English words in parentheses (not a label such as the
// export's column "时间 Time (Asia/Shanghai)").
var bilingual = regexp.MustCompile(`\p{Han}.*\([A-Za-z]+[ :]`)

// TestNoInlineMessages fails on a message of a use case or of the HTTP API
// (Chinese, then English) written as a string literal outside
// messages.go: each is declared once there and named where it is used.
// Tests keep their literals, which say what a message must read.
func TestNoInlineMessages(t *testing.T) {
	var found []string
	for _, dir := range []string{".", filepath.Join("..", "httpapi")} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") || filepath.Base(path) == "messages.go" {
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
		t.Errorf("%d messages written inline; declare them in pkg/service/messages.go:\n%s", len(found), strings.Join(found, "\n"))
	}
}

// Every code is declared once, in error.go (the HTTP API's own codes in
// httpapi's errors.go): no Code literal elsewhere.
func TestCodesDeclaredOnce(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") || path == "error.go" {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if regexp.MustCompile(`\bCode = "|Code\("`).Match(src) {
			t.Errorf("%s declares or converts a code; codes are declared in error.go", path)
		}
	}
}
