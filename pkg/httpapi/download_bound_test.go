package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/blob/blobtest"
	"github.com/yuejuan/yuejuan/pkg/httpapi"
)

// bigCopy replaces r's stamped copy with n bytes and returns them, so that
// ranges of it mean something.
func (e *env) bigCopy(r *ready, n int) []byte {
	e.t.Helper()
	data := blobtest.Bytes(uint64(n), n)
	if err := e.s.Dossiers.Bucket.WriteAll(e.t.Context(), r.link.CopyKey, data, nil); err != nil {
		e.t.Fatal(err)
	}
	return data
}

// noRateLimits lifts the per-lawyer download limit for one test, whose
// point is what a request gets, not how many a lawyer may make.
func (e *env) noRateLimits() {
	e.t.Helper()
	before := e.s.API.RateLimit
	e.s.API.RateLimit = httpapi.NewRateLimiter(httpapi.Rates{})
	e.t.Cleanup(func() { e.s.API.RateLimit = before })
}

// Issue 13 G: with every download of a link used, resumed ranges were let
// through without counting, each redirected to a presigned URL that served
// the whole file when fetched without the Range header. Now a resume is
// granted only within half the file after the last counted download, and
// its URL serves the range it asked for and nothing else.
func TestExhaustedLinkResumesServeOnlyTheirRange(t *testing.T) {
	e := newEnv(t)
	e.noRateLimits() // 26 requests in a row: the limiter is not what is tested
	r := e.ready(5, time.Hour)
	data := e.bigCopy(r, 100_000)
	for i := range 5 {
		if resp, _ := e.get("GET", r.url, nil); resp.StatusCode != http.StatusFound {
			t.Fatalf("download %d of 5: %s", i+1, resp.Status)
		}
	}
	// The attack: 20 "resumes" from byte 1, a whole file each.
	for i := range 20 {
		resp, body := e.get("GET", r.url, map[string]string{"Range": "bytes=1-", "Accept": "application/json"})
		var eb errBody
		_ = json.Unmarshal(body, &eb)
		if resp.StatusCode != http.StatusForbidden || eb.Error.Code != "link_exhausted" {
			t.Fatalf("exhausted link, Range bytes=1- (%d): %d %s, want 403 link_exhausted", i+1, resp.StatusCode, body)
		}
	}
	// A real resume near the end of the last download still goes through,
	// and its URL serves that range only.
	const rng = "bytes=60000-"
	resp, _ := e.get("GET", r.url, map[string]string{"Range": rng})
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("resume of the last 40 %% of an exhausted link's last download: %s, want 302", resp.Status)
	}
	u := resp.Header.Get("Location")
	for _, c := range []struct {
		what string
		hdr  map[string]string
	}{
		{"no Range", nil},
		{"Range from byte 0", map[string]string{"Range": "bytes=0-"}},
		{"another range", map[string]string{"Range": "bytes=1-"}},
	} {
		resp, body := e.get("GET", u, c.hdr)
		if resp.StatusCode != http.StatusForbidden || len(body) >= 40_000 {
			t.Errorf("the resume's URL with %s: %d, %d bytes, want 403", c.what, resp.StatusCode, len(body))
		}
	}
	resp, body := e.get("GET", u, map[string]string{"Range": rng})
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[60000:]) {
		t.Errorf("the resume's URL with its range: %d, %d bytes, want 206 with the last 40000", resp.StatusCode, len(body))
	}
	resp, body = e.get("GET", u, map[string]string{"Range": rng, "If-Range": `"stale"`})
	if len(body) > 40_000 {
		t.Errorf("the resume's URL with a stale If-Range: %d, %d bytes: more than the range", resp.StatusCode, len(body))
	}
	if got := e.used(r.link.ID); got != 5 {
		t.Errorf("used = %d, want 5", got)
	}
}

// Issue 13 J: the presigned URL's file name was not signed: renamed to
// evil.html, or removed (the copy then shown inline), it still served the
// copy. Now the name is under the signature.
func TestDownloadURLNameIsSigned(t *testing.T) {
	e := newEnv(t)
	r := e.ready(5, time.Hour)
	resp, _ := e.get("GET", r.url, nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("download: %s", resp.Status)
	}
	loc := resp.Header.Get("Location")
	resp, body := e.get("GET", loc, nil)
	cd := resp.Header.Get("Content-Disposition")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, fakePDF) || !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, url.PathEscape(r.link.Filename)) {
		t.Fatalf("the presigned URL: %d, Content-Disposition %q; want 200, an attachment named %s", resp.StatusCode, cd, r.link.Filename)
	}
	pu, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what   string
		change func(q url.Values)
	}{
		{"renamed to evil.html", func(q url.Values) { q.Set("filename", "evil.html") }},
		{"name removed", func(q url.Values) { q.Del("filename") }},
	} {
		q := pu.Query()
		c.change(q)
		bad := *pu
		bad.RawQuery = q.Encode()
		resp, body := e.get("GET", bad.String(), nil)
		if resp.StatusCode != http.StatusForbidden || bytes.Contains(body, fakePDF) {
			t.Errorf("presigned URL with its %s: %d %q, want 403", c.what, resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
	}
}

// Issue 13 A: a download through /d/{token} was recorded with the lawyer as
// its actor, whoever held the link (a clerk who had copied it, say). The
// door needs no login, so its records name the link's holder, from the
// request's IP and user agent, with the lawyer as the link's owner; only a
// download while signed in names the lawyer, who is then the caller.
func TestLinkDownloadRecordsTheHolder(t *testing.T) {
	e := newEnv(t)
	r := e.ready(5, time.Hour)
	if resp, _ := e.get("GET", r.url, map[string]string{"User-Agent": "Mozilla/5.0 (the clerk's browser)"}); resp.StatusCode != http.StatusFound {
		t.Fatalf("download through the link: %s", resp.Status)
	}
	e.call(r.lawyer, "GET", "/api/v1/applications/"+r.app.ID+"/download", nil, http.StatusFound, nil)
	evs := e.events(audit.Filter{Action: "link.download", ApplicationID: r.app.ID})
	if len(evs) != 2 {
		t.Fatalf("%d download records, want 2", len(evs))
	}
	byLink, byLogin := evs[0], evs[1]
	if byLink.Actor != httpapi.LinkHolderActor || byLink.Role != string(httpapi.LinkHolder) || byLink.Detail["linkOwner"] != r.license ||
		byLink.Detail["via"] != "link" || byLink.IP != "127.0.0.1" || byLink.UserAgent != "Mozilla/5.0 (the clerk's browser)" {
		t.Errorf("download through the link recorded as %+v; want actor %s from 127.0.0.1 with its user agent, linkOwner %s",
			byLink, httpapi.LinkHolderActor, r.license)
	}
	if byLogin.Actor != r.license || byLogin.Role != "lawyer" || byLogin.Detail["via"] != "login" {
		t.Errorf("signed-in download recorded as %+v; want the lawyer %s", byLogin, r.license)
	}
}
