package main

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// assembleScan is a small gray JPEG scan with a few lines of "text".
func assembleScan(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 600, 800))
	for i := range img.Pix {
		img.Pix[i] = 250
		if (i/600)%40 < 3 {
			img.Pix[i] = shade
		}
	}
	img.Set(1, 1, color.Black)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func assembleWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// assembleRun runs `yuejuan assemble` with a private HOME and pdfcpu dir.
func assembleRun(t *testing.T, work string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	home := filepath.Join(work, "home")
	os.MkdirAll(home, 0o755)
	args = append([]string{"assemble"}, args...)
	args = append(args, "--pdfcpu-dir", filepath.Join(work, "pdfcpu"))
	return runCLI(t, []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config")}, args...)
}

// squashText is the text of a PDF with all white space removed.
func squashText(t *testing.T, file string, first, last int) string {
	t.Helper()
	out, err := exec.Command("pdftotext", "-f", strconv.Itoa(first), "-l", strconv.Itoa(last), "-enc", "UTF-8", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), "")
}

// TestAssembleManifest: manifest.json reorders and retitles the documents;
// the cover, the 卷内目录 and the command's listing follow it.
func TestAssembleManifest(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext not found: install poppler-utils")
	}
	work := t.TempDir()
	dir := filepath.Join(work, "scans")
	// File names whose own order (a, b, c) is not the manifest's.
	assembleWrite(t, filepath.Join(dir, "01", "a.jpg"), assembleScan(t, 40))
	assembleWrite(t, filepath.Join(dir, "01", "b.jpg"), assembleScan(t, 60))
	assembleWrite(t, filepath.Join(dir, "x", "c.jpg"), assembleScan(t, 80))
	assembleWrite(t, filepath.Join(dir, "manifest.json"), []byte(`{
  "caseNo": "京检刑诉〔2025〕12号",
  "title": "张某某盗窃案",
  "unit": "某区人民检察院",
  "volumes": [
    {"volume": 1, "title": "诉讼文书卷", "documents": [
      {"file": "01/b.pdf-not-this", "title": "x"}
    ]}
  ]
}`))
	// First a manifest naming a missing file: exit 2, nothing written.
	out := filepath.Join(work, "dossier.pdf")
	_, stderr, code := assembleRun(t, work, dir, "--out", out, "--date", "2025-03-01")
	if code != 2 || !strings.Contains(stderr, `"01/b.pdf-not-this": no such file`) {
		t.Fatalf("missing file: exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a dossier was written despite the problems")
	}

	assembleWrite(t, filepath.Join(dir, "manifest.json"), []byte(`{
  "caseNo": "京检刑诉〔2025〕12号",
  "title": "张某某盗窃案",
  "unit": "某区人民检察院",
  "volumes": [
    {"volume": 1, "title": "诉讼文书卷", "documents": [
      {"file": "01/b.jpg", "title": "起诉意见书"},
      {"file": "x/c.jpg", "title": "讯问笔录"}
    ]},
    {"volume": 3, "title": "证据材料卷", "documents": [
      {"file": "01/a.jpg", "title": "现场勘验笔录"}
    ]}
  ]
}`))
	stdout, stderr, code := assembleRun(t, work, dir, "--out", out, "--date", "2025-03-01")
	if code != 0 {
		t.Fatalf("assemble: exit %d\n%s%s", code, stdout, stderr)
	}
	// Cover, TOC of volume 1, two pages, TOC of volume 3, one page.
	for _, want := range []string{"第 1 卷 诉讼文书卷", "第 3 卷 证据材料卷", "起诉意见书", "讯问笔录", "现场勘验笔录"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("listing lacks %q:\n%s", want, stdout)
		}
	}
	cover := squashText(t, out, 1, 1)
	for _, want := range []string{"京检刑诉〔2025〕12号", "张某某盗窃案", "某区人民检察院"} {
		if !strings.Contains(cover, want) {
			t.Errorf("cover lacks %q: %s", want, cover)
		}
	}
	toc1 := squashText(t, out, 2, 2)
	i, j := strings.Index(toc1, "起诉意见书"), strings.Index(toc1, "讯问笔录")
	if i < 0 || j < 0 || i > j || !strings.Contains(toc1, "诉讼文书卷") {
		t.Errorf("volume 1's 卷内目录 should list 起诉意见书 then 讯问笔录: %s", toc1)
	}
	if strings.Contains(toc1, "现场勘验笔录") {
		t.Errorf("volume 1's 卷内目录 lists a document of volume 3: %s", toc1)
	}
	toc3 := squashText(t, out, 5, 5)
	if !strings.Contains(toc3, "证据材料卷") || !strings.Contains(toc3, "现场勘验笔录") {
		t.Errorf("page 5 should be volume 3's 卷内目录: %s", toc3)
	}
	for _, name := range []string{"a", "b", "c"} { // the file names are not the titles
		if strings.Contains(toc1+toc3, name+".jpg") {
			t.Errorf("a 卷内目录 shows the file name %s.jpg", name)
		}
	}

	// The flags override the manifest's cover fields.
	if _, stderr, code := assembleRun(t, work, dir, "--out", out, "--date", "2025-03-01", "--title", "另案"); code != 0 {
		t.Fatalf("assemble --title: exit %d\n%s", code, stderr)
	}
	if cover := squashText(t, out, 1, 1); !strings.Contains(cover, "另案") || strings.Contains(cover, "张某某盗窃案") {
		t.Errorf("--title should override the manifest's title: %s", cover)
	}
}

