package functions_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Each function links only what its boundary uses (docs/design.md,
// "Lambda bootstraps"): the download door, on the lawyer's critical path,
// the APIs and the scheduled deadline function (which asks which materials
// are stuck, but leaves their ingest to the ingest function) link neither the
// PDF library (pdfcpu and the embedded CJK font, 21 MB of a bootstrap) nor
// gRPC, OpenTelemetry or the Google API client (which gocloud.dev's blob
// brought), nor the OpenID provider library (the embedded provider is the
// local server's; on AWS the identity provider is external). A new import
// that drags one of them in fails here, with the chain that does it.
func TestFunctionsLinkOnlyTheirBoundary(t *testing.T) {
	heavy := []string{"github.com/pdfcpu/pdfcpu", "google.golang.org/grpc", "go.opentelemetry.io/", "google.golang.org/api", "gocloud.dev", "github.com/zitadel/oidc"}
	for _, fn := range []string{"download", "api-lawyer", "api-clerk", "api-auditor", "deadline"} {
		out, err := exec.Command("go", "list", "-tags", "lambda.norpc", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./"+fn).Output()
		if err != nil {
			t.Fatalf("go list -deps ./%s: %v", fn, err)
		}
		importers := map[string]string{} // package -> one package that imports it
		var deps []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Fields(line)
			deps = append(deps, f[0])
			for _, imp := range f[1:] {
				if _, ok := importers[imp]; !ok {
					importers[imp] = f[0]
				}
			}
		}
		for _, d := range deps {
			for _, h := range heavy {
				if !strings.HasPrefix(d, h) {
					continue
				}
				chain := []string{d}
				for p := d; importers[p] != "" && len(chain) < 30; p = importers[p] {
					chain = append(chain, importers[p])
				}
				t.Errorf("functions/%s links %s: %s", fn, d, strings.Join(chain, " ← "))
				break
			}
		}
	}
}
