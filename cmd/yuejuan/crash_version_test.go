package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/crashpoint"
	"github.com/yuejuan/yuejuan/internal/testpdf"
)

// crashLawyer is a lawyer of TestCrashMidVersion and her application.
type crashLawyer struct{ name, license, token, app string }

// applyAs makes a second lawyer apply for the world's case (newCrashWorld
// makes the first), with her own license.
func (w *crashWorld) applyAs(license, name string) crashLawyer {
	s := w.s
	l := crashLawyer{name: name, license: license, token: s.token("--role", "lawyer", "--sub", license, "--name", name)}
	var atts []string
	for _, kind := range []string{"practice_certificate", "firm_letter", "power_of_attorney"} {
		var a upload
		data := testpdf.Text(kind + " " + license)
		s.call(l.token, "POST", "/api/v1/attachments", map[string]any{"kind": kind, "filename": kind + ".pdf", "size": len(data)}, http.StatusCreated, &a)
		s.put(a.UploadURL, data)
		atts = append(atts, a.ID)
	}
	for _, id := range atts {
		waitFor(s.t, "attachment to arrive", func() bool {
			var a struct{ Uploaded bool }
			s.call(l.token, "GET", "/api/v1/attachments/"+id, nil, http.StatusOK, &a)
			return a.Uploaded
		})
	}
	var app appOut
	s.call(l.token, "POST", "/api/v1/applications", map[string]any{"caseNo": w.caseNo, "client": "张某某", "attachments": atts,
		"lawyer": map[string]string{"name": name, "license": license, "firm": "北京某某律师事务所", "phone": "13900000000"}}, http.StatusCreated, &app)
	l.app = app.ID
	return l
}

// versionNotices counts a lawyer's notices that the dossier has a new
// version.
func (w *crashWorld) versionNotices(l crashLawyer) int {
	var out struct{ Notices []struct{ Kind, Body string } }
	w.s.call(l.token, "GET", "/api/v1/notices", nil, http.StatusOK, &out)
	n := 0
	for _, x := range out.Notices {
		if x.Kind == "dossier.version" {
			if !strings.Contains(x.Body, "第 2 版") {
				w.s.t.Errorf("%s's version notice does not name version 2: %s", l.name, x.Body)
			}
			n++
		}
	}
	return n
}

type crashVersions struct {
	Versions []struct {
		Version int
		Current bool
		Added   []struct{ Title string }
	}
	Supplement *struct{ URL string }
}

// fetchText downloads through a lawyer's link and returns the PDF's text.
func fetchText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, pdf)
	}
	path := filepath.Join(t.TempDir(), "got.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	txt, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(txt)
}

// TestCrashMidVersion kills the server (SIGKILL) in the version job that a
// clerk's new document started — as it starts (nothing done), and after the
// lawyers' new copies and links are made, before their notices: the job is
// lost with the process. After the restart, recovery finds the case whose ready copies lag and
// runs the job again: each of the two lawyers gets, within the bound,
// exactly one notice of version 2, her new full copy and a supplement of
// only the new document, and the audit log has each copy and each link
// once.
func TestCrashMidVersion(t *testing.T) {
	for _, point := range []string{"version.start", "version.notice"} {
		t.Run(point, func(t *testing.T) { crashMidVersion(t, point) })
	}
}

