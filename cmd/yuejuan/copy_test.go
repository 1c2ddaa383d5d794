package main

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCopyCommand: assemble a base, then make copies from it with
// `yuejuan copy`, which needs nothing but the base, its sidecar and the
// embedded font (no pdfcpu configuration, nothing under $HOME).
func TestCopyCommand(t *testing.T) {
	for _, tool := range []string{"pdftotext", "qpdf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install poppler-utils and qpdf", tool)
		}
	}
	dir := t.TempDir()
	scans := filepath.Join(dir, "scans", "01 诉讼文书卷")
	if err := os.MkdirAll(scans, 0o755); err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 600, 800))
	for i := range img.Pix {
		img.Pix[i] = 255
		if (i/600)%40 < 3 {
			img.Pix[i] = 40
		}
	}
	img.Set(1, 1, color.Black)
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"1 起诉意见书.jpg", "2 讯问笔录.jpg"} {
		if err := os.WriteFile(filepath.Join(scans, n), jb.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	home := filepath.Join(dir, "home")
	os.Mkdir(home, 0o755)
	yj := func(args ...string) (string, error) {
		cmd := exec.Command(binPath, args...)
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	base := filepath.Join(dir, "base.pdf")
	if out, err := yj("assemble", filepath.Join(dir, "scans"), "--out", base, "--case-no", "京检刑诉〔2025〕12号",
		"--date", "2025-03-01", "--pdfcpu-dir", filepath.Join(dir, "pdfcpu")); err != nil {
		t.Fatalf("assemble: %v\n%s", err, out)
	}
	if _, err := os.Stat(base + ".sidecar.json"); err != nil {
		t.Fatalf("assemble wrote no sidecar: %v", err)
	}
	os.RemoveAll(home)
	os.Mkdir(home, 0o755)

	cp := filepath.Join(dir, "李四.pdf")
	out, err := yj("copy", base, "--out", cp, "--stamp-name", "李四", "--stamp-license", "11101200010123456",
		"--stamp-ref", "YJ-2025-0001", "--date", "2025-03-02")
	if err != nil {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	if !strings.Contains(out, "stamped for 李四") {
		t.Errorf("copy said %q", out)
	}
	if ents, _ := os.ReadDir(home); len(ents) > 0 {
		t.Errorf("copy wrote to $HOME: %v", ents)
	}
	if out, err := exec.Command("qpdf", "--check", cp).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	txt, err := exec.Command("pdftotext", "-enc", "UTF-8", cp, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	stamp := "仅供李四律师阅卷使用·执业证号11101200010123456·申请号YJ-2025-0001·2025-03-02"
	if n := strings.Count(strings.Join(strings.Fields(string(txt)), ""), stamp); n < 4 { // the footer on each of the 4 pages
		t.Errorf("stamp found %d times in:\n%s", n, txt)
	}
	rawBase, _ := os.ReadFile(base)
	rawCopy, _ := os.ReadFile(cp)
	if len(rawCopy) < len(rawBase)/2 || !bytes.Equal(rawCopy[:len(rawBase)/2], rawBase[:len(rawBase)/2]) {
		t.Error("the copy does not start with the base's bytes")
	}

	// No stamp options: the base itself.
	empty := filepath.Join(dir, "empty.pdf")
	if out, err := yj("copy", base, "--out", empty); err != nil {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	if rawEmpty, _ := os.ReadFile(empty); !bytes.Equal(rawEmpty, rawBase) {
		t.Error("a copy without stamp options should equal the base")
	}

	// Mistakes are refused.
	for _, args := range [][]string{
		{"copy", base, "--out", filepath.Join(dir, "x.pdf"), "--stamp-name", "李四"},
		{"copy", base},
		{"copy", cp, "--out", filepath.Join(dir, "y.pdf")}, // no sidecar next to it
	} {
		if out, err := yj(args...); err == nil {
			t.Errorf("%v succeeded: %s", args, out)
		}
	}
}
