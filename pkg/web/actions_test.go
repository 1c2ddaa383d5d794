package web_test

import (
	"html"
	"io"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/web"
)

var actionOption = regexp.MustCompile(`<option value="([^"]*)" label="([^"]*)"></option>`)

// The auditor's action filter offers every declared action (audit.Actions)
// with its Chinese label, and nothing else: the list is the declaration's.
func TestAuditorFilterListsEveryAction(t *testing.T) {
	rec := httptest.NewRecorder()
	web.Handler(nil).ServeHTTP(rec, httptest.NewRequest("GET", "/auditor", nil))
	body, _ := io.ReadAll(rec.Body)
	offered := map[string]string{}
	for _, m := range actionOption.FindAllStringSubmatch(string(body), -1) {
		offered[html.UnescapeString(m[1])] = html.UnescapeString(m[2])
	}
	declared := audit.Actions()
	if len(declared) < 30 {
		t.Fatalf("audit.Actions lists %d actions", len(declared))
	}
	for _, a := range declared {
		if l, ok := offered[string(a)]; !ok || l == "" || l != a.Label() {
			t.Errorf("the filter offers %s with label %q (offered: %v), want %q", a, l, ok, a.Label())
		}
		delete(offered, string(a))
	}
	for v := range offered {
		t.Errorf("the filter offers %s, which is not a declared action", v)
	}
}