func crashMidVersion(t *testing.T, point string) {
	s := newCrashServer(t)
	s.start(crashpoint.Env + "=" + point)
	w := newCrashWorld(s)
	lawyers := []crashLawyer{{name: "张律师", license: license, token: w.lawyer, app: w.app}, w.applyAs("11101201910054321", "赵律师")}
	w.putScans(w.scans("", 3))
	waitFor(t, "every material decided", w.decided)
	for _, l := range lawyers {
		s.call(w.clerk, "POST", "/api/v1/applications/"+l.app+"/decision", map[string]string{"decision": "approve", "reason": "符合条件"}, http.StatusOK, nil)
	}
	for _, l := range lawyers {
		waitFor(t, l.name+"'s first copy", func() bool {
			var app appOut
			s.call(l.token, "GET", "/api/v1/applications/"+l.app, nil, http.StatusOK, &app)
			return app.Status == "ready" && app.Link != nil
		})
	}
	// The clerk files a new document: version 2 for both lawyers.
	data := testpdf.Text("CRASH-NEW")
	var m upload
	s.call(w.clerk, "POST", "/api/v1/cases/"+w.caseID+"/materials", map[string]any{
		"volume": 1, "volumeTitle": "诉讼文书卷", "seq": 4, "title": "补充侦查报告",
		"filename": "04.pdf", "size": len(data)}, http.StatusCreated, &m)
	s.put(m.UploadURL, data)
	s.reached(point)
	time.Sleep(200 * time.Millisecond)
	s.kill()
	s.start()
	// What the kill left: no notice yet (the dead job's case lease holds
	// the re-run back for up to store.LeaseTTL).
	for _, l := range lawyers {
		if n := w.versionNotices(l); n != 0 {
			t.Fatalf("%s had %d version notices right after the restart: the crash point missed", l.name, n)
		}
	}
	for _, l := range lawyers {
		took := s.within(recoveryBound, l.name+"'s version 2", func() bool {
			var vs crashVersions
			s.call(l.token, "GET", "/api/v1/applications/"+l.app+"/versions", nil, http.StatusOK, &vs)
			cur := 0
			for _, v := range vs.Versions {
				if v.Current {
					cur = v.Version
				}
			}
			return cur == 2 && vs.Supplement != nil && w.versionNotices(l) > 0
		})
		t.Logf("%s has version 2 %v after the restart", l.name, took.Round(time.Millisecond))
	}
	// Further ticks and runs send nothing twice.
	time.Sleep(3 * time.Second)
	for _, l := range lawyers {
		if n := w.versionNotices(l); n != 1 {
			t.Errorf("%s got %d notices of version 2, want 1", l.name, n)
		}
		var app appOut
		s.call(l.token, "GET", "/api/v1/applications/"+l.app, nil, http.StatusOK, &app)
		if app.Status != "ready" || app.Link == nil {
			t.Fatalf("%s's application: %+v, want ready with a link", l.name, app)
		}
		full := fetchText(t, followLink(t, app.Link.URL))
		for _, mk := range append(append([]string{}, w.markers...), "CRASH-NEW") {
			if !strings.Contains(full, mk) {
				t.Errorf("%s's new full copy lacks the page %q", l.name, mk)
			}
		}
		if !strings.Contains(full, l.license) {
			t.Errorf("%s's new full copy is not stamped with her license %s", l.name, l.license)
		}
		var vs crashVersions
		s.call(l.token, "GET", "/api/v1/applications/"+l.app+"/versions", nil, http.StatusOK, &vs)
		sup := fetchText(t, followLink(t, vs.Supplement.URL))
		if !strings.Contains(sup, "CRASH-NEW") || !strings.Contains(sup, l.license) {
			t.Errorf("%s's supplement lacks the new document or her stamp:\n%s", l.name, sup)
		}
		for _, mk := range w.markers {
			if strings.Contains(sup, mk) {
				t.Errorf("%s's supplement holds the unchanged page %q", l.name, mk)
			}
		}
		// v1's copy, v2's copy, v2's supplement: each made once, each
		// link issued once.
		for _, action := range []string{"copy.make", "link.issue"} {
			recs := w.records(action, l.app)
			if len(recs) != 3 {
				t.Errorf("%s: %s records %v, want three targets (version 1, version 2, the supplement)", l.name, action, recs)
			}
			for target, n := range recs {
				if n != 1 {
					t.Errorf("%s: %s %s recorded %d times, want once", l.name, action, target, n)
				}
			}
		}
	}
	var rep struct{ OK bool }
	s.call(w.auditor, "GET", "/api/v1/audit/verify", nil, http.StatusOK, &rep)
	if !rep.OK {
		t.Errorf("audit verify: %+v, want an intact chain", rep)
	}
}

// followLink opens a lawyer's link and returns where it sends her (the
// presigned object), failing unless it redirects.
func followLink(t *testing.T, url string) string {
	t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET link %s: %d, want 302", url, resp.StatusCode)
	}
	return resp.Header.Get("Location")
}
