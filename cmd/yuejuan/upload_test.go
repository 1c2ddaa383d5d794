package main

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/internal/testpdf"
)

// runUpload runs `yuejuan upload` against in with tok and returns stdout,
// stderr and the exit code.
func (in *instance) runUpload(tok string, args ...string) (string, string, int) {
	in.t.Helper()
	cmd := exec.Command(binPath, append([]string{"upload", "--server", in.url, "--wait", "60s"}, args...)...)
	cmd.Env = append(os.Environ(), "YUEJUAN_TOKEN="+tok, "YUEJUAN_SERVER=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		in.t.Fatalf("upload %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

var summaryRE = regexp.MustCompile(`(?m)^(\d+) accepted, (\d+) rejected, (\d+) skipped`)

func TestUploadCommand(t *testing.T) {
	in := start(t)
	clerk := in.token("--role", "clerk", "--sub", "clerk01", "--name", "王书记员", "--unit", "市检察院")
	var c struct {
		ID string `json:"id"`
	}
	in.call(clerk, "POST", "/api/v1/cases", map[string]any{
		"caseNo": "京检刑诉〔2026〕456号", "title": "李某某诈骗案", "stage": "prosecution_review", "onlineReview": true,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"李某某"},
	}, http.StatusCreated, &c)

	// Two volumes; names sort naturally ("2" before "10"), and the .txt is
	// not a scan.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "01 诉讼文书卷", "1 起诉意见书.pdf"), testpdf.Text("UPLOAD-ONE"))
	writeFile(t, filepath.Join(dir, "01 诉讼文书卷", "2 讯问笔录.pdf"), testpdf.Text("UPLOAD-TWO"))
	writeFile(t, filepath.Join(dir, "01 诉讼文书卷", "10 说明.txt"), []byte("this is not a scan"))
	writeFile(t, filepath.Join(dir, "02 证据材料卷", "01-鉴定意见.pdf"), testpdf.Text("UPLOAD-THREE"))
	writeFile(t, filepath.Join(dir, "02 证据材料卷", ".DS_Store"), []byte("hidden files are ignored"))

	// An earlier upload of 讯问笔录 was registered but its bytes never arrived.
	var lost upload
	in.call(clerk, "POST", "/api/v1/cases/"+c.ID+"/materials", map[string]any{
		"volume": 1, "volumeTitle": "诉讼文书卷", "seq": 2, "title": "讯问笔录", "filename": "2 讯问笔录.pdf",
		"size": len(testpdf.Text("UPLOAD-TWO"))}, http.StatusCreated, &lost)

	// A dry run lists the four files, the lost one to resume, and sends nothing.
	out, errOut, code := in.runUpload(clerk, "--case", c.ID, dir, "--dry-run")
	if code != 0 || len(regexp.MustCompile(`(?m)^upload `).FindAllString(out, -1)) != 3 ||
		!strings.Contains(out, "resume    1/2  讯问笔录") || !strings.Contains(out, "dry run: 4 to upload, 0 to skip") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	var list struct {
		Materials []upload `json:"materials"`
	}
	in.call(clerk, "GET", "/api/v1/cases/"+c.ID+"/materials", nil, http.StatusOK, &list)
	if len(list.Materials) != 1 {
		t.Fatalf("a dry run created %d materials", len(list.Materials)-1)
	}

	// The upload: one line per file with its verdict, exit 1 for the rejection.
	out, errOut, code = in.runUpload(clerk, "--case", c.ID, dir)
	if code != 1 {
		t.Fatalf("upload with a rejected file: exit %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"accepted  1/1  起诉意见书  [01 诉讼文书卷/1 起诉意见书.pdf]  1 page",
		"accepted  1/2  讯问笔录  [01 诉讼文书卷/2 讯问笔录.pdf]  1 page",
		"rejected  1/3  说明  [01 诉讼文书卷/10 说明.txt]  ",
		"accepted  2/1  鉴定意见  [02 证据材料卷/01-鉴定意见.pdf]  1 page",
		"3 accepted, 1 rejected, 0 skipped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("upload output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\r") || strings.Contains(out, "KiB/s") {
		t.Errorf("no progress bar when stdout is not a terminal:\n%q", out)
	}
	if !strings.Contains(errOut, "1 file rejected") {
		t.Errorf("stderr should say why the exit status is 1, got %q", errOut)
	}
	var reason string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "rejected") {
			reason = l[strings.LastIndex(l, "]  ")+3:]
		}
	}
	if strings.TrimSpace(reason) == "" {
		t.Errorf("the rejection line should give the reason:\n%s", out)
	}

	// The case holds the materials in volume/seq order, titled by file name.
	type mat struct {
		vol, seq      int
		title, volT   string
		file, status  string
		pagesAtLeast1 bool
	}
	want := []mat{
		{1, 1, "起诉意见书", "诉讼文书卷", "1 起诉意见书.pdf", "accepted", true},
		{1, 2, "讯问笔录", "诉讼文书卷", "2 讯问笔录.pdf", "accepted", true},
		{1, 3, "说明", "诉讼文书卷", "10 说明.txt", "rejected", false},
		{2, 1, "鉴定意见", "证据材料卷", "01-鉴定意见.pdf", "accepted", true},
	}
	var full struct {
		Materials []struct {
			upload
			Volume      int    `json:"volume"`
			VolumeTitle string `json:"volumeTitle"`
			Seq         int    `json:"seq"`
			Title       string `json:"title"`
			Filename    string `json:"filename"`
		} `json:"materials"`
	}
	in.call(clerk, "GET", "/api/v1/cases/"+c.ID+"/materials", nil, http.StatusOK, &full)
	if len(full.Materials) != len(want) {
		t.Fatalf("%d materials after the upload, want %d: %+v", len(full.Materials), len(want), full.Materials)
	}
	for i, m := range full.Materials {
		w := want[i]
		if w.seq == 2 && m.ID != lost.ID {
			t.Errorf("the material awaiting its upload should be reused, got a new one %s", m.ID)
		}
		if m.Volume != w.vol || m.Seq != w.seq || m.Title != w.title || m.VolumeTitle != w.volT || m.Filename != w.file || m.Status != w.status || (m.Pages >= 1) != w.pagesAtLeast1 {
			t.Errorf("material %d = %d/%d %q (%q) %q %s %d pages, want %+v", i, m.Volume, m.Seq, m.Title, m.VolumeTitle, m.Filename, m.Status, m.Pages, w)
		}
	}

	// A second run skips the three accepted files, uploads the rejected one
	// again (still rejected) and creates no duplicates of the others.
	out, errOut, code = in.runUpload(clerk, "--case", c.ID, dir, "--quiet")
	m := summaryRE.FindStringSubmatch(out)
	if code != 1 || m == nil || m[1] != "0" || m[2] != "1" || m[3] != "3" {
		t.Fatalf("second run: exit %d, want 1 with 0 accepted, 1 rejected, 3 skipped\n%s%s", code, out, errOut)
	}
	if n := strings.Count(out, "skipped   "); n != 3 {
		t.Errorf("second run: %d skipped lines, want 3:\n%s", n, out)
	}
	in.call(clerk, "GET", "/api/v1/cases/"+c.ID+"/materials", nil, http.StatusOK, &full)
	count := map[string]int{}
	for _, m := range full.Materials {
		count[m.Filename+"/"+m.Status]++
	}
	for _, f := range []string{"1 起诉意见书.pdf", "2 讯问笔录.pdf", "01-鉴定意见.pdf"} {
		if count[f+"/accepted"] != 1 || len(full.Materials) != 5 {
			t.Errorf("after the second run %s is accepted %d times (want 1), %d materials in all (want 5)", f, count[f+"/accepted"], len(full.Materials))
		}
	}

	// Without the bad file, a third run has nothing to upload and succeeds.
	if err := os.Remove(filepath.Join(dir, "01 诉讼文书卷", "10 说明.txt")); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = in.runUpload(clerk, "--case", c.ID, dir)
	if code != 0 || !strings.Contains(out, "0 accepted, 0 rejected, 3 skipped") {
		t.Errorf("third run: exit %d, want 0 with 3 skipped\n%s%s", code, out, errOut)
	}

	// A bad token: the server's words and the hint.
	out, errOut, code = in.runUpload(clerk[:len(clerk)-4]+"AAAA", "--case", c.ID, dir)
	if code != 1 || !strings.Contains(errOut, "登录凭证无效") || !strings.Contains(errOut, "(the token is invalid") ||
		!strings.Contains(errOut, "hint: get a token with yuejuan token") || !strings.Contains(errOut, "YUEJUAN_TOKEN") {
		t.Errorf("bad token: exit %d, want 1 with the message and the hint\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	// No token at all says how to get one before calling the server.
	out, errOut, code = in.runUpload("", "--case", c.ID, dir)
	if code != 1 || !strings.Contains(errOut, "no login token") || !strings.Contains(errOut, "yuejuan token") {
		t.Errorf("no token: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	// Another unit's clerk does not see the case.
	other := in.token("--role", "clerk", "--sub", "clerk09", "--name", "赵书记员", "--unit", "区检察院")
	_, errOut, code = in.runUpload(other, "--case", c.ID, dir)
	if code != 1 || !strings.Contains(errOut, "未找到该案件") || !strings.Contains(errOut, "hint: check the case id") {
		t.Errorf("another unit's case: exit %d, stderr %s", code, errOut)
	}

	// --help has examples.
	help, err := exec.Command(binPath, "upload", "--help").Output()
	if err != nil || !strings.Contains(string(help), "Examples:") || !strings.Contains(string(help), "--dry-run") {
		t.Errorf("upload --help: %v\n%s", err, help)
	}
}

// Each upload URL accepts exactly the size declared for it: a file that
// changed since its material was registered gets a new material (the old
// URL would refuse it), and an empty file is not sent at all.
func TestUploadDeclaresSize(t *testing.T) {
	in := start(t)
	clerk := in.token("--role", "clerk", "--sub", "clerk01", "--name", "王书记员", "--unit", "市检察院")
	var c struct {
		ID string `json:"id"`
	}
	in.call(clerk, "POST", "/api/v1/cases", map[string]any{
		"caseNo": "京检刑诉〔2026〕457号", "title": "王某某盗窃案", "stage": "prosecution_review", "onlineReview": true,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"王某某"},
	}, http.StatusCreated, &c)
	dir := t.TempDir()
	now := testpdf.Text("SIZE-NOW, A LONGER RESCAN")
	writeFile(t, filepath.Join(dir, "01 诉讼文书卷", "1 起诉意见书.pdf"), now)
	writeFile(t, filepath.Join(dir, "01 诉讼文书卷", "2 空白.pdf"), nil)
	var stale upload
	in.call(clerk, "POST", "/api/v1/cases/"+c.ID+"/materials", map[string]any{
		"volume": 1, "volumeTitle": "诉讼文书卷", "seq": 1, "title": "起诉意见书", "filename": "1 起诉意见书.pdf",
		"size": len(testpdf.Text("SIZE-BEFORE"))}, http.StatusCreated, &stale)

	out, errOut, code := in.runUpload(clerk, "--case", c.ID, dir)
	if code != 1 || !strings.Contains(out, "accepted  1/1  起诉意见书") ||
		!strings.Contains(out, "failed    1/2  空白  [01 诉讼文书卷/2 空白.pdf]  01 诉讼文书卷/2 空白.pdf is empty: nothing to upload") {
		t.Fatalf("upload: exit %d, want 1 (the empty file)\n%s%s", code, out, errOut)
	}
	var list struct {
		Materials []struct {
			upload
			Size int64 `json:"size"`
		} `json:"materials"`
	}
	in.call(clerk, "GET", "/api/v1/cases/"+c.ID+"/materials", nil, http.StatusOK, &list)
	if len(list.Materials) != 2 {
		t.Fatalf("%d materials, want the stale one and a new one: %+v", len(list.Materials), list.Materials)
	}
	for _, m := range list.Materials {
		switch {
		case m.ID == stale.ID && m.Status != "awaiting_upload":
			t.Errorf("the stale material (another size) was used: %+v", m)
		case m.ID != stale.ID && (m.Status != "accepted" || m.Size != int64(len(now))):
			t.Errorf("the new material: %+v, want accepted with size %d", m, len(now))
		}
	}
}
