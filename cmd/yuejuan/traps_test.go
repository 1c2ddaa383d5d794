package main

// End-to-end tests of what a careless user runs into (issue 14) and of the
// key files (issue 13 F): the binary is run the way a user runs it, from a
// directory of its own, and its output is read as the user reads it.

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/testpdf"
)

// lockedBuffer is a bytes.Buffer safe for a process writing while the test
// reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// served is a yuejuan serve started as a user starts it.
type served struct {
	t            *testing.T
	cmd          *exec.Cmd
	stdout, logs lockedBuffer
	url, data    string
	exited       chan struct{}
	err          error
}

// serveFrom runs `argv0 serve --addr … --data data` in dir (argv0 relative
// to dir, as typed there) with YUEJUAN_DATA unset, and returns at once.
func serveFrom(t *testing.T, dir, argv0, data string) *served {
	t.Helper()
	addr := freePort(t)
	s := &served{t: t, url: "http://" + addr, data: data, exited: make(chan struct{})}
	s.cmd = exec.Command(argv0, "serve", "--addr", addr, "--data", data)
	s.cmd.Dir = dir
	s.cmd.Env = append(os.Environ(), "YUEJUAN_DATA=", "YUEJUAN_ADDR=", "YUEJUAN_PUBLIC_URL=")
	s.cmd.Stdout, s.cmd.Stderr = &s.stdout, &s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("server %s log:\n%s", s.url, s.logs.String())
		}
	})
	return s
}

func (s *served) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// healthy waits until the server answers /healthz and has printed its
// banner, and returns the banner.
func (s *served) healthy() string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-s.exited:
			s.t.Fatalf("the server exited: %v\n%s", s.err, s.logs.String())
		default:
		}
		if resp, err := http.Get(s.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(s.stdout.String(), "then:") {
				return s.stdout.String()
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the server did not come up\n%s", s.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// exitsWith waits for the server to exit and returns what it said on
// stderr; it fails the test if the server keeps running.
func (s *served) exitsWith() string {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.t.Fatalf("the server kept running; want it to refuse to start\n%s", s.stdout.String())
	}
	if s.err == nil {
		s.t.Fatalf("the server exited with status 0; want a refusal")
	}
	return s.logs.String()
}

// run runs the binary with args in dir with YUEJUAN_DATA unset (plus env)
// and returns stdout, stderr and the exit code.
func run(t *testing.T, dir string, env []string, argv0 string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(argv0, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "YUEJUAN_DATA=", "YUEJUAN_TOKEN=", "YUEJUAN_SERVER="), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	code := 0
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", argv0, args, err)
	}
	return stdout.String(), stderr.String(), code
}

