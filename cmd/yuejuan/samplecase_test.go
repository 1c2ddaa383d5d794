package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The shared sample case (testdata/ at the repository root), written by
// go run ./testdata/gen.
const (
	sampleRoot = "../../testdata"
	sampleCase = sampleRoot + "/sample-case"
	sampleTOC  = sampleRoot + "/sample-case.toc.txt"
)

// TestSampleCaseTOC: `yuejuan assemble testdata/sample-case` builds a dossier
// whose 卷内目录 pages show what testdata/sample-case.toc.txt says, line by
// line (white space aside), on the pages it names.
func TestSampleCaseTOC(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext not found: install poppler-utils")
	}
	want, err := os.ReadFile(sampleTOC)
	if err != nil {
		t.Fatal(err)
	}
	pages := map[int][]string{} // page → expected lines
	var order []int
	cur := -1
	for _, line := range strings.Split(string(want), "\n") {
		switch {
		case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "":
		case strings.HasPrefix(line, "== page "):
			n, err := strconv.Atoi(strings.TrimPrefix(line, "== page "))
			if err != nil {
				t.Fatalf("%s: bad line %q", sampleTOC, line)
			}
			cur = n
			order = append(order, n)
		case cur < 0:
			t.Fatalf("%s: %q before the first \"== page\"", sampleTOC, line)
		default:
			pages[cur] = append(pages[cur], line)
		}
	}
	if len(order) == 0 {
		t.Fatalf("%s names no page", sampleTOC)
	}

	work := t.TempDir()
	out := filepath.Join(work, "dossier.pdf")
	stdout, stderr, code := assembleRun(t, work, sampleCase, "--out", out, "--date", "2025-03-01")
	if code != 0 {
		t.Fatalf("yuejuan assemble %s: exit %d\n%s%s", sampleCase, code, stdout, stderr)
	}
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	for _, p := range order {
		raw, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", "-f", strconv.Itoa(p), "-l", strconv.Itoa(p), out, "-").CombinedOutput()
		if err != nil {
			t.Fatalf("pdftotext page %d: %v\n%s", p, err, raw)
		}
		var got []string
		for _, line := range strings.Split(string(raw), "\n") {
			if s := squash(line); s != "" {
				got = append(got, s)
			}
		}
		exp := pages[p]
		for i := range max(len(got), len(exp)) {
			var g, e string
			if i < len(got) {
				g = got[i]
			}
			if i < len(exp) {
				e = squash(exp[i])
			}
			if g != e {
				t.Errorf("page %d, line %d: got %q, want %q\npage %d as pdftotext -layout shows it:\n%s", p, i+1, g, e, p, raw)
				break
			}
		}
	}
}

// TestSampleCaseReproducible: running the generator again writes exactly the
// files in testdata/, byte for byte, and no others.
func TestSampleCaseReproducible(t *testing.T) {
	tmp := t.TempDir()
	cmd := exec.Command("go", "run", "./testdata/gen", "-out", tmp)
	cmd.Dir = filepath.Join(sampleRoot, "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./testdata/gen: %v\n%s", err, out)
	}
	files := func(root string, names ...string) map[string][]byte {
		m := map[string][]byte{}
		for _, name := range names {
			filepath.WalkDir(filepath.Join(root, name), func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					t.Fatal(err)
				}
				if !d.IsDir() {
					data, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					rel, _ := filepath.Rel(root, p)
					m[filepath.ToSlash(rel)] = data
				}
				return nil
			})
		}
		return m
	}
	got := files(tmp, "sample-case", "sample-case.toc.txt")
	have := files(sampleRoot, "sample-case", "sample-case.toc.txt")
	for name, data := range got {
		if old, ok := have[name]; !ok {
			t.Errorf("testdata/%s is not checked in (run go run ./testdata/gen and commit it)", name)
		} else if !bytes.Equal(old, data) {
			t.Errorf("testdata/%s differs from what the generator writes (%d bytes, checked in %d)", name, len(data), len(old))
		}
	}
	for name := range have {
		if _, ok := got[name]; !ok {
			t.Errorf("testdata/%s is not written by the generator (remove it, or generate it)", name)
		}
	}
}
