package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/config"
	"github.com/yuejuan/yuejuan/pkg/httpapi"
	"github.com/yuejuan/yuejuan/pkg/server"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// tsrv is the local all-in-one server on a real listener, as `yuejuan
// serve` runs it, with its JSON log captured. The PDF library's setup is
// per process, so the tests of this package share one server (made on
// first use, removed by TestMain); each test makes its own case and
// applications and looks at its own records.
type tsrv struct {
	t    *testing.T
	s    *server.Server
	url  string
	logs *syncBuffer
	// from, when set, sends call's requests from a client address of
	// their own (fromNewIP).
	from *http.Client
}

var ipSeq atomic.Int32

// fromNewIP returns ts sending its requests from a loopback address no
// other test uses (127.2.x.y): refusals without a login are counted per
// client address and minute, so a test that looks at its own must be its
// own client.
func (ts *tsrv) fromNewIP() (*tsrv, string) {
	n := ipSeq.Add(1)
	ip := fmt.Sprintf("127.2.%d.%d", n/250, n%250+1)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	c := *ts
	c.from = &http.Client{Timeout: time.Minute, Transport: &http.Transport{DialContext: d.DialContext}, CheckRedirect: noRedirect.CheckRedirect}
	return &c, ip
}

var (
	sharedOnce sync.Once
	shared     *tsrv
	sharedErr  error
	cleanups   []func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	os.Exit(code)
}

func newTsrv(t *testing.T) *tsrv {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = startShared() })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	ts := *shared
	ts.t = t
	t.Cleanup(func() {
		if t.Failed() {
			out := ts.logs.String()
			t.Logf("server log (last 3000 bytes):\n%s", out[max(0, len(out)-3000):])
		}
	})
	return &ts
}

func startShared() (*tsrv, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	url := "http://" + ln.Addr().String()
	data, err := os.MkdirTemp("", "yuejuan-server-test-")
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
		case "YUEJUAN_PUBLIC_URL":
			return url
		case "YUEJUAN_OCR":
			return "off" // recognition has its own tests (pkg/ocr, pkg/dossier's text layer)
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := server.New(cfg, log)
	if err != nil {
		return nil, err
	}
	s.API.RateLimit = httpapi.NewRateLimiter(httpapi.Rates{}) // the matrix makes many calls as one lawyer
	hs := httptest.NewUnstartedServer(s.Handler())
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	cleanups = append(cleanups, func() {
		hs.Close()
		s.Close()
	})
	return &tsrv{s: s, url: url, logs: logs}, nil
}

func (ts *tsrv) token(role auth.Role, sub, name, unit string) string {
	ts.t.Helper()
	tok, err := ts.s.Auth.Issue(auth.Identity{Subject: sub, Name: name, Role: role, Unit: unit}, time.Hour)
	if err != nil {
		ts.t.Fatal(err)
	}
	return tok
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("decode %s: %v", a.body, err)
	}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// call sends a request (body: nil, []byte or a value to encode as JSON)
