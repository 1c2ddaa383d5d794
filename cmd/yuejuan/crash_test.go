package main

// Crash tests (issue 13 B, docs/recovery.md): the real `yuejuan serve`,
// built with the crashpoints tag, is killed with SIGKILL in the middle of
// its work — during a multi-file `yuejuan upload`, in the middle of an
// ingest, right after an approval, in the middle of writing a base dossier
// — and started again on the same data dir. Each test then checks what a
// clerk, a lawyer and an auditor would: every material ends accepted (with
// its verdict's record) within 2 minutes of the restart, the link arrives
// within 2 minutes, the delivered copy has exactly the pages of the
// accepted materials (pdfinfo) and each of them (pdftotext), and the audit
// chain verifies with material.accept and link.issue each recorded once.

import (
	"bytes"
	"context"
	"fmt"
	"io"
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

	"github.com/yuejuan/yuejuan/internal/crashpoint"
	"github.com/yuejuan/yuejuan/internal/testpdf"
)

// The bound the issue sets, from the restart, on every material being
// decided and on the link.
const recoveryBound = 2 * time.Minute

var (
	crashOnce   sync.Once
	crashBinary string
	crashErr    error
)

// crashBin builds yuejuan with the crashpoints tag (once per test run).
func crashBin(t *testing.T) string {
	t.Helper()
	crashOnce.Do(func() {
		crashBinary = filepath.Join(filepath.Dir(binPath), "yuejuan-crashpoints")
		out, err := exec.Command("go", "build", "-tags", "crashpoints", "-o", crashBinary, ".").CombinedOutput()
		if err != nil {
			crashErr = fmt.Errorf("build yuejuan -tags crashpoints: %v\n%s", err, out)
		}
	})
	if crashErr != nil {
		t.Fatal(crashErr)
	}
	for _, tool := range []string{"pdfinfo", "pdftotext", "qpdf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (apt-get install poppler-utils qpdf; make peers does it)", tool)
		}
	}
	return crashBinary
}

// crashServer is one data dir and address, served by a process that can
// be killed and started again.
type crashServer struct {
	*instance
	addr string
	cmd  *exec.Cmd
	logs *syncBuf // this process's standard error
	all  *syncBuf // every process's, for the failure message
	// restarted is when the last start answered /healthz.
	restarted time.Time
}

func newCrashServer(t *testing.T) *crashServer {
	addr := freePort(t)
	s := &crashServer{addr: addr, all: &syncBuf{},
		instance: &instance{t: t, url: "http://" + addr, data: t.TempDir(), uploads: "http://" + addr + "/blob/uploads?"}}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("server logs (all runs):\n%s", s.all.String())
		}
	})
	return s
}

// teeBuf writes to two buffers.
type teeBuf struct{ a, b io.Writer }

func (w teeBuf) Write(p []byte) (int, error) { w.a.Write(p); return w.b.Write(p) }

// start runs the server with env added and waits until it answers.
func (s *crashServer) start(env ...string) {
	s.t.Helper()
	s.logs = &syncBuf{}
	fmt.Fprintf(s.all, "---- start %v\n", env)
	s.cmd = exec.Command(crashBin(s.t), "serve", "--addr", s.addr, "--data", s.data)
	// Text recognition (2-3 CPU-seconds a page, tested through the real
	// jobs in pkg/assemble and pkg/dossier) is off: these tests are about
	// what a kill leaves, and their bounds are for the pipeline without it.
	s.cmd.Env = append(append(os.Environ(), "YUEJUAN_LOG_LEVEL=debug", "YUEJUAN_OCR=off"), env...)
	s.cmd.Stderr = teeBuf{s.logs, s.all}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("server did not come up: %v\n%s", err, s.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.restarted = time.Now()
}

// kill ends the server with SIGKILL: no shutdown, no deferred cleanup.
func (s *crashServer) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatal(err)
	}
	_ = s.cmd.Wait()
	if st := s.cmd.ProcessState; st == nil || st.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		s.t.Fatalf("the server was not killed by SIGKILL: %v", st)
	}
	fmt.Fprintln(s.all, "---- killed with SIGKILL")
	s.cmd = nil
}

func (s *crashServer) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = s.cmd.Process.Kill()
		}
		s.cmd = nil
	}
}

// reached waits until a job stops at the crash point.
func (s *crashServer) reached(point string) {
	s.t.Helper()
	waitFor(s.t, "a job to reach crash point "+point, func() bool {
		return strings.Contains(s.logs.String(), crashpoint.Reached+point)
	})
}

