package httpapi_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/httpapi"
	"github.com/yuejuan/yuejuan/pkg/link"
)

type errBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Every way a link can fail gets its own status and code, a Chinese page
// for a browser and JSON for an API client, and an audit record — and
// none of them uses up a download.
func TestLinkRefusals(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		url    func(t *testing.T) (url string, r *ready)
		status int
		code   string
		zh     string // a phrase the Chinese page must show
		named  bool   // the audit record can name the lawyer (the token was genuine)
	}{
		{"expired token", func(t *testing.T) (string, *ready) {
			r := e.ready(5, -time.Hour)
			return r.url, r
		}, http.StatusGone, "link_expired", "已过期", true},
		{"expired application", func(t *testing.T) (string, *ready) {
			r := e.ready(5, time.Hour)
			if _, err := e.s.API.Apps.Update(t.Context(), r.app.ID, func(a *application.Application) error {
				return a.Move(application.Expired, "system", "阅卷期限届满", time.Now())
			}); err != nil {
				t.Fatal(err)
			}
			return r.url, r
		}, http.StatusGone, "link_expired", "已过期", true},
		{"revoked: the clerk refused the application", func(t *testing.T) (string, *ready) {
			r := e.ready(5, time.Hour)
			// The link works, then the clerk refuses: it stops at once.
			if resp, _ := e.get("GET", r.url, nil); resp.StatusCode != http.StatusFound {
				t.Fatalf("link before the refusal: %d", resp.StatusCode)
			}
			e.call(e.clerk, "POST", "/api/v1/applications/"+r.app.ID+"/decision",
				map[string]string{"decision": "reject", "reason": "委托手续不全"}, http.StatusOK, nil)
			return r.url, r
		}, http.StatusGone, "link_revoked", "已被撤销", true},
		{"exhausted", func(t *testing.T) (string, *ready) {
			r := e.ready(1, time.Hour)
			if resp, _ := e.get("GET", r.url, nil); resp.StatusCode != http.StatusFound {
				t.Fatalf("the one allowed download: %d", resp.StatusCode)
			}
			return r.url, r
		}, http.StatusForbidden, "link_exhausted", "下载次数已用完", true},
		{"tampered payload", func(t *testing.T) (string, *ready) {
			r := e.ready(5, time.Hour)
			tok := strings.TrimPrefix(r.url, e.url+"/d/")
			parts := strings.Split(tok, ".")
			body, _ := base64.RawURLEncoding.DecodeString(parts[1])
			var m map[string]any
			_ = json.Unmarshal(body, &m)
			m["exp"] = time.Now().Add(1000 * time.Hour).Unix()
			body, _ = json.Marshal(m)
			parts[1] = base64.RawURLEncoding.EncodeToString(body)
			return e.url + "/d/" + strings.Join(parts, "."), r
		}, http.StatusBadRequest, "link_invalid", "已被改动", false},
		{"tampered: cut short", func(t *testing.T) (string, *ready) {
			r := e.ready(5, time.Hour)
			return r.url[:len(r.url)-6], r
		}, http.StatusBadRequest, "link_invalid", "已被改动", false},
		{"foreign: signed by another key", func(t *testing.T) (string, *ready) {
			r := e.ready(5, time.Hour)
			_, other, _ := ed25519.GenerateKey(rand.Reader)
			s := &link.Signer{Keys: auth.NewKeySet(other), Issuer: e.s.Config.Issuer}
			tok, err := s.Token(r.link)
			if err != nil {
				t.Fatal(err)
			}
			return e.url + "/d/" + tok, r
		}, http.StatusUnauthorized, "link_foreign", "不是本系统签发", false},
		{"foreign: a login token used as a link", func(t *testing.T) (string, *ready) {
			r := e.ready(5, time.Hour)
			return e.url + "/d/" + r.lawyer, r
		}, http.StatusUnauthorized, "link_foreign", "不是本系统签发", false},
	}
	e0 := e
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url, r := tc.url(t)
			usedBefore := e0.used(r.link.ID)
			e, ip := e0.fromNewIP() // refusals are counted per client
			e.t = t

			// A browser gets a page in Chinese.
			resp, body := e.get("GET", url, map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "User-Agent": "Mozilla/5.0"})
			if resp.StatusCode != tc.status {
				t.Errorf("browser: status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(ct, "utf-8") {
				t.Errorf("browser: Content-Type %q, want UTF-8 HTML", ct)
			}
			page := string(body)
			if !strings.Contains(page, `lang="zh-CN"`) || !strings.Contains(page, "无法下载") || !strings.Contains(page, tc.zh) {
				t.Errorf("browser page lacks the Chinese explanation %q:\n%s", tc.zh, page)
			}

			// An API client gets JSON with a distinct code.
			resp, body = e.get("GET", url, map[string]string{"Accept": "application/json"})
			if resp.StatusCode != tc.status {
				t.Errorf("API client: status %d, want %d", resp.StatusCode, tc.status)
			}
			var eb errBody
			if err := json.Unmarshal(body, &eb); err != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("API client: not JSON (%v): %s", err, body)
			}
			if eb.Error.Code != tc.code || !strings.Contains(eb.Error.Message, tc.zh) {
				t.Errorf("API client: %+v, want code %s with %q", eb.Error, tc.code, tc.zh)
			}

			// Both refusals are audited, and nothing was counted as a
			// download: the first with its reason, the second (from the
			// same client within the minute) in the client's refusal.count.
			e.s.API.FlushRefusals(t.Context(), time.Now().Add(time.Minute))
			// (Two link.refuse records if a minute began in between.)
			evs, accounted := e.ofClient(ip)
			if len(evs) != 2 || evs[0].Action != "link.refuse" || accounted != 2 || evs[1].Action == "refusal.count" &&
				!strings.Contains(evs[1].Detail["refusals"], "link.refuse: "+tc.code+" ×1") {
				t.Fatalf("records of the two refusals: %+v, want link.refuse then refusal.count of 1 %s", evs, tc.code)
			}
			for _, ev := range evs {
				if ev.Action != "link.refuse" {
					continue
				}
				if ev.Result != audit.Denied || ev.Detail["reason"] != tc.code || ev.IP != ip {
					t.Errorf("refusal record %+v, want denied, reason %s, from %s", ev, tc.code, ip)
				}
				// Whoever used the link is its holder, not the lawyer it
				// was issued to (who is named as the link's owner).
				if ev.Actor != httpapi.LinkHolderActor {
					t.Errorf("refusal record's actor %q, want %s", ev.Actor, httpapi.LinkHolderActor)
				}
				if tc.named && (ev.Detail["linkOwner"] != r.license || ev.ApplicationID != r.app.ID || ev.CaseID != e.caseID) {
					t.Errorf("refusal record names owner %s, %s/%s, want the lawyer %s, application and case", ev.Detail["linkOwner"], ev.ApplicationID, ev.CaseID, r.license)
				}
				if !tc.named && (ev.Detail["linkOwner"] != "" || ev.ApplicationID != "") {
					t.Errorf("a refusal of an untrusted token must not name anyone from it: %+v", ev)
				}
			}
			if got := e.used(r.link.ID); got != usedBefore {
				t.Errorf("a refused request counted a download: used %d → %d", usedBefore, got)
			}
		})
	}
	// The codes are distinct per failure mode.
	seen := map[string]string{}
	for _, tc := range tests {
		kind := strings.SplitN(tc.name, ":", 2)[0]
		kind = strings.Fields(kind)[0]
		if prev, ok := seen[tc.code]; ok && prev != kind {
			t.Errorf("code %s used by both %s and %s", tc.code, prev, kind)
		}
		seen[tc.code] = kind
	}
}