// TestAssembleManifestProblems: every problem of a bad manifest is listed at
// once, with exit status 2.
func TestAssembleManifestProblems(t *testing.T) {
	work := t.TempDir()
	dir := filepath.Join(work, "scans")
	assembleWrite(t, filepath.Join(dir, "01", "a.jpg"), assembleScan(t, 40))
	assembleWrite(t, filepath.Join(dir, "01", "forgotten.jpg"), assembleScan(t, 40))
	assembleWrite(t, filepath.Join(work, "outside.jpg"), assembleScan(t, 40))
	assembleWrite(t, filepath.Join(dir, "manifest.json"), []byte(`{
  "caseNo": "京检刑诉〔2025〕12号",
  "titel": "typo",
  "volumes": [
    {"volume": 2, "title": "诉讼文书卷", "documents": [
      {"file": "01/a.jpg", "title": "起诉意见书", "pages": 3},
      {"file": "01/missing.pdf"},
      {"file": "../outside.jpg"},
      {"file": "01/a.jpg"}
    ]},
    {"volume": 1, "documents": []},
    {"title": 7, "documents": [{"title": "no file"}]}
  ]
}`))
	out := filepath.Join(work, "dossier.pdf")
	stdout, stderr, code := assembleRun(t, work, dir, "--out", out)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		`manifest.json titel: unknown field`,
		`manifest.json volumes[0].documents[0].pages: unknown field`,
		`manifest.json volumes[0].documents[1].file: "01/missing.pdf": no such file in the directory`,
		`manifest.json volumes[0].documents[2].file: "../outside.jpg": want a relative path inside the directory`,
		`manifest.json volumes[0].documents[3].file: "01/a.jpg": already listed at volumes[0].documents[0].file`,
		`manifest.json volumes[1].volume: 1 after volume 2: volumes must be listed in increasing number order`,
		`manifest.json volumes[1].documents: want a non-empty list of documents`,
		`manifest.json volumes[2].title: want a string`,
		`manifest.json volumes[2].documents[0]: "file" is missing`,
		`manifest.json: "01/forgotten.jpg" is in the directory but not listed`,
		"10 problems",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a dossier was written despite the problems")
	}

	// Not JSON at all: one problem, with its position.
	assembleWrite(t, filepath.Join(dir, "manifest.json"), []byte("{\n  \"volumes\": [,]\n}"))
	_, stderr, code = assembleRun(t, work, dir, "--out", out)
	if code != 2 || !strings.Contains(stderr, "manifest.json: line 2, column") {
		t.Errorf("a syntax error: exit %d, stderr:\n%s", code, stderr)
	}
}

// TestAssembleBadFiles: files that cannot be used are all listed with exit
// status 2 (with the flag problems too); --placeholders builds anyway.
func TestAssembleBadFiles(t *testing.T) {
	work := t.TempDir()
	dir := filepath.Join(work, "scans")
	assembleWrite(t, filepath.Join(dir, "01 诉讼文书卷", "1 起诉意见书.jpg"), assembleScan(t, 40))
	assembleWrite(t, filepath.Join(dir, "01 诉讼文书卷", "2 broken.pdf"), []byte("%PDF-1.4\n1 0 obj\n<<"))
	assembleWrite(t, filepath.Join(dir, "02 证据材料卷", "1 notes.jpg"), []byte("this is not an image"))
	out := filepath.Join(work, "dossier.pdf")

	_, stderr, code := assembleRun(t, work, dir, "--out", out, "--date", "2025-02-30", "--stamp-name", "李四")
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, stderr)
	}
	for _, want := range []string{"2 broken.pdf:", "1 notes.jpg:", `--date "2025-02-30"`, "stamping needs all of", "4 problems"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a dossier was written despite the problems")
	}

	stdout, stderr, code := assembleRun(t, work, dir, "--out", out, "--placeholders")
	if code != 0 {
		t.Fatalf("--placeholders: exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.Count(stdout, "[slip-sheet]") != 2 || strings.Count(stderr, "slip-sheet for") != 2 {
		t.Errorf("want two slip-sheets:\n%s%s", stdout, stderr)
	}

	// Bad flags and arguments exit 2 as well.
	if _, stderr, code := assembleRun(t, work, dir, "--out", out, "--no-such-flag"); code != 2 || !strings.Contains(stderr, "no-such-flag") {
		t.Errorf("unknown flag: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := assembleRun(t, work, dir, dir, "--out", out); code != 2 || !strings.Contains(stderr, "want one DIR") {
		t.Errorf("two arguments: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := assembleRun(t, work, filepath.Join(work, "nope"), "--out", out); code != 2 || !strings.Contains(stderr, "not a readable directory") {
		t.Errorf("missing DIR: exit %d\n%s", code, stderr)
	}
}