// within polls fn until it holds or d has passed since the restart, and
// returns how long after the restart it held.
func (s *crashServer) within(d time.Duration, what string, fn func() bool) time.Duration {
	s.t.Helper()
	for !fn() {
		if time.Since(s.restarted) > d {
			s.t.Fatalf("%s: not within %v of the restart", what, d)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return time.Since(s.restarted)
}

// crashWorld is the users and the case of a crash test.
type crashWorld struct {
	s                       *crashServer
	clerk, lawyer, auditor  string
	caseID, caseNo          string
	app                     string // an application pending review
	markers                 []string
	wantPages, wantAccepted int
}

func newCrashWorld(s *crashServer) *crashWorld {
	t := s.t
	w := &crashWorld{s: s,
		clerk:   s.token("--role", "clerk", "--sub", "clerk01", "--name", "王书记员", "--unit", "市检察院"),
		lawyer:  s.token("--role", "lawyer", "--sub", license, "--name", "张律师"),
		auditor: s.token("--role", "auditor", "--sub", "audit01", "--name", "李审计")}
	var c struct{ ID, CaseNo string }
	s.call(w.clerk, "POST", "/api/v1/cases", map[string]any{
		"caseNo": "京检刑诉〔2026〕" + strconv.FormatInt(time.Now().UnixNano()%100000, 10) + "号", "title": "崩溃测试案", "stage": "prosecution_review",
		"onlineReview": true, "handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"张某某"},
	}, http.StatusCreated, &c)
	w.caseID, w.caseNo = c.ID, c.CaseNo
	// The lawyer applies (before any crash: the tests are about the case).
	var atts []string
	for _, kind := range []string{"practice_certificate", "firm_letter", "power_of_attorney"} {
		var a upload
		data := testpdf.Text(kind)
		s.call(w.lawyer, "POST", "/api/v1/attachments", map[string]any{"kind": kind, "filename": kind + ".pdf", "size": len(data)}, http.StatusCreated, &a)
		s.put(a.UploadURL, data)
		atts = append(atts, a.ID)
	}
	for _, id := range atts {
		waitFor(t, "attachment to arrive", func() bool {
			var a struct{ Uploaded bool }
			s.call(w.lawyer, "GET", "/api/v1/attachments/"+id, nil, http.StatusOK, &a)
			return a.Uploaded
		})
	}
	var app appOut
	s.call(w.lawyer, "POST", "/api/v1/applications", map[string]any{"caseNo": w.caseNo, "client": "张某某", "attachments": atts,
		"lawyer": map[string]string{"name": "张律师", "license": license, "firm": "北京某某律师事务所", "phone": "13800000000"}}, http.StatusCreated, &app)
	w.app = app.ID
	return w
}

// scans writes n scans into dir as one volume: mostly one-page PDFs, every
// fourth a three-page PDF, each page with its own marker text. It returns
// the files' contents in upload order.
func (w *crashWorld) scans(dir string, n int) [][]byte {
	var out [][]byte
	for i := 1; i <= n; i++ {
		var data []byte
		if i%4 == 0 {
			ms := []string{fmt.Sprintf("CRASH-%02d-A", i), fmt.Sprintf("CRASH-%02d-B", i), fmt.Sprintf("CRASH-%02d-C", i)}
			data = testpdf.Doc{Objects: testpdf.Pages("", ms...), Trailer: "/Root 1 0 R"}.Bytes()
			w.markers = append(w.markers, ms...)
			w.wantPages += 3
		} else {
			m := fmt.Sprintf("CRASH-%02d", i)
			data = testpdf.Text(m)
			w.markers = append(w.markers, m)
			w.wantPages++
		}
		w.wantAccepted++
		if dir != "" {
			writeFile(w.s.t, filepath.Join(dir, "01 诉讼文书卷", fmt.Sprintf("%02d 材料%02d.pdf", i, i)), data)
		}
		out = append(out, data)
	}
	return out
}

type crashMaterial struct {
	ID, Status, Reason, Filename string
	Pages                        int
}

func (w *crashWorld) materials() []crashMaterial {
	var list struct{ Materials []crashMaterial }
	w.s.call(w.clerk, "GET", "/api/v1/cases/"+w.caseID+"/materials", nil, http.StatusOK, &list)
	return list.Materials
}

// records returns the case's audit records of action, by target.
func (w *crashWorld) records(action, app string) map[string]int {
	var page struct {
		Events []struct{ Target string }
		Next   string
	}
	q := "/api/v1/audit/events?limit=1000&action=" + action + "&case=" + w.caseID
	if app != "" {
		q += "&application=" + app
	}
	w.s.call(w.auditor, "GET", q, nil, http.StatusOK, &page)
	if page.Next != "" {
		w.s.t.Fatalf("more than 1000 %s records", action)
	}
	out := map[string]int{}
	for _, e := range page.Events {
		out[e.Target]++
	}
	return out
}

// decided reports whether every material of the case is accepted or
// rejected and has its verdict's record; it fails the test for a material
// recorded twice.
func (w *crashWorld) decided() bool {
	ms := w.materials()
	acc, rej := w.records("material.accept", ""), w.records("material.reject", "")
	for _, m := range ms {
		switch m.Status {
		case "accepted":
			if acc[m.ID] == 0 {
				return false
			}
		case "rejected":
			if rej[m.ID] == 0 {
				return false
			}
		default:
			return false
		}
		if acc[m.ID]+rej[m.ID] > 1 {
			w.s.t.Fatalf("material %s has %d material.accept and %d material.reject records, want one", m.ID, acc[m.ID], rej[m.ID])
		}
	}
	return len(ms) > 0
}

// approve approves the application (the clerk).
func (w *crashWorld) approve() {
	w.s.call(w.clerk, "POST", "/api/v1/applications/"+w.app+"/decision", map[string]string{"decision": "approve", "reason": "符合条件"}, http.StatusOK, nil)
}

// delivered waits (within the bound, from the restart) for the link, then
// downloads the copy and checks it: its pages are the accepted materials'
// pages plus the cover and table of contents, every material's text is in
// it, and the chain verifies with each record once. It returns how long
// after the restart the link was there.
func (w *crashWorld) delivered() time.Duration {
	t, s := w.s.t, w.s
	var app appOut
	took := s.within(recoveryBound, "the download link", func() bool {
		s.call(w.lawyer, "GET", "/api/v1/applications/"+w.app, nil, http.StatusOK, &app)
		return app.Status == "ready" && app.Link != nil
	})
	// Every material accepted, its pages counted.
	ms := w.materials()
	sum, accepted := 0, 0
	for _, m := range ms {
		if m.Status != "accepted" {
			t.Fatalf("material %s (%s) is %s %s, want accepted", m.ID, m.Filename, m.Status, m.Reason)
		}
		sum += m.Pages
		accepted++
	}
	if accepted != w.wantAccepted || sum != w.wantPages {
		t.Fatalf("%d materials accepted with %d pages, want %d with %d", accepted, sum, w.wantAccepted, w.wantPages)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(app.Link.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET link: %d, want 302", resp.StatusCode)
	}
	resp, err = http.Get(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	path := filepath.Join(t.TempDir(), "copy.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check on the delivered copy: %v\n%s", err, out)
	}
	info, err := exec.Command("pdfinfo", path).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo gave no page count:\n%s", info)
	}
	pages, _ := strconv.Atoi(string(m[1]))
	// The front matter: the cover and one page of 卷内目录 (under 20 rows).
	if front := pages - sum; front != 2 {
		t.Errorf("the delivered copy has %d pages, the accepted materials %d: %d front pages, want the cover and one table of contents page", pages, sum, front)
	}
	txt, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, mk := range w.markers {
		if !strings.Contains(string(txt), mk) {
			t.Errorf("the delivered copy lacks the page %q", mk)
		}
	}
	// The audit chain: intact, every material accepted once, the link
	// issued once.
	var rep struct {
		OK      bool
		Records int64
	}
	s.call(w.auditor, "GET", "/api/v1/audit/verify", nil, http.StatusOK, &rep)
	if !rep.OK {
		t.Errorf("audit verify: %+v, want an intact chain", rep)
	}
	acc := w.records("material.accept", "")
	for _, m := range ms {
		if acc[m.ID] != 1 {
			t.Errorf("material %s: %d material.accept records, want 1", m.ID, acc[m.ID])
		}
	}
	if len(acc) != len(ms) {
		t.Errorf("%d material.accept records for %d materials", len(acc), len(ms))
	}
	links := w.records("link.issue", w.app)
	if len(links) != 1 {
		t.Errorf("link.issue records %v, want one", links)
	}
	for target, n := range links {
		if n != 1 {
			t.Errorf("link %s issued %d times, want once", target, n)
		}
	}
	if copies := w.records("copy.make", w.app); len(copies) != 1 {
		t.Errorf("copy.make records %v, want one", copies)
	}
	// The case's content version moved with every acceptance.
	var c struct{ ContentVersion int }
	s.call(w.clerk, "GET", "/api/v1/cases/"+w.caseID, nil, http.StatusOK, &c)
	if c.ContentVersion < len(ms) {
		t.Errorf("content version %d after %d acceptances: it lags", c.ContentVersion, len(ms))
	}
	return took
}

// putScans registers and uploads the scans through the API, as the
// clerk's page does.
func (w *crashWorld) putScans(scans [][]byte) {
	for i, data := range scans {
		var m upload
		w.s.call(w.clerk, "POST", "/api/v1/cases/"+w.caseID+"/materials", map[string]any{
			"volume": 1, "volumeTitle": "诉讼文书卷", "seq": i + 1, "title": fmt.Sprintf("材料%02d", i+1),
			"filename": fmt.Sprintf("%02d.pdf", i+1), "size": len(data)}, http.StatusCreated, &m)
		w.s.put(m.UploadURL, data)
	}
}

// leftovers lists the temporary files of jobs under the data dir.
func (s *crashServer) leftovers() []string {
	var out []string
	ents, _ := os.ReadDir(filepath.Join(s.data, "tmp"))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "assemble-") || strings.HasPrefix(e.Name(), "ingest-") {
			out = append(out, "tmp/"+e.Name())
		}
	}
	_ = filepath.WalkDir(filepath.Join(s.data, "objects"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(d.Name(), ".tmp") {
			rel, _ := filepath.Rel(s.data, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// TestCrashMidUpload kills the server while `yuejuan upload` sends a
// folder of scans, starts it again and runs the same command again: it
// resumes (accepted files skipped, the rest sent or waited for) and exits 0,
// every material is decided within the bound, and the dossier approved
// afterwards has every page.
func TestCrashMidUpload(t *testing.T) {
	s := newCrashServer(t)
	s.start()
	w := newCrashWorld(s)
	dir := t.TempDir()
	const n = 24
	w.scans(dir, n)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, "upload", "--server", s.url, "--wait", "60s", "--quiet", "--case", w.caseID, dir)
	cmd.Env = append(os.Environ(), "YUEJUAN_TOKEN="+w.clerk, "YUEJUAN_SERVER=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A third of the way in, the server dies.
	waitFor(t, "a third of the upload", func() bool { return len(w.materials()) >= n/3 })
	before := w.count()
	s.kill()
	if err := cmd.Wait(); err == nil {
		t.Fatalf("yuejuan upload went on without its server:\n%s", out.String())
	}
	s.start()
	o, e, code := s.runUpload(w.clerk, "--case", w.caseID, dir)
	if code != 0 {
		t.Fatalf("the upload run again after the restart: exit %d\n%s%s\nfirst run:\n%s", code, o, e, out.String())
	}
	sm := summaryRE.FindStringSubmatch(o)
	if sm == nil {
		t.Fatalf("no summary line:\n%s", o)
	}
	acc, _ := strconv.Atoi(sm[1])
	skip, _ := strconv.Atoi(sm[3])
	if acc+skip != n || sm[2] != "0" || acc == 0 || skip == 0 {
		t.Errorf("rerun summary %q: want the %d files accepted or skipped, some of each", sm[0], n)
	}
	took := s.within(recoveryBound, "every material decided", w.decided)
	if got := len(w.materials()); got != n {
		t.Errorf("%d materials for %d files: the resumed upload registered files again", got, n)
	}
	t.Logf("killed with %d materials registered; all %d decided %v after the restart", before, n, took.Round(time.Millisecond))
	// Approved now (after the restart), the dossier has every page.
	w.approve()
	s.restarted = time.Now() // the bound counts from the approval here
	took = w.delivered()
	t.Logf("link %v after the approval", took.Round(time.Millisecond))
}

func (w *crashWorld) count() int { return len(w.materials()) }

// TestCrashMidIngest kills the server while ingest jobs stand between
// storing a verdict and writing what follows it (the content version, the
// record), with more uploads queued behind them. After the restart every
// material is decided, once, within the bound; an application approved
// while they were undecided waited for them, and its copy has every page.
func TestCrashMidIngest(t *testing.T) {
	s := newCrashServer(t)
	s.start(crashpoint.Env + "=ingest.accepted")
	w := newCrashWorld(s)
	w.putScans(w.scans("", 8))
	s.reached("ingest.accepted")
	time.Sleep(200 * time.Millisecond) // the other worker gets there too
	s.kill()
	s.start()
	// What the kill left (the state): materials shown accepted with
	// no material.accept record. Their jobs' leases hold them for a while.
	acc, unrecorded := w.records("material.accept", ""), 0
	for _, m := range w.materials() {
		if m.Status == "accepted" && acc[m.ID] == 0 {
			unrecorded++
		}
	}
	if unrecorded == 0 {
		t.Fatal("the kill left no material accepted without its record: the crash point missed")
	}
	w.approve()
	// While they are undecided the application waits, and says why: to
	// the clerk with the materials, to the lawyer without them.
	var ha struct {
		Status string
		Hold   *struct {
			Reason    string
			Materials []struct{ ID, Status string }
		}
	}
	waitFor(t, "the application to show why its dossier waits", func() bool {
		s.call(w.clerk, "GET", "/api/v1/applications/"+w.app, nil, http.StatusOK, &ha)
		return ha.Hold != nil
	})
	if ha.Status != "approved" || ha.Hold.Reason == "" || len(ha.Hold.Materials) == 0 {
		t.Errorf("held application as the clerk sees it: %+v %+v, want approved, a reason and the materials", ha.Status, ha.Hold)
	}
	ha.Hold = nil
	s.call(w.lawyer, "GET", "/api/v1/applications/"+w.app, nil, http.StatusOK, &ha)
	if ha.Hold == nil || ha.Hold.Reason == "" || len(ha.Hold.Materials) != 0 {
		t.Errorf("held application as the lawyer sees it: %+v, want the reason without the case's materials", ha.Hold)
	}
	took := s.within(recoveryBound, "every material decided", w.decided)
	t.Logf("all decided %v after the restart", took.Round(time.Millisecond))
	took = w.delivered()
	t.Logf("link %v after the restart", took.Round(time.Millisecond))
	// The dossier waited: the unit was told which materials, once.
	var notices struct {
		Notices []struct{ Kind, Body string }
	}
	s.call(w.clerk, "GET", "/api/v1/notices", nil, http.StatusOK, &notices)
	held := 0
	for _, n := range notices.Notices {
		if n.Kind == "dossier.held" {
			held++
			if !strings.Contains(n.Body, w.caseNo) || !strings.Contains(n.Body, "第1卷") {
				t.Errorf("the held-dossier notice names neither the case nor the materials: %s", n.Body)
			}
		}
	}
	if held != 1 {
		t.Errorf("%d dossier.held notices to the unit for one wait, want 1", held)
	}
}

// TestCrashRightAfterApproval kills the server just as the assemble job of
// an approved application starts (holding its lease), and checks the link
// arrives within the bound of the restart, with every page.
func TestCrashRightAfterApproval(t *testing.T) {
	s := newCrashServer(t)
	s.start(crashpoint.Env + "=assemble.start")
	w := newCrashWorld(s)
	w.putScans(w.scans("", 6))
	waitFor(t, "every material decided", w.decided)
	w.approve()
	s.reached("assemble.start")
	s.kill()
	s.start()
	took := w.delivered()
	t.Logf("link %v after the restart", took.Round(time.Millisecond))
}

// TestCrashMidBaseWrite kills the server while it writes the base dossier
// (the first part written to its temporary file), and checks the restarted
// server removed the half-written file and delivered a whole copy within
// the bound.
func TestCrashMidBaseWrite(t *testing.T) {
	s := newCrashServer(t)
	s.start(crashpoint.Env + "=write:dossiers/*")
	w := newCrashWorld(s)
	w.putScans(w.scans("", 6))
	waitFor(t, "every material decided", w.decided)
	w.approve()
	s.reached("write:dossiers/")
	s.kill()
	left := s.leftovers()
	var half bool
	for _, f := range left {
		half = half || strings.HasPrefix(f, "objects/dossiers/") && strings.HasSuffix(f, ".tmp")
	}
	if !half {
		t.Fatalf("the kill left no half-written base (%v): the crash point missed the write", left)
	}
	s.start()
	took := w.delivered()
	t.Logf("link %v after the restart", took.Round(time.Millisecond))
	if left := s.leftovers(); len(left) != 0 {
		t.Errorf("temporary files of the dead jobs left after the restart: %v", left)
	}
}
