package scan

import (
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// qpdfClean reports whether qpdf --check reads file without a warning.
func qpdfClean(t *testing.T, file string) (bool, string) {
	t.Helper()
	out, err := exec.Command(testpdf.Tool(t, "qpdf"), "--check", file).CombinedOutput()
	return err == nil && strings.Contains(string(out), "No syntax or stream encoding errors") && !strings.Contains(string(out), "WARNING"), string(out)
}

// TestIngestRepairsPDF: PDFs that qpdf (and the other readers) read cleanly
// but pdfcpu refuses as they are are accepted, repaired, the repair listed in
// Info.Repaired; their pages and text survive, the output passes qpdf --check
// and needs no repair when ingested again.
func TestIngestRepairsPDF(t *testing.T) {
	dir := t.TempDir()
	for i, f := range repairFixtures() {
		t.Run(f.class+"/"+f.name, func(t *testing.T) {
			src := testpdf.WriteFile(t, filepath.Join(dir, strings.ReplaceAll(f.class, " ", "_")+"-"+itoa(i)+".pdf"), f.data)
			if ok, out := qpdfClean(t, src); !ok {
				t.Fatalf("fixture not clean for qpdf:\n%s", out)
			}
			info, dst, err := ingest(t, src, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Pages != len(f.markers) || info.Kind != "pdf" {
				t.Fatalf("info = %+v, want %d pages", info, len(f.markers))
			}
			testpdf.QPDFCheck(t, dst)
			for p, m := range f.markers {
				if got := testpdf.PageText(t, dst, p+1); !strings.Contains(got, m) {
					t.Errorf("page %d: %q, want %s", p+1, got, m)
				}
			}
			for _, want := range f.repairs {
				found := false
				for _, r := range info.Repaired {
					found = found || strings.Contains(r, want)
				}
				if !found {
					t.Errorf("Repaired = %q, want an entry with %q", info.Repaired, want)
				}
			}
			if len(f.repairs) == 0 && len(info.Repaired) > 0 {
				t.Errorf("Repaired = %q, want none", info.Repaired)
			}
			again, _, err := ingest(t, dst, Limits{})
			if err != nil || again.Pages != info.Pages || len(again.Repaired) > 0 {
				t.Errorf("ingesting the output again: %+v %v", again, err)
			}
		})
	}
}

// truncatedAt cuts data in the middle of the content stream showing marker.
func truncatedAt(data []byte, marker string) []byte {
	i := strings.Index(string(data), marker)
	return append([]byte{}, data[:i]...)
}

// TestIngestRepairKeepsRefusals: the repairs do not let damaged or
// password-protected files through.
func TestIngestRepairKeepsRefusals(t *testing.T) {
	dir := t.TempDir()
	fs := repairFixtures()
	byName := map[string][]byte{}
	for _, f := range fs {
		byName[f.name] = f.data
	}
	prefixed := byName["PostScript job header"]
	filters := byName["in a /Filter array, as /Filter, as /DecodeParms"]
	// the indirect filter names a filter pdfcpu does not know
	badFilter := []byte(strings.Replace(string(filters), "10 0 obj\n/FlateDecode", "10 0 obj\n/FooDecode  ", 1))
	cases := []struct {
		name string
		data []byte
		code string
	}{
		{"prefix, truncated", truncatedAt(prefixed, "THIRDPAGE"), CodeCorruptPDF},
		{"header 1.8, truncated", truncatedAt(byName["header %PDF-1.8"], "SECONDPAGE"), CodeCorruptPDF},
		{"indirect filter naming an unknown filter", badFilter, CodeCorruptPDF},
		{"odd catalog, page tree broken", []byte(strings.Replace(string(byName["/Lang a name"]), "/Kids [4 0 R 6 0 R 8 0 R]", "/Kids 99 0 R             ", 1)), CodeCorruptPDF},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, dst, err := ingest(t, testpdf.WriteFile(t, filepath.Join(dir, "refused-"+itoa(i)+".pdf"), tc.data), Limits{})
			rej, ok := err.(*Rejection)
			if !ok || rej.Code != tc.code {
				t.Fatalf("got %v, want a %s rejection", err, tc.code)
			}
			if _, err := os.Stat(dst); !os.IsNotExist(err) {
				t.Errorf("rejected file left output")
			}
		})
	}
}
