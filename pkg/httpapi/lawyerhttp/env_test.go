package lawyerhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/config"
	"github.com/yuejuan/yuejuan/pkg/server"
)

// One server per process (see the package comment); tests use their own
// units, cases and lawyers so that they do not see each other's records.
var (
	once     sync.Once
	srv      *server.Server
	srvURL   string
	srvErr   error
	cleanups []func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	os.Exit(code)
}

func start() (*server.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	data, err := os.MkdirTemp("", "yuejuan-lawyerhttp-")
	if err != nil {
		return nil, "", err
	}
	cleanups = append(cleanups, func() { os.RemoveAll(data) })
	cfg, err := config.FromEnv(func(k string) string {
		switch k {
		case "YUEJUAN_DATA":
			return data
		case "YUEJUAN_ADDR":
			return ln.Addr().String()
		case "YUEJUAN_LINK_TTL":
			return "12h" // inside the 24 h notice window: the next Tick tells the lawyer
		}
		return ""
	})
	if err != nil {
		return nil, "", err
	}
	s, err := server.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, "", err
	}
	ts := &httptest.Server{Listener: ln, Config: &http.Server{Handler: s.Handler()}}
	ts.Start()
	cleanups = append(cleanups, func() {
		ts.Close()
		s.Queue.Close()
	})
	return s, ts.URL, nil
}

type env struct {
	t   *testing.T
	s   *server.Server
	url string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	once.Do(func() { srv, srvURL, srvErr = start() })
	if srvErr != nil {
		t.Fatal(srvErr)
	}
	return &env{t: t, s: srv, url: srvURL}
}

// at sets the API's clock for the rest of the test.
func (e *env) at(rfc3339 string) {
	e.t.Helper()
	tm, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		e.t.Fatal(err)
	}
	e.s.API.Now = func() time.Time { return tm }
	e.t.Cleanup(func() { e.s.API.Now = nil })
}

func (e *env) token(role auth.Role, sub, name, unit string) string {
	e.t.Helper()
	tok, err := e.s.Auth.Issue(auth.Identity{Subject: sub, Name: name, Role: role, Unit: unit}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// do sends a JSON request and returns the status and body.
func (e *env) do(tok, method, path string, body any) (int, []byte) {
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
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// call sends a JSON request, checks the status and decodes the answer.
func (e *env) call(tok, method, path string, body any, want int, out any) {
	e.t.Helper()
	status, raw := e.do(tok, method, path, body)
	if status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

func (e *env) put(url string, data []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(data))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		e.t.Fatalf("PUT upload: %d %s", resp.StatusCode, b)
	}
}

func (e *env) waitFor(what string, fn func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !fn() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *env) tick() { e.s.Tick(context.Background()) }

type caseRef struct {
	ID     string `json:"id"`
	CaseNo string `json:"caseNo"`
}

// newCase registers a case in the clerk's unit.
func (e *env) newCase(clerk, caseNo string, online bool, defendants ...string) caseRef {
	e.t.Helper()
	var c caseRef
	e.call(clerk, "POST", "/api/v1/cases", map[string]any{
		"caseNo": caseNo, "title": defendants[0] + "等案", "stage": "prosecution_review", "onlineReview": online,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": defendants,
	}, http.StatusCreated, &c)
	return c
}

// addMaterial uploads one scan to the case and waits until it is accepted.
func (e *env) addMaterial(clerk, caseID string) {
	e.t.Helper()
	var m struct {
		ID        string `json:"id"`
		UploadURL string `json:"uploadUrl"`
		Status    string `json:"status"`
	}
	e.call(clerk, "POST", "/api/v1/cases/"+caseID+"/materials", map[string]any{
		"volume": 1, "volumeTitle": "诉讼文书卷", "seq": 1, "title": "起诉意见书", "filename": "01.pdf",
		"size": len(testpdf.Text("LAWYERHTTP"))}, http.StatusCreated, &m)
	e.put(m.UploadURL, testpdf.Text("LAWYERHTTP"))
	e.waitFor("the material to be accepted", func() bool {
		e.call(clerk, "GET", "/api/v1/cases/"+caseID+"/materials/"+m.ID, nil, http.StatusOK, &m)
		return m.Status == "accepted" || m.Status == "rejected"
	})
	if m.Status != "accepted" {
		e.t.Fatalf("material %s", m.Status)
	}
}

// attachment uploads one of the lawyer's documents and waits for it.
func (e *env) attachment(lawyer, kind string) string {
	e.t.Helper()
	var a struct {
		ID        string `json:"id"`
		UploadURL string `json:"uploadUrl"`
		Uploaded  bool   `json:"uploaded"`
	}
	e.call(lawyer, "POST", "/api/v1/attachments", map[string]any{"kind": kind, "filename": kind + ".pdf", "size": len(testpdf.Text(kind))}, http.StatusCreated, &a)
	e.put(a.UploadURL, testpdf.Text(kind))
	e.waitFor("the attachment to arrive", func() bool {
		e.call(lawyer, "GET", "/api/v1/attachments/"+a.ID, nil, http.StatusOK, &a)
		return a.Uploaded
	})
	return a.ID
}

type appRef struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// apply makes the lawyer's application for a case.
func (e *env) apply(lawyer, license, name, caseNo, client string) appRef {
	e.t.Helper()
	var atts []string
	for _, k := range []string{"practice_certificate", "firm_letter", "power_of_attorney"} {
		atts = append(atts, e.attachment(lawyer, k))
	}
	var a appRef
	e.call(lawyer, "POST", "/api/v1/applications", map[string]any{
		"caseNo": caseNo, "client": client, "attachments": atts,
		"lawyer": map[string]string{"name": name, "license": license, "firm": "北京某某律师事务所", "phone": "13800000000"},
	}, http.StatusCreated, &a)
	return a
}

type noticeJSON struct {
	ID       string `json:"id"`
	To       string `json:"to"`
	Kind     string `json:"kind"`
	Subject  string `json:"subject"`
	Body     string `json:"body"`
	CaseID   string `json:"caseId"`
	Status   string `json:"status"`
	Attempts int    `json:"attempts"`
	Contact  *struct {
		Name  string `json:"name"`
		Phone string `json:"phone"`
	} `json:"contact"`
}

func (e *env) notices(tok string) []noticeJSON {
	e.t.Helper()
	var out struct {
		Notices []noticeJSON `json:"notices"`
	}
	e.call(tok, "GET", "/api/v1/notices", nil, http.StatusOK, &out)
	return out.Notices
}

type errJSON struct {
	Error struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		Problems []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"problems"`
	} `json:"error"`
}
