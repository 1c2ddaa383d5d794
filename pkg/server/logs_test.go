package server_test

// Logs and headers across a whole path (case, uploads, application,
// approval, dossier, downloads): the structured log holds no secret, each
// request's id is in its log line and in its audit records, and every
// answer — API, download door, pages, signed object URLs — carries the
// security headers.

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

func TestLogsHoldNoSecrets(t *testing.T) {
	ts := newTsrv(t)
	mark := len(ts.logs.String())
	w := ts.world()
	secrets := map[string]string{
		"clerk login token": w.clerkA, "lawyer login token": w.lawyerA, "auditor login token": w.auditor,
	}
	linkToken := w.linkURL[strings.LastIndex(w.linkURL, "/")+1:]
	secrets["download token"] = linkToken
	secrets["download token signature"] = linkToken[strings.LastIndex(linkToken, ".")+1:]
	// The downloads: the link door, a HEAD, a refused link, the logged-in
	// route, and the presigned URLs they redirect to.
	for _, u := range []string{w.linkURL} {
		a := ts.call("", "GET", u, nil)
		if a.status != http.StatusFound {
			t.Fatalf("download: %d", a.status)
		}
		presigned := a.header.Get("Location")
		addSignatures(secrets, "presigned download URL", presigned)
		ts.must("", "GET", presigned, nil, http.StatusOK, nil)
	}
	ts.call("", "HEAD", w.linkURL, nil)
	ts.call("", "GET", w.linkURL[:len(w.linkURL)-6]+"AAAAAA", nil)
	a := ts.must(w.lawyerA, "GET", "/api/v1/applications/"+w.appID+"/download", nil, http.StatusFound, nil)
	addSignatures(secrets, "presigned download URL (signed in)", a.header.Get("Location"))
	m := ts.register(w.clerkA, w.caseID, material{Volume: 9, VolumeTitle: "卷", Seq: 1, Title: "t", Filename: "x.pdf", Size: len(testpdf.Text("LOGS"))})
	addSignatures(secrets, "upload URL", m.UploadURL)
	ts.must("", "PUT", m.UploadURL, testpdf.Text("LOGS"), http.StatusOK, nil)
	// Failed logins: the offered tokens are secrets too.
	ts.call("Bearer-garbage-"+w.lawyerA[:20], "GET", "/api/v1/applications", nil)
	// The sign-in: passwords (right and wrong), the pages' session ids and
	// CSRF tokens.
	for name, caller := range map[string]string{"lawyer's page session": w.lawyerAPages, "clerk's page session": w.clerkBPages} {
		sid, csrf, _ := strings.Cut(strings.TrimPrefix(caller, "session:"), ":")
		secrets[name+" id"], secrets[name+" CSRF token"] = sid, csrf
		ts.call(caller, "GET", "/api/v1/applications", nil)
	}
	secrets["password"] = ts.ensureAccount(auth.Identity{Subject: "clerk09", Name: "赵书记员", Role: auth.Clerk, Unit: unitB})
	secrets["wrong password"] = "wrong-password-for-the-log"
	ts.signInPages("clerk09", "wrong-password-for-the-log")
	ts.s.Queue.Wait()
	// Key material in the data dir.
	keys, _ := filepath.Glob(filepath.Join(ts.s.Config.DataDir, "keys", "*"))
	if len(keys) < 2 {
		t.Fatalf("no keys in %s", ts.s.Config.DataDir)
	}
	for _, k := range keys {
		b, err := os.ReadFile(k)
		if err != nil {
			continue
		}
		if blk, _ := pem.Decode(b); blk != nil {
			secrets["key "+filepath.Base(k)] = base64.StdEncoding.EncodeToString(blk.Bytes)[:32]
			secrets["key bytes (hex) "+filepath.Base(k)] = hex.EncodeToString(blk.Bytes[len(blk.Bytes)-32:])
			continue
		}
		if len(b) >= 16 {
			secrets["secret "+filepath.Base(k)+" (hex)"] = hex.EncodeToString(b[:16])
			secrets["secret "+filepath.Base(k)+" (base64)"] = base64.StdEncoding.EncodeToString(b[:15])
			secrets["secret "+filepath.Base(k)+" (raw)"] = string(b[:16])
		}
	}
	logs := ts.logs.String()[mark:]
	if len(logs) < 1000 {
		t.Fatalf("only %d bytes of log: is the log captured?", len(logs))
	}
	for what, s := range secrets {
		if len(s) < 12 {
			t.Fatalf("%s too short to look for: %q", what, s)
		}
		if strings.Contains(logs, s) {
			t.Errorf("the log contains the %s", what)
		}
	}
	// Every line is a JSON object; every request line has a request id.
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	requests := 0
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("a log line is not JSON: %q", sc.Text())
		}
		if line["msg"] == "request" {
			requests++
			if id, _ := line["requestId"].(string); len(id) < 8 {
				t.Errorf("a request line without a request id: %q", sc.Text())
			}
			if p, _ := line["path"].(string); strings.HasPrefix(p, "/d/") && p != "/d/…" {
				t.Errorf("a download path logged with its token: %q", p)
			}
		}
	}
	if requests < 20 {
		t.Errorf("%d request lines for the whole path", requests)
	}
}