// apiStatus is the status of an authenticated GET.
func apiStatus(t *testing.T, url, tok string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestCarelessUserTraps starts the server the way make run does — a binary
// under ./bin, a data dir given as an absolute path — and then does what a
// user does next.
func TestCarelessUserTraps(t *testing.T) {
	repo := t.TempDir()
	if err := os.MkdirAll(filepath.Join(repo, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	exe, err := os.ReadFile(binPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "bin", "yuejuan"), exe, 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(repo, "data")
	first := serveFrom(t, repo, "./bin/yuejuan", data)
	banner := first.healthy()

	t.Run("the banner's commands work as pasted", func(t *testing.T) {
		var cmds []string
		for _, l := range strings.Split(banner, "\n") {
			if strings.HasPrefix(l, "  ") && strings.Contains(l, " token ") {
				cmds = append(cmds, strings.TrimSpace(l))
			}
		}
		if len(cmds) == 0 {
			t.Fatalf("the banner shows no token command:\n%s", banner)
		}
		for _, c := range cmds {
			if !strings.HasPrefix(c, "./bin/yuejuan token ") {
				t.Errorf("the banner says %q; the binary was started as ./bin/yuejuan", c)
			}
			out, errOut, code := run(t, repo, nil, "sh", "-c", c)
			if code != 0 {
				t.Fatalf("pasting %q: exit %d: %s", c, code, errOut)
			}
			if st := apiStatus(t, first.url+"/api/v1/applications", strings.TrimSpace(out)); st != http.StatusOK {
				t.Errorf("the token from %q: GET /applications answered %d", c, st)
			}
		}
	})

	t.Run("token from another directory", func(t *testing.T) {
		elsewhere := t.TempDir()
		args := []string{"token", "--role", "clerk", "--sub", "clerk01", "--name", "王书记员", "--unit", "市检察院"}
		out, errOut, code := run(t, elsewhere, nil, filepath.Join(repo, "bin", "yuejuan"), args...)
		if code == 0 {
			t.Fatalf("yuejuan token in a directory without the server's data made a token: %s", out)
		}
		for _, want := range []string{filepath.Join(elsewhere, "data"), "--data", "YUEJUAN_DATA"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("the refusal does not say %q:\n%s", want, errOut)
			}
		}
		if _, err := os.Stat(filepath.Join(elsewhere, "data")); !errors.Is(err, os.ErrNotExist) {
			t.Error("yuejuan token made a data dir (and keys the server does not know)")
		}
		// Named with YUEJUAN_DATA, it signs with the server's key.
		out, errOut, code = run(t, elsewhere, []string{"YUEJUAN_DATA=" + data}, filepath.Join(repo, "bin", "yuejuan"), args...)
		if code != 0 {
			t.Fatalf("token with YUEJUAN_DATA: %s", errOut)
		}
		if st := apiStatus(t, first.url+"/api/v1/cases", strings.TrimSpace(out)); st != http.StatusOK {
			t.Errorf("the token made with YUEJUAN_DATA: GET /cases answered %d", st)
		}
	})

	t.Run("a second server on the same data dir", func(t *testing.T) {
		second := serveFrom(t, repo, "./bin/yuejuan", data)
		errOut := second.exitsWith()
		lock, _ := os.ReadFile(filepath.Join(data, "LOCK"))
		m := regexp.MustCompile(`(?m)^pid (\d+)$`).FindSubmatch(lock)
		if m == nil {
			t.Fatalf("data/LOCK holds no pid: %q", lock)
		}
		pid, _ := strconv.Atoi(string(m[1]))
		if pid != first.cmd.Process.Pid {
			t.Errorf("data/LOCK names pid %d; the running server is %d", pid, first.cmd.Process.Pid)
		}
		for _, want := range []string{"pid " + strconv.Itoa(first.cmd.Process.Pid), strings.TrimPrefix(first.url, "http://"), data} {
			if !strings.Contains(errOut, want) {
				t.Errorf("the refusal does not say %q:\n%s", want, errOut)
			}
		}
		if resp, err := http.Get(first.url + "/healthz"); err != nil || resp.StatusCode != 200 {
			t.Errorf("the first server stopped answering: %v", err)
		}
		// Once the first has stopped, the data dir is free (also after a
		// crash: the kernel drops the lock with the process).
		if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-first.exited
		third := serveFrom(t, repo, "./bin/yuejuan", data)
		third.healthy()
	})
}

// TestCasesCommand: yuejuan cases lists the unit's cases with their
// materials counted, and a 案号 works wherever a case id does (upload
// --case, audit --case).
func TestCasesCommand(t *testing.T) {
	in := start(t)
	clerk := in.token("--role", "clerk", "--sub", "clerk01", "--name", "王书记员", "--unit", "市检察院")
	auditor := in.token("--role", "auditor", "--sub", "audit01", "--name", "李审计")
	const caseNo = "京检刑诉〔2026〕789号"
	var c struct {
		ID string `json:"id"`
	}
	in.call(clerk, "POST", "/api/v1/cases", map[string]any{
		"caseNo": caseNo, "title": "王某某盗窃案", "stage": "prosecution_review", "onlineReview": true,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"王某某"},
	}, http.StatusCreated, &c)
	other := clerk // another case of the unit, with nothing uploaded
	in.call(other, "POST", "/api/v1/cases", map[string]any{
		"caseNo": "京检刑诉〔2026〕790号", "title": "赵某某诈骗案", "stage": "investigation", "onlineReview": true,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"赵某某"},
	}, http.StatusCreated, nil)

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "01 诉讼文书卷", "1 起诉意见书.pdf"), testpdf.Text("CASES-ONE"))
	writeFile(t, filepath.Join(dir, "01 诉讼文书卷", "2 说明.txt"), []byte("not a scan"))
	// The 案号 as people type it: () for 〔〕, a stray space.
	out, errOut, code := in.runUpload(clerk, "--case", "京检刑诉(2026)789 号", dir)
	if code != 1 || !strings.Contains(out, "1 accepted, 1 rejected") {
		t.Fatalf("upload --case %s: exit %d\n%s%s", caseNo, code, out, errOut)
	}
	if _, errOut, code := in.runUpload(clerk, "--case", "京检刑诉〔2026〕999号", dir); code == 0 || !strings.Contains(errOut, "yuejuan cases") {
		t.Errorf("upload to an unknown 案号: exit %d: %s", code, errOut)
	}

	out, errOut, code = run(t, t.TempDir(), []string{"YUEJUAN_TOKEN=" + clerk, "YUEJUAN_SERVER=" + in.url}, binPath, "cases")
	if code != 0 {
		t.Fatalf("yuejuan cases: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "案号") {
		t.Fatalf("yuejuan cases printed %d lines, want a header and two cases:\n%s", len(lines), out)
	}
	row := regexp.MustCompile(`^` + c.ID + `\s+` + regexp.QuoteMeta(caseNo) + `\s+王某某盗窃案\s+审查起诉 prosecution review\s+1/2$`)
	found := false
	for _, l := range lines[1:] {
		found = found || row.MatchString(l)
	}
	if !found {
		t.Errorf("no row with the id, 案号, title, stage and 1/2 materials accepted:\n%s", out)
	}
	if !strings.Contains(out, "0/0") {
		t.Errorf("the case with nothing uploaded should show 0/0:\n%s", out)
	}

	out, errOut, code = run(t, t.TempDir(), []string{"YUEJUAN_TOKEN=" + auditor, "YUEJUAN_SERVER=" + in.url},
		binPath, "audit", "query", "--case", "京检刑诉【２０２６】７８９号", "--action", "case.create", "--json")
	if code != 0 {
		t.Fatalf("audit query --case %s: exit %d: %s", caseNo, code, errOut)
	}
	if !strings.Contains(out, `"caseId": "`+c.ID+`"`) || strings.Count(out, `"action": "case.create"`) != 1 {
		t.Errorf("audit query --case %s should give that case's case.create record:\n%s", caseNo, out)
	}
}