// Two (or more) concurrent clicks on the last download: exactly one gets
// the file, the others are told the limit is reached.
func TestLastDownloadRaceOverHTTP(t *testing.T) {
	e := newEnv(t)
	for round := range 5 {
		r := e.ready(2, time.Hour)
		if resp, _ := e.get("GET", r.url, nil); resp.StatusCode != http.StatusFound {
			t.Fatalf("first download: %d", resp.StatusCode)
		}
		const clicks = 6
		var wg sync.WaitGroup
		start := make(chan struct{})
		statuses := make([]int, clicks)
		codes := make([]string, clicks)
		for i := range clicks {
			wg.Go(func() {
				<-start
				resp, body := e.get("GET", r.url, map[string]string{"Accept": "application/json"})
				statuses[i] = resp.StatusCode
				var eb errBody
				_ = json.Unmarshal(body, &eb)
				codes[i] = eb.Error.Code
			})
		}
		close(start)
		wg.Wait()
		won, exhausted := 0, 0
		for i, st := range statuses {
			switch {
			case st == http.StatusFound:
				won++
			case st == http.StatusForbidden && codes[i] == "link_exhausted":
				exhausted++
			default:
				t.Errorf("round %d: unexpected answer %d %s", round, st, codes[i])
			}
		}
		if won != 1 || exhausted != clicks-1 {
			t.Fatalf("round %d: %d redirects and %d exhausted; want exactly one winner", round, won, exhausted)
		}
		if got := e.used(r.link.ID); got != 2 {
			t.Fatalf("round %d: used = %d, want 2", round, got)
		}
		if n := len(e.events(audit.Filter{Action: "link.download", ApplicationID: r.app.ID})); n != 2 {
			t.Errorf("round %d: %d download records, want 2", round, n)
		}
	}
}

