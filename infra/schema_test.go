package infra

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7"
)

// TestTemplateMatchesResourceSchemas parses template.yaml with
// awslabs/goformation, whose types are generated from the CloudFormation
// resource specification and the SAM schema and which refuses a property a
// resource type does not have: the check cfn-lint would make first, with
// the tool this machine can install. Every resource must come through as its
// type, and a misspelt property must be refused (so the check can fail).
func TestTemplateMatchesResourceSchemas(t *testing.T) {
	tpl, err := goformation.Open("../template.yaml")
	if err != nil {
		t.Fatalf("template.yaml does not match the CloudFormation/SAM schemas: %v", err)
	}
	tp := load(t)
	if len(tpl.Resources) != len(tp.res) {
		t.Errorf("goformation read %d resources, the template has %d", len(tpl.Resources), len(tp.res))
	}
	for name, r := range tp.res {
		typ := render(get(r, "Type"))
		got, ok := tpl.Resources[name]
		if !ok {
			t.Errorf("%s (%s): not read", name, typ)
			continue
		}
		if got.AWSCloudFormationType() != typ {
			t.Errorf("%s: read as %s, declared %s", name, got.AWSCloudFormationType(), typ)
		}
	}
	fns := tpl.GetAllServerlessFunctionResources()
	if len(fns) != 7 {
		t.Errorf("%d serverless functions, want 7", len(fns))
	}
	for name, f := range fns {
		uri := ""
		if f.CodeUri != nil && f.CodeUri.String != nil {
			uri = *f.CodeUri.String
		}
		image := f.PackageType != nil && *f.PackageType == "Image" // its ImageUri: TestFunctions
		if !image && !strings.HasPrefix(uri, "dist/") {
			t.Errorf("%s: CodeUri %q, want dist/<name>/ (make build-lambda)", name, uri)
		}
		if len(f.Events) == 0 {
			t.Errorf("%s: no events", name)
		}
	}

	// The same template with one property misspelt is refused.
	raw, err := os.ReadFile("../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(raw), "      VersioningConfiguration:", "      VersioningConfig:", 1)
	if bad == string(raw) {
		t.Fatal("no VersioningConfiguration to misspell")
	}
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := goformation.Open(path); err == nil || !strings.Contains(err.Error(), "VersioningConfig") {
		t.Errorf("a misspelt property was not refused: %v", err)
	}
}
