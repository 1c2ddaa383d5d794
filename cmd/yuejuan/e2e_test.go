package main

// The end-to-end test: it builds the real binary, starts `yuejuan serve` on
// a free port with a fresh data dir, and drives the whole path over HTTP as
// the three users would: a clerk registers a case and uploads scans, a lawyer
// applies, the clerk approves, the lawyer downloads the stamped dossier, and
// the auditor finds the download in the log and verifies the chain.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/testpdf"
)

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "yuejuan-e2e-")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "yuejuan")
	out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build yuejuan: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type instance struct {
	t       *testing.T
	url     string
	data    string
	uploads string // how upload URLs begin: this server's /blob/uploads, or the S3 bucket's
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs the server, with env added to its environment, and waits until
// /healthz answers.
func start(t *testing.T, env ...string) *instance {
	t.Helper()
	addr := freePort(t)
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binPath, "serve", "--addr", addr, "--data", data)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	cmd.Env = append(os.Environ(), env...)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	banner := make(chan string, 1)
	go func() {
		var b strings.Builder
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "then:") {
				banner <- b.String()
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	in := &instance{t: t, url: "http://" + addr, data: data, uploads: "http://" + addr + "/blob/uploads?"}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(in.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	select {
	case b := <-banner:
		if !strings.Contains(b, in.url) || !strings.Contains(b, "yuejuan token") {
			t.Errorf("the start banner should print the URL and how to get a token, got:\n%s", b)
		}
	case <-time.After(5 * time.Second):
		t.Error("no start banner on stdout")
	}
	return in
}

func (in *instance) token(args ...string) string {
	in.t.Helper()
	out, err := exec.Command(binPath, append([]string{"token", "--data", in.data}, args...)...).Output()
	if err != nil {
		in.t.Fatalf("token %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

// call sends a JSON request and decodes the JSON answer into out.
func (in *instance) call(tok, method, path string, body any, wantStatus int, out any) {
	in.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, in.url+path, rd)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		in.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, wantStatus, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			in.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

func (in *instance) put(url string, data []byte) {
	in.t.Helper()
	if st, b := in.putStatus(url, data); st != 200 {
		in.t.Fatalf("PUT upload: %d %s", st, b)
	}
}

func (in *instance) putStatus(url string, data []byte) (int, []byte) {
	in.t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(data))
	req.Header.Set("If-None-Match", "*") // signed into S3 upload URLs: write-once
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, b
}

// waitFor polls fn until it returns true.
func waitFor(t *testing.T, what string, fn func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func scanJPEG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 850, 1100)) // a letter-size scan at 100 dpi
	for y := 0; y < 1100; y++ {
		for x := 0; x < 850; x++ {
			img.Set(x, y, color.RGBA{250, 250, 245, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type upload struct {
	ID        string `json:"id"`
	UploadURL string `json:"uploadUrl"`
	Status    string `json:"status"`
	Reason    string `json:"reason"`
	Pages     int    `json:"pages"`
}

type appOut struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Deadline string `json:"deadline"`
	Reply    *struct {
		Decision, Reason string
	} `json:"reply"`
	Link *struct {
		URL           string    `json:"url"`
		ExpiresAt     time.Time `json:"expiresAt"`
		DownloadsLeft int       `json:"downloadsLeft"`
	} `json:"link"`
}

const license = "11101201910012345"

func TestEndToEnd(t *testing.T) {
	endToEnd(t, start(t))
}

// endToEnd drives the whole path on the server in (embedded defaults here,
// peers in e2e_peers_test.go).
func endToEnd(t *testing.T, in *instance) {
	for _, tool := range []string{"pdftotext", "qpdf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (apt-get install poppler-utils qpdf; .ci/run does it)", tool)
		}
	}
	clerk := in.token("--role", "clerk", "--sub", "clerk01", "--name", "王书记员", "--unit", "市检察院")
	otherClerk := in.token("--role", "clerk", "--sub", "clerk09", "--name", "赵书记员", "--unit", "区检察院")
	lawyer := in.token("--role", "lawyer", "--sub", license, "--name", "张律师")
	auditor := in.token("--role", "auditor", "--sub", "audit01", "--name", "李审计")

	// The clerk registers a case at the prosecution-review stage.
	var c struct {
		ID     string `json:"id"`
		CaseNo string `json:"caseNo"`
	}
	in.call(clerk, "POST", "/api/v1/cases", map[string]any{
		"caseNo": "京检刑诉〔2026〕123号", "title": "张某某盗窃案", "stage": "prosecution_review", "onlineReview": true,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"张某某"},
	}, http.StatusCreated, &c)
	// Another unit's clerk cannot see it.
	in.call(otherClerk, "GET", "/api/v1/cases/"+c.ID, nil, http.StatusNotFound, nil)
	// A lawyer cannot register cases.
	in.call(lawyer, "POST", "/api/v1/cases", map[string]any{}, http.StatusForbidden, nil)

	// The clerk uploads two scans: a PDF and a JPEG, then a file that is not
	// a scan, which must be rejected with a reason.
	files := []struct {
		seq   int
		title string
		name  string
		data  []byte
	}{
		{1, "起诉意见书", "01.pdf", testpdf.Text("E2E-DOC-ONE")},
		{2, "讯问笔录", "02.jpg", scanJPEG(t)},
		{3, "说明", "03.txt", []byte("this is not a scan")},
	}
	var mats []upload
	for _, f := range files {
		var m upload
		in.call(clerk, "POST", "/api/v1/cases/"+c.ID+"/materials", map[string]any{
			"volume": 1, "volumeTitle": "诉讼文书卷", "seq": f.seq, "title": f.title, "filename": f.name, "size": len(f.data)}, http.StatusCreated, &m)
		if !strings.HasPrefix(m.UploadURL, in.uploads) {
			t.Fatalf("upload URL %q is not a signed URL under %s", m.UploadURL, in.uploads)
		}
		in.put(m.UploadURL, f.data)
		mats = append(mats, m)
	}
	for i, m := range mats {
		var got upload
		waitFor(t, "material "+files[i].name+" to be processed", func() bool {
			in.call(clerk, "GET", "/api/v1/cases/"+c.ID+"/materials/"+m.ID, nil, http.StatusOK, &got)
			return got.Status == "accepted" || got.Status == "rejected"
		})
		want := "accepted"
		if i == 2 {
			want = "rejected"
		}
		if got.Status != want {
			t.Fatalf("material %s: status %s (%s), want %s", files[i].name, got.Status, got.Reason, want)
		}
		if want == "accepted" && got.Pages != 1 {
			t.Errorf("material %s: %d pages, want 1", files[i].name, got.Pages)
		}
		if want == "rejected" && got.Reason == "" {
			t.Errorf("a rejected material must say why")
		}
	}
	// An upload URL is write-once (S3: If-None-Match: * signed in): the
	// accepted scan's original cannot be replaced through it.
	other := bytes.Clone(files[0].data)
	copy(other[len(other)/2:], "REPLACED")
	if st, b := in.putStatus(mats[0].UploadURL, other); st != http.StatusPreconditionFailed {
		t.Errorf("second PUT to an accepted material's upload URL: %d %s, want 412", st, b)
	}

	// The lawyer uploads the three documents and applies.
	var atts []string
	for _, kind := range []string{"practice_certificate", "firm_letter", "power_of_attorney"} {
		var a upload
		in.call(lawyer, "POST", "/api/v1/attachments", map[string]any{"kind": kind, "filename": kind + ".pdf", "size": len(testpdf.Text(kind))}, http.StatusCreated, &a)
		in.put(a.UploadURL, testpdf.Text(kind))
		atts = append(atts, a.ID)
	}
	for _, id := range atts {
		waitFor(t, "attachment to arrive", func() bool {
			var a struct{ Uploaded bool }
			in.call(lawyer, "GET", "/api/v1/attachments/"+id, nil, http.StatusOK, &a)
			return a.Uploaded
		})
	}
	apply := map[string]any{"caseNo": c.CaseNo, "client": "张某某", "attachments": atts,
		"lawyer": map[string]string{"name": "张律师", "license": license, "firm": "北京某某律师事务所", "phone": "13800000000"}}
	// A bad application gets every problem at once.
	var bad struct {
		Error struct {
			Code     string `json:"code"`
			Problems []struct{ Field, Message string }
		} `json:"error"`
	}
	in.call(lawyer, "POST", "/api/v1/applications", map[string]any{"caseNo": c.CaseNo, "client": "王某",
		"lawyer": map[string]string{"name": "张律师", "license": "123", "firm": "", "phone": "1"}}, http.StatusUnprocessableEntity, &bad)
	fields := map[string]bool{}
	for _, p := range bad.Error.Problems {
		fields[p.Field] = true
	}
	// A missing document is named at its slot (attachments.<kind>).
	for _, f := range []string{"lawyer.license", "lawyer.firm", "client", "attachments.practice_certificate", "attachments.firm_letter", "attachments.power_of_attorney"} {
		if !fields[f] {
			t.Errorf("a bad application should report %s among all its problems; got %+v", f, bad.Error.Problems)
		}
	}
	var app appOut
	in.call(lawyer, "POST", "/api/v1/applications", apply, http.StatusCreated, &app)
	if app.Status != "pending_review" || app.Deadline == "" {
		t.Fatalf("new application: status %q deadline %q, want pending_review with a deadline", app.Status, app.Deadline)
	}
	// Submitting again returns the same application.
	var again appOut
	in.call(lawyer, "POST", "/api/v1/applications", apply, http.StatusOK, &again)
	if again.ID != app.ID {
		t.Errorf("a duplicate submit made a second application %s (first %s)", again.ID, app.ID)
	}
	// The clerk sees it in the unit's queue and approves it; the other unit cannot.
	var queue struct{ Applications []appOut }
	in.call(clerk, "GET", "/api/v1/applications?status=open", nil, http.StatusOK, &queue)
	if len(queue.Applications) != 1 || queue.Applications[0].ID != app.ID {
		t.Fatalf("clerk queue = %+v, want the one application", queue.Applications)
	}
	in.call(otherClerk, "POST", "/api/v1/applications/"+app.ID+"/decision", map[string]string{"decision": "approve"}, http.StatusNotFound, nil)
	in.call(clerk, "POST", "/api/v1/applications/"+app.ID+"/decision", map[string]string{"decision": "approve", "reason": "符合条件"}, http.StatusOK, nil)

	// The unit's on-time record counts the answer.
	var st struct {
		Submitted, Answered, OnTime, Late int
		OnTimeRate                        float64
	}
	in.call(clerk, "GET", "/api/v1/applications/stats", nil, http.StatusOK, &st)
	if st.Submitted != 1 || st.Answered != 1 || st.OnTime != 1 || st.OnTimeRate != 1 {
		t.Errorf("stats = %+v, want one application answered on time", st)
	}

	// The dossier is assembled and stamped; the link appears.
	waitFor(t, "the dossier to be ready", func() bool {
		in.call(lawyer, "GET", "/api/v1/applications/"+app.ID, nil, http.StatusOK, &app)
		return app.Status == "ready"
	})
	if app.Link == nil || app.Link.DownloadsLeft != 5 || !strings.HasPrefix(app.Link.URL, in.url+"/d/") {
		t.Fatalf("ready application link = %+v, want a /d/ link with 5 downloads", app.Link)
	}

	// HEAD does not use a download; GET redirects to a short-lived URL.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Head(app.Link.URL)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("HEAD link: %v %v", err, resp)
	}
	resp, err = noRedirect.Get(app.Link.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET link: status %d, want 302", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	resp, err = http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("following the redirect: status %d, %d bytes, not a PDF", resp.StatusCode, len(pdf))
	}
	path := filepath.Join(t.TempDir(), "dossier.pdf")
	os.WriteFile(path, pdf, 0o600)
	if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check on the downloaded dossier: %v\n%s", err, out)
	}
	txt, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"E2E-DOC-ONE", "张某某盗窃案", "仅供", "张律师", license, app.ID} {
		if !strings.Contains(string(txt), want) {
			t.Errorf("the downloaded dossier's text lacks %q", want)
		}
	}
	in.call(lawyer, "GET", "/api/v1/applications/"+app.ID, nil, http.StatusOK, &app)
	if app.Link.DownloadsLeft != 4 {
		t.Errorf("after one GET and one HEAD, downloadsLeft = %d, want 4", app.Link.DownloadsLeft)
	}
	// A tampered token is refused with its own answer.
	resp, _ = noRedirect.Get(app.Link.URL[:len(app.Link.URL)-3] + "abc")
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("tampered link: status %d, want 400", resp.StatusCode)
	}

	// The auditor sees the download with who, when and from where: through
	// the link, its holder (the link is a bearer secret), on the lawyer's link.
	var page struct {
		Events []struct {
			Seq           int64
			Actor, Action string
			ApplicationID string `json:"applicationId"`
			IP            string `json:"ip"`
			Hash          string
			Detail        map[string]string
		}
	}
	in.call(auditor, "GET", "/api/v1/audit/events?action=link.download&application="+app.ID, nil, http.StatusOK, &page)
	if len(page.Events) != 1 || page.Events[0].Actor != "link-holder" || page.Events[0].Detail["linkOwner"] != license ||
		page.Events[0].IP != "127.0.0.1" || page.Events[0].Hash == "" {
		t.Fatalf("audit download events = %+v, want one by the link's holder from 127.0.0.1 on the lawyer's link", page.Events)
	}
	var rep struct {
		OK      bool
		Records int64
	}
	in.call(auditor, "GET", "/api/v1/audit/verify", nil, http.StatusOK, &rep)
	if !rep.OK || rep.Records < 10 {
		t.Errorf("audit verify = %+v, want an intact chain of every step", rep)
	}
	// Lawyers and clerks cannot read the log.
	in.call(lawyer, "GET", "/api/v1/audit/events", nil, http.StatusForbidden, nil)
	in.call(clerk, "GET", "/api/v1/audit/events", nil, http.StatusForbidden, nil)
}
