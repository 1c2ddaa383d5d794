package httpapi_test

// An in-process server for HTTP-level tests of the download door and the
// auditor API: the real wiring (server.New on a temp data dir: SQLite,
// filesystem objects, anchor file) behind httptest.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/dynalitetest"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/config"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/server"
)

const unit = "市检察院"

// The PDF library's configuration is per process, so the tests share one
// server (made on first use, removed by TestMain); each test makes its own
// applications and links and looks only at its own records.
type shared struct {
	s       *server.Server
	url     string
	clerk   string
	auditor string
	caseID  string
	caseNo  string
	seq     atomic.Int64
	// noRedirect does not follow the 302 to the presigned URL.
	noRedirect *http.Client
}

type env struct {
	t *testing.T
	*shared
	// from, when set, sends the requests of get and call (from a client
	// address of their own: see fromNewIP).
	from *http.Client
}

func (e *env) client() *http.Client {
	if e.from != nil {
		return e.from
	}
	return e.noRedirect
}

var (
	sharedOnce sync.Once
	sharedEnv  *shared
	sharedErr  error
	cleanups   []func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	dynalitetest.Stop() // the shared limiter's tests (limits_shared_test.go)
	os.Exit(code)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sharedOnce.Do(func() { sharedEnv, sharedErr = startShared() })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return &env{t: t, shared: sharedEnv}
}

func startShared() (*shared, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	data, err := os.MkdirTemp("", "yuejuan-httpapi-")
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, func() { os.RemoveAll(data) })
	cfg, err := config.FromEnv(func(k string) string {
		switch k {
		case "YUEJUAN_DATA":
			return data
		case "YUEJUAN_ADDR":
			return ln.Addr().String()
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	s, err := server.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	ts := &httptest.Server{Listener: ln, Config: &http.Server{Handler: s.Handler()}}
	ts.Start()
	cleanups = append(cleanups, func() {
		ts.Close()
		s.Close()
	})
	sh := &shared{s: s, url: ts.URL,
		noRedirect: &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if sh.clerk, err = s.Auth.Issue(auth.Identity{Subject: "clerk01", Name: "王书记员", Role: auth.Clerk, Unit: unit}, 24*time.Hour); err != nil {
		return nil, err
	}
	if sh.auditor, err = s.Auth.Issue(auth.Identity{Subject: "audit01", Name: "李审计", Role: auth.Auditor}, 24*time.Hour); err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]any{
		"caseNo": "京检刑诉〔2026〕7号", "title": "李某某诈骗案", "stage": "prosecution_review", "onlineReview": true,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"李某某"},
	})
	req, _ := http.NewRequest("POST", sh.url+"/api/v1/cases", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+sh.clerk)
	req.Header.Set("Content-Type", "application/json")
	resp, err := sh.noRedirect.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var c struct {
		ID     string `json:"id"`
		CaseNo string `json:"caseNo"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("create case: %s %v", resp.Status, err)
	}
	sh.caseID, sh.caseNo = c.ID, c.CaseNo
	return sh, nil
}

func (e *env) token(id auth.Identity) string {
	e.t.Helper()
	tok, err := e.s.Auth.Issue(id, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// call sends a JSON request and decodes the JSON answer into out.
func (e *env) call(tok, method, path string, body any, want int, out any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// ready is one lawyer's ready application with its link and stamped copy,
// made directly in the stores (no PDF assembly needed to test the door).
type ready struct {
	app     *application.Application
	link    *link.Link
	url     string // the /d/ link
	license string
	lawyer  string // login token
}

var fakePDF = []byte("%PDF-1.4\n% a stamped copy stands in here\n%%EOF\n")

func (e *env) ready(maxDownloads int, ttl time.Duration) *ready {
	e.t.Helper()
	ctx := e.t.Context()
	n := e.seq.Add(1)
	license := fmt.Sprintf("1110120191001%04d", n)
	now := time.Now().UTC()
	app := &application.Application{CaseID: e.caseID, CaseNo: e.caseNo, Unit: unit, Client: "李某某",
		Kind: application.Defence, Channel: application.Online, Status: application.Ready,
		Lawyer:      application.Lawyer{Name: fmt.Sprintf("律师%d", n), License: license, Firm: "北京某某律师事务所", Phone: "13800000000"},
		SubmittedAt: now, Deadline: now.Add(72 * time.Hour).Format("2006-01-02")}
	if _, _, err := e.s.API.Apps.Create(ctx, app); err != nil {
		e.t.Fatal(err)
	}
	copyKey := "copies/" + app.ID + ".pdf"
	l := &link.Link{ID: app.ID + "-v1", ApplicationID: app.ID, CaseID: e.caseID, Lawyer: license, CopyKey: copyKey,
		Filename: e.caseNo + "-阅卷.pdf", ExpiresAt: now.Add(ttl), MaxDownloads: maxDownloads}
	if err := e.s.API.Links.Create(ctx, l); err != nil {
		e.t.Fatal(err)
	}
	app, err := e.s.API.Apps.Update(ctx, app.ID, func(a *application.Application) error {
		a.LinkID, a.CopyKey = l.ID, copyKey
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.s.Dossiers.Bucket.WriteAll(ctx, copyKey, fakePDF, nil); err != nil {
		e.t.Fatal(err)
	}
	tok, err := e.s.API.Signer.Token(l)
	if err != nil {
		e.t.Fatal(err)
	}
	return &ready{app: app, link: l, url: e.url + "/d/" + tok, license: license,
		lawyer: e.token(auth.Identity{Subject: license, Name: app.Lawyer.Name, Role: auth.Lawyer})}
}

// get requests url with the given headers (and method GET unless set by
// "Method"), without following redirects, and returns the response with its
// body read.
func (e *env) get(method, url string, hdr map[string]string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func (e *env) used(id string) int {
	e.t.Helper()
	l, err := e.s.API.Links.Get(e.t.Context(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return l.Used
}

// events returns the audit records matching f.
func (e *env) events(f audit.Filter) []audit.Event {
	e.t.Helper()
	var out []audit.Event
	if err := e.s.API.Audit.Each(e.t.Context(), f, func(ev audit.Event) error {
		out = append(out, ev)
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}
