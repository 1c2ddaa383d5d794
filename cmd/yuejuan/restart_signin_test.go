package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// signinServer is `yuejuan serve` on one data dir and address, started
// again as often as a test asks.
type signinServer struct {
	t          *testing.T
	addr, data string
	env        []string // added to the environment
	cmd        *exec.Cmd
	logs       *syncBuf
}

func (s *signinServer) start() {
	s.t.Helper()
	s.logs = &syncBuf{}
	s.cmd = exec.Command(binPath, "serve", "--addr", s.addr, "--data", s.data)
	s.cmd.Env = append(append(os.Environ(), "YUEJUAN_PUBLIC_URL=", "YUEJUAN_DATA="), s.env...)
	s.cmd.Stderr = s.logs
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("yuejuan serve did not come up: %v\n%s", err, s.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the server with SIGKILL: nothing is saved on the way out.
func (s *signinServer) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_ = s.cmd.Wait()
	s.cmd = nil
}

// A signed-in page stays signed in when the server is killed and started
// again on the same data: the page session, the provider's own sign-in
// and the refresh tokens are in the metadata store, not in the process.
// The same browser (cookie jar) reads and changes data with its CSRF token
// after the restart, and signing in again needs no password.
func TestSignInSurvivesRestart(t *testing.T) {
	s := &signinServer{t: t, addr: freePort(t), data: t.TempDir()}
	base := "http://" + s.addr
	if out, err := userCmd(t, "restart-password-1\n", "add", "--data", s.data, "--role", "clerk", "--name", "郑书记员",
		"--unit", "西城检察院", "--password-stdin", "clerk61"); err != nil {
		t.Fatal(err, out)
	}
	s.start()
	t.Cleanup(s.kill)

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(base + "/auth/login?next=/clerk")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := regexp.MustCompile(`name="id" value="([^"]+)"`).FindSubmatch(b)
	if id == nil {
		t.Fatalf("no sign-in form:\n%s", b)
	}
	// The password was given with --password-stdin: it is a one-time one,
	// replaced at the first sign-in.
	resp, err = c.PostForm(base+"/oidc/login", url.Values{"id": {string(id[1])}, "username": {"clerk61"}, "password": {"restart-password-1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.PostForm(base+"/oidc/login/password", url.Values{"id": {string(id[1])}, "password": {"restart-password-2"}, "confirm": {"restart-password-2"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/clerk" {
		t.Fatalf("signed in at %s (%d)\n%s", resp.Request.URL, resp.StatusCode, s.logs.String())
	}
	csrf := ""
	u, _ := url.Parse(base)
	for _, k := range jar.Cookies(u) {
		if k.Name == "yj_csrf" {
			csrf = k.Value
		}
	}
	call := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-CSRF-Token", csrf)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, b := call("GET", "/api/v1/cases", ""); st != http.StatusOK {
		t.Fatalf("before the restart: %d %s", st, b)
	}

	s.kill()
	s.start()

	if st, b := call("GET", "/api/v1/cases", ""); st != http.StatusOK {
		t.Fatalf("after the restart the page is signed out: %d %s\n%s", st, b, s.logs.String())
	}
	body := `{"caseNo":"京西检刑诉〔2026〕61号","title":"郑某诈骗案","stage":"prosecution_review","onlineReview":true,"handler":{"name":"孙检察官","phone":"010-66666666"},"defendants":["郑某"]}`
	if st, b := call("POST", "/api/v1/cases", body); st != http.StatusCreated {
		t.Fatalf("a change with the page's CSRF token after the restart: %d %s", st, b)
	}
	// The provider's own sign-in survived too: a new page sign-in (a new
	// tab after the session cookie is gone) goes through without the form.
	for _, k := range jar.Cookies(u) {
		if k.Name == "yj_session" {
			jar.SetCookies(u, []*http.Cookie{{Name: "yj_session", Value: "", Path: "/", MaxAge: -1}})
		}
	}
	resp, err = c.Get(base + "/auth/login?next=/clerk")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/clerk" {
		t.Errorf("signing in again after the restart stopped at %s, want /clerk without a password", resp.Request.URL)
	}
}