// HEAD, prefetches and link-preview fetchers do not use a download; a
// range from byte 0 does; a resumed range does not, within the allowance
// of the last counted download (half the file), and may even finish the
// last download.
func TestWhatCountsAsADownload(t *testing.T) {
	e := newEnv(t)
	e.noRateLimits() // a dozen requests as one lawyer
	r := e.ready(2, time.Hour)
	e.bigCopy(r, 100_000)
	steps := []struct {
		name   string
		method string
		hdr    map[string]string
		status int
		used   int
	}{
		{"HEAD", "HEAD", nil, http.StatusOK, 0},
		{"a resumed range before any download counts", "GET", map[string]string{"Range": "bytes=100-"}, http.StatusFound, 1},
		{"HEAD again", "HEAD", nil, http.StatusOK, 1},
		{"Slack's link preview", "GET", map[string]string{"User-Agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"}, http.StatusOK, 1},
		{"WhatsApp preview", "GET", map[string]string{"User-Agent": "WhatsApp/2.23.20.0"}, http.StatusOK, 1},
		{"browser prefetch", "GET", map[string]string{"Sec-Purpose": "prefetch"}, http.StatusOK, 1},
		{"a resumed range (30 % of the file)", "GET", map[string]string{"Range": "bytes=70000-"}, http.StatusFound, 1},
		{"a suffix range (10 %)", "GET", map[string]string{"Range": "bytes=-10000"}, http.StatusFound, 1},
		{"a resume past half the file counts", "GET", map[string]string{"Range": "bytes=80000-"}, http.StatusFound, 2},
		{"the limit is reached", "GET", nil, http.StatusForbidden, 2},
		{"but the last download can still be resumed", "GET", map[string]string{"Range": "bytes=60000-"}, http.StatusFound, 2},
		{"within half the file only", "GET", map[string]string{"Range": "bytes=80000-"}, http.StatusForbidden, 2},
		{"a range from byte 0 is still refused", "GET", map[string]string{"Range": "bytes=0-99"}, http.StatusForbidden, 2},
		{"HEAD on an exhausted link is refused too", "HEAD", nil, http.StatusForbidden, 2},
	}
	for _, st := range steps {
		resp, body := e.get(st.method, r.url, st.hdr)
		if resp.StatusCode != st.status {
			t.Fatalf("%s: status %d, want %d: %s", st.name, resp.StatusCode, st.status, body)
		}
		if got := e.used(r.link.ID); got != st.used {
			t.Fatalf("%s: used = %d, want %d", st.name, got, st.used)
		}
		if st.status == http.StatusFound && !strings.Contains(resp.Header.Get("Location"), "/blob/dossiers?") {
			t.Errorf("%s: redirect to %q, want the presigned object URL", st.name, resp.Header.Get("Location"))
		}
	}
	// Every transfer let through is in the log, saying whether it counted.
	var counted, free int
	for _, ev := range e.events(audit.Filter{Action: "link.download", ApplicationID: r.app.ID}) {
		switch ev.Detail["counted"] {
		case "true":
			counted++
		case "false":
			free++
		}
	}
	if counted != 2 || free != 3 {
		t.Errorf("download records: %d counted, %d free; want 2 and 3", counted, free)
	}
	// Free resumes are bounded in number too: a client that never asks for
	// byte 0 cannot download forever, even in small pieces.
	r2 := e.ready(1, time.Hour)
	e.bigCopy(r2, 100_000)
	if resp, _ := e.get("GET", r2.url, nil); resp.StatusCode != http.StatusFound {
		t.Fatal(resp.Status)
	}
	for i := range link.ResumesPerDownload {
		if resp, _ := e.get("GET", r2.url, map[string]string{"Range": "bytes=99000-"}); resp.StatusCode != http.StatusFound {
			t.Fatalf("resume %d: %s", i+1, resp.Status)
		}
	}
	if resp, _ := e.get("GET", r2.url, map[string]string{"Range": "bytes=99000-"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("resume past the allowance: %s, want 403", resp.Status)
	}
}

// A signed-in lawyer can download their own dossier without the token,
// through the same counted, audited path; another lawyer cannot.
func TestLoggedInDownload(t *testing.T) {
	e := newEnv(t)
	r := e.ready(2, time.Hour)
	other := e.ready(2, time.Hour)
	path := "/api/v1/applications/" + r.app.ID + "/download"
	e.call(r.lawyer, "GET", path, nil, http.StatusFound, nil)
	if e.used(r.link.ID) != 1 {
		t.Errorf("logged-in download not counted")
	}
	e.call(other.lawyer, "GET", path, nil, http.StatusNotFound, nil)
	evs := e.events(audit.Filter{Action: "link.download", ApplicationID: r.app.ID})
	if len(evs) != 1 || evs[0].Detail["via"] != "login" || evs[0].Actor != r.license {
		t.Errorf("logged-in download records = %+v", evs)
	}
	e.call(r.lawyer, "GET", path, nil, http.StatusFound, nil)
	var eb errBody
	e.call(r.lawyer, "GET", path, nil, http.StatusForbidden, &eb)
	if eb.Error.Code != "link_exhausted" {
		t.Errorf("third logged-in download: %+v", eb)
	}
}