// addSignatures records the secret parts of a signed URL.
func addSignatures(secrets map[string]string, what, raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	for k, vs := range u.Query() {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "sig") || strings.Contains(lk, "credential") || strings.Contains(lk, "token") {
			for _, v := range vs {
				if len(v) >= 12 {
					secrets[what+" "+k] = v
				}
			}
		}
	}
	secrets[what] = raw
}

// The request id of an answer (X-Request-Id) is in the request's log line
// and in every audit record the request wrote.
func TestRequestIDInLogAndAudit(t *testing.T) {
	ts := newTsrv(t)
	w := ts.world()
	checks := []struct {
		name    string
		tok     string
		method  string
		path    string
		body    any
		actions []string
	}{
		{"a decision", w.clerkA, "POST", "/api/v1/cases/" + w.caseID + "/lawyers", map[string]string{"license": licenseB, "name": "李律师", "firm": "某所", "phone": "139"}, []string{"case.bind"}},
		{"a refusal", w.lawyerB, "GET", "/api/v1/applications/" + w.appID, nil, []string{"access.deny"}},
		{"a failed login", "", "GET", "/api/v1/applications", nil, []string{"auth.fail"}},
		{"a download", "", "GET", w.linkURL, nil, []string{"link.download"}},
	}
	for _, c := range checks {
		// Each request from a client of its own: a refusal without a login
		// is recorded under its request id when it is its client's first
		// in the minute (the rest are counted).
		from, _ := ts.fromNewIP()
		a := from.call(c.tok, c.method, c.path, c.body)
		id := a.header.Get("X-Request-Id")
		if id == "" {
			t.Fatalf("%s: no X-Request-Id", c.name)
		}
		var logged bool
		for _, line := range strings.Split(ts.logs.String(), "\n") {
			logged = logged || (strings.Contains(line, `"msg":"request"`) && strings.Contains(line, `"requestId":"`+id+`"`))
		}
		if !logged {
			t.Errorf("%s: no log line with request id %s", c.name, id)
		}
		var got []string
		ts.s.API.Audit.Each(context.Background(), audit.Filter{}, func(e audit.Event) error {
			if e.RequestID == id {
				got = append(got, string(e.Action))
			}
			return nil
		})
		for _, want := range c.actions {
			if !contains(got, want) {
				t.Errorf("%s: audit records of request %s are %v, want %s", c.name, id, got, want)
			}
		}
	}
}

// Every answer carries the security headers: the API's JSON, its errors,
// the download door's page and redirect, the pages and their assets, the
// signed object URLs.
func TestSecurityHeaders(t *testing.T) {
	ts := newTsrv(t)
	w := ts.world()
	download := ts.call("", "GET", w.linkURL, nil)
	html := func(tok, path string) answer {
		req, _ := http.NewRequest("GET", ts.url+path, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return answer{status: resp.StatusCode, header: resp.Header}
	}
	for _, c := range []struct {
		name string
		a    answer
		page bool // an HTML page: needs a Content-Security-Policy
	}{
		{"API JSON", ts.call(w.lawyerA, "GET", "/api/v1/applications", nil), false},
		{"API error", ts.call("", "GET", "/api/v1/applications", nil), false},
		{"API 404", ts.call(w.lawyerA, "GET", "/api/v1/nope", nil), false},
		{"healthz", ts.call("", "GET", "/healthz", nil), false},
		{"download redirect", download, false},
		{"refused link page", html("", "/d/not-a-token"), true},
		{"sign-in page", html("", "/"), true},
		{"lawyer page", html("", "/lawyer"), true},
		{"clerk page", html("", "/clerk"), true},
		{"auditor page", html("", "/auditor"), true},
		{"dossier (presigned GET)", ts.call("", "GET", download.header.Get("Location"), nil), false},
		{"bad signed URL", ts.call("", "GET", "/blob/dossiers?obj=x&signature=y", nil), false},
	} {
		h := c.a.header
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s (%d): X-Content-Type-Options %q", c.name, c.a.status, h.Get("X-Content-Type-Options"))
		}
		if h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s (%d): Referrer-Policy %q", c.name, c.a.status, h.Get("Referrer-Policy"))
		}
		csp := h.Get("Content-Security-Policy")
		if h.Get("X-Frame-Options") != "DENY" && !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s (%d): may be framed (X-Frame-Options %q, CSP %q)", c.name, c.a.status, h.Get("X-Frame-Options"), csp)
		}
		if c.page && (csp == "" || !strings.Contains(csp, "default-src 'none'")) {
			t.Errorf("%s (%d): Content-Security-Policy %q", c.name, c.a.status, csp)
		}
		if !c.page && strings.HasPrefix(c.name, "API") && !strings.Contains(h.Get("Cache-Control"), "no-store") {
			t.Errorf("%s: Cache-Control %q, want no-store", c.name, h.Get("Cache-Control"))
		}
	}
}