// keyFiles are the key and secret files a data dir's first start makes.
func keyFiles(data string) []string {
	k := filepath.Join(data, "keys")
	return []string{filepath.Join(k, "login-ed25519.pem"), filepath.Join(k, "link-ed25519.pem"),
		filepath.Join(k, "anchor-ed25519.pem"), filepath.Join(k, "blob-url.secret")}
}

// TestStartWithEmptyKeyFiles: the empty key files an older version left
// when the disk filled up during its first start (every later start failed:
// "panic: blob: URL signer without a secret", "not a PEM file") are replaced
// by new keys, each named in a warning, and a restart keeps them.
func TestStartWithEmptyKeyFiles(t *testing.T) {
	data := t.TempDir()
	for _, p := range keyFiles(data) {
		writeFile(t, p, nil)
	}
	s := serveFrom(t, t.TempDir(), binPath, data)
	s.healthy()
	s.stop()
	made := map[string]string{}
	for _, p := range keyFiles(data) {
		b, err := os.ReadFile(p)
		if err != nil || len(b) == 0 {
			t.Fatalf("%s is still empty (%v)", p, err)
		}
		made[p] = string(b)
		if !strings.Contains(s.logs.String(), p) {
			t.Errorf("no warning names the replaced %s", p)
		}
	}
	again := serveFrom(t, t.TempDir(), binPath, data)
	again.healthy()
	again.stop()
	for _, p := range keyFiles(data) {
		if b, _ := os.ReadFile(p); string(b) != made[p] {
			t.Errorf("a restart changed %s", p)
		}
	}
}

// TestStartWithDamagedKeyFile: a truncated key is never replaced; the start
// fails with an error that names the file and says what to do.
func TestStartWithDamagedKeyFile(t *testing.T) {
	data := t.TempDir()
	s := serveFrom(t, t.TempDir(), binPath, data)
	s.healthy()
	s.stop()
	for _, p := range keyFiles(data) {
		good, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		half := good[:len(good)/3]
		if err := os.WriteFile(p, half, 0o600); err != nil {
			t.Fatal(err)
		}
		errOut := serveFrom(t, t.TempDir(), binPath, data).exitsWith()
		for _, want := range []string{p, "backup", "remove it"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("starting with a truncated %s: the error does not say %q:\n%s", filepath.Base(p), want, errOut)
			}
		}
		if strings.Contains(errOut, "panic") {
			t.Errorf("starting with a truncated %s panicked:\n%s", filepath.Base(p), errOut)
		}
		if b, _ := os.ReadFile(p); !bytes.Equal(b, half) {
			t.Errorf("the truncated %s was replaced", p)
		}
		if err := os.WriteFile(p, good, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
