package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/web"
)

// TestHeaders checks what every page is sent with and that everything
// else still reaches the API.
func TestHeaders(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-From", "api")
		w.WriteHeader(http.StatusTeapot)
	})
	srv := httptest.NewServer(web.Handler(api))
	defer srv.Close()
	for _, p := range []string{"/", "/lawyer", "/clerk", "/auditor", "/static/app.css", "/static/common.js", "/static/favicon.svg"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(body) == 0 {
			t.Errorf("GET %s: %d, %d bytes", p, resp.StatusCode, len(body))
			continue
		}
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("GET %s: CSP allows unsafe code: %q", p, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %s: security headers missing: %v", p, h)
		}
		if h.Get("X-From") != "" {
			t.Errorf("GET %s went to the API", p)
		}
		if etag := h.Get("ETag"); etag != "" {
			req, _ := http.NewRequest("GET", srv.URL+p, nil)
			req.Header.Set("If-None-Match", etag)
			r2, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r2.Body.Close()
			if r2.StatusCode != http.StatusNotModified {
				t.Errorf("GET %s with its ETag: %d, want 304", p, r2.StatusCode)
			}
		} else {
			t.Errorf("GET %s: no ETag", p)
		}
	}
	for _, p := range []string{"/api/v1/cases", "/d/abc", "/healthz", "/blob/uploads", "/lawyer/x"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("X-From") != "api" {
			t.Errorf("GET %s did not reach the API", p)
		}
	}
	resp, err := http.Get(srv.URL + "/static/nope.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown asset: %d, want 404", resp.StatusCode)
	}
	// A POST to a page is not a page.
	resp, err = http.Post(srv.URL+"/lawyer", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-From") != "api" {
		t.Errorf("POST /lawyer should fall through to the API (which answers it)")
	}
	if got := web.CSP("https://bucket.s3.example.com", "evil; script-src *"); !strings.Contains(got, "connect-src 'self' https://bucket.s3.example.com;") || strings.Contains(got, "evil") {
		t.Errorf("CSP with extra connect-src = %q", got)
	}
}

// TestNoInlineCode keeps the pages compatible with the CSP and the scripts
// free of HTML injection: no inline scripts, styles or handlers, and no
// innerHTML, outerHTML, insertAdjacentHTML, document.write or eval.
func TestNoInlineCode(t *testing.T) {
	files := readAssets(t)
	inlineScript := regexp.MustCompile(`(?is)<script(?:\s[^>]*)?>\s*[^<\s]`)
	scriptTag := regexp.MustCompile(`(?is)<script\b[^>]*>`)
	handler := regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	for name, data := range files {
		s := string(data)
		switch {
		case strings.HasSuffix(name, ".html"):
			if inlineScript.MatchString(s) {
				t.Errorf("%s has an inline script", name)
			}
			for _, tag := range scriptTag.FindAllString(s, -1) {
				if !strings.Contains(tag, `src="/static/`) {
					t.Errorf("%s: script not from /static/: %s", name, tag)
				}
			}
			if strings.Contains(strings.ToLower(s), "<style") || regexp.MustCompile(`(?i)\sstyle\s*=`).MatchString(s) {
				t.Errorf("%s has inline style", name)
			}
			if handler.MatchString(s) {
				t.Errorf("%s has an inline event handler", name)
			}
		case strings.HasSuffix(name, ".js"):
			for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", ".style."} {
				if strings.Contains(s, bad) {
					t.Errorf("%s uses %s", name, bad)
				}
			}
		}
	}
}

func readAssets(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	srv := httptest.NewServer(web.Handler(nil))
	defer srv.Close()
	get := func(p string) []byte {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", p, resp.StatusCode)
		}
		return b
	}
	for _, p := range []string{"/", "/lawyer", "/clerk", "/auditor"} {
		out[p+".html"] = get(p)
	}
	for _, p := range []string{"common.js", "signin.js", "lawyer.js", "findcase.js", "search.js", "clerk.js", "materials.js", "auditor.js", "app.css"} {
		out[p] = get("/static/" + p)
	}
	// Every asset a page links must exist.
	link := regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)
	for name, b := range out {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		for _, m := range link.FindAllSubmatch(b, -1) {
			if len(get(string(m[1]))) == 0 {
				t.Errorf("%s links an empty %s", name, m[1])
			}
		}
	}
	return out
}