// with tok as its Bearer token, or, for "session:ID:CSRF" (sessionOf), as
// the pages send it.
func (ts *tsrv) call(tok, method, path string, body any) answer {
	ts.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	if !strings.HasPrefix(path, "http") {
		path = ts.url + path
	}
	req, err := http.NewRequest(method, path, rd)
	if err != nil {
		ts.t.Fatal(err)
	}
	if sess, ok := strings.CutPrefix(tok, "session:"); ok {
		// The pages' caller: the session cookie and its CSRF token.
		sid, csrf, _ := strings.Cut(sess, ":")
		req.Header.Set("Cookie", "yj_session="+sid+"; yj_csrf="+csrf)
		req.Header.Set("X-CSRF-Token", csrf)
	} else if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := noRedirect
	if ts.from != nil {
		client = ts.from
	}
	resp, err := client.Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// must is call that fails the test unless the status is want.
func (ts *tsrv) must(tok, method, path string, body any, want int, out any) answer {
	ts.t.Helper()
	a := ts.call(tok, method, path, body)
	if a.status != want {
		ts.t.Fatalf("%s %s: %d, want %d: %s", method, path, a.status, want, a.body)
	}
	if out != nil {
		a.decode(ts.t, out)
	}
	return a
}

func (ts *tsrv) waitFor(what string, fn func() bool) {
	ts.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !fn() {
		if time.Now().After(deadline) {
			ts.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// events returns every audit record.
func (ts *tsrv) events() []audit.Event {
	ts.t.Helper()
	var out []audit.Event
	if err := ts.s.API.Audit.Each(context.Background(), audit.Filter{}, func(e audit.Event) error {
		out = append(out, e)
		return nil
	}); err != nil {
		ts.t.Fatal(err)
	}
	return out
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// world is a case of unit A with a material, a lawyer's application on it
// (ready, with its link), an opinion and a complaint: the resources the
// authorization matrix aims at.
type world struct {
	clerkA, clerkB, lawyerA, lawyerB, auditor string
	// The same lawyer A and clerk B signed in through the pages (sessionOf).
	lawyerAPages, clerkBPages             string
	caseID, caseNo, materialID            string
	attachment, appID, opinion, complaint string
	linkURL                               string
}

const (
	licenseA = "11101201910012345"
	licenseB = "11101201910054321"
	unitA    = "市检察院"
	unitB    = "区检察院"
)

var caseSeq atomic.Int64

// newCase registers a new case of the clerk's unit, open to review, with
// its own number, titled title, with defendant: its id and number.
func (ts *tsrv) newCase(clerk, title, defendant string) (id, no string) {
	ts.t.Helper()
	var c struct{ ID, CaseNo string }
	ts.must(clerk, "POST", "/api/v1/cases", map[string]any{
		"caseNo": "京检刑诉〔2026〕" + itoa(int(caseSeq.Add(1))) + "号", "title": title, "stage": "prosecution_review", "onlineReview": true,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{defendant},
	}, http.StatusCreated, &c)
	return c.ID, c.CaseNo
}

// attachments uploads an application's three documents as lawyer and
// waits until each is uploaded: their ids.
func (ts *tsrv) attachments(lawyer string) []string {
	ts.t.Helper()
	var atts []string
	for _, kind := range []string{"practice_certificate", "firm_letter", "power_of_attorney"} {
		var a struct{ ID, UploadURL string }
		ts.must(lawyer, "POST", "/api/v1/attachments", map[string]any{"kind": kind, "filename": kind + ".pdf", "size": len(testpdf.Text(kind))}, http.StatusCreated, &a)
		ts.must("", "PUT", a.UploadURL, testpdf.Text(kind), http.StatusOK, nil)
		atts = append(atts, a.ID)
		ts.waitFor("attachment", func() bool {
			var got struct{ Uploaded bool }
			ts.must(lawyer, "GET", "/api/v1/attachments/"+a.ID, nil, http.StatusOK, &got)
			return got.Uploaded
		})
	}
	return atts
}

// applyFor is the application of lawyer (named name, with license, of
// 北京某某律师事务所 on 13900000000) for case caseNo on behalf of client
// with the documents atts: its id.
func (ts *tsrv) applyFor(lawyer, name, license, caseNo, client string, atts []string) string {
	ts.t.Helper()
	var app struct{ ID string }
	ts.must(lawyer, "POST", "/api/v1/applications", map[string]any{"caseNo": caseNo, "client": client, "attachments": atts,
		"lawyer": map[string]string{"name": name, "license": license, "firm": "北京某某律师事务所", "phone": "13900000000"}}, http.StatusCreated, &app)
	return app.ID
}

func (ts *tsrv) world() *world {
	ts.t.Helper()
	w := &world{
		clerkA:  ts.token(auth.Clerk, "clerk01", "王书记员", unitA),
		clerkB:  ts.token(auth.Clerk, "clerk09", "赵书记员", unitB),
		lawyerA: ts.token(auth.Lawyer, licenseA, "张律师", ""),
		lawyerB: ts.token(auth.Lawyer, licenseB, "李律师", ""),
		auditor: ts.token(auth.Auditor, "audit01", "李审计", ""),
	}
	w.lawyerAPages = ts.sessionOf(auth.Identity{Subject: licenseA, Name: "张律师", Role: auth.Lawyer})
	w.clerkBPages = ts.sessionOf(auth.Identity{Subject: "clerk09", Name: "赵书记员", Role: auth.Clerk, Unit: unitB})
	w.caseID, w.caseNo = ts.newCase(w.clerkA, "张某某盗窃案", "张某某")
	w.materialID = ts.upload(w.clerkA, w.caseID, material{Volume: 1, VolumeTitle: "诉讼文书卷", Seq: 1, Title: "起诉意见书", Filename: "01.pdf"}, testpdf.Text("MATRIX"))
	atts := ts.attachments(w.lawyerA)
	w.attachment = atts[0]
	ts.waitFor("material", func() bool {
		var got struct{ Status string }
		ts.must(w.clerkA, "GET", "/api/v1/cases/"+w.caseID+"/materials/"+w.materialID, nil, http.StatusOK, &got)
		return got.Status == "accepted"
	})
	var app struct{ ID string }
	ts.must(w.lawyerA, "POST", "/api/v1/applications", map[string]any{"caseNo": w.caseNo, "client": "张某某", "attachments": atts,
		"lawyer": map[string]string{"name": "张律师", "license": licenseA, "firm": "北京某某律师事务所", "phone": "13800000000"}}, http.StatusCreated, &app)
	w.appID = app.ID
	ts.must(w.clerkA, "POST", "/api/v1/applications/"+app.ID+"/decision", map[string]string{"decision": "approve"}, http.StatusOK, nil)
	ts.waitFor("dossier", func() bool {
		var got struct {
			Status string
			Link   *struct{ URL string }
		}
		ts.must(w.lawyerA, "GET", "/api/v1/applications/"+app.ID, nil, http.StatusOK, &got)
		if got.Link != nil {
			w.linkURL = got.Link.URL
		}
		return got.Status == "ready"
	})
	var op struct{ ID string }
	ts.must(w.lawyerA, "POST", "/api/v1/cases/"+w.caseID+"/opinions", map[string]any{"text": "建议不起诉：证据不足。"}, http.StatusCreated, &op)
	w.opinion = op.ID
	var cp struct{ ID string }
	ts.must(w.lawyerA, "POST", "/api/v1/complaints", map[string]any{"caseNo": w.caseNo, "kind": "obstructed_review",
		"description": "多次申请阅卷未获答复。", "phone": "13800000000", "firm": "北京某某律师事务所"}, http.StatusCreated, &cp)
	w.complaint = cp.ID
	return w
}
