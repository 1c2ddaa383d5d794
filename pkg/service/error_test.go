package service

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

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
