package dossier

// BenchmarkAssemblePaths (issue 4) measures a dossier of scanned pages built
// from a clerk's upload of 150 dpi A4 JPEG scans, one file per page, each
// ingested (Ingest) to a one-page PDF beforehand:
//
//	(a) the base: AssembleBase over the ingested documents (cover,
//	    卷内目录, page numbers, bookmarks, stamp slots, sidecar),
//	(b) one stamped copy of that base, as the service makes it
//	    (CopyFile: sidecar, byte prefix, stamp tail), and, for reference,
//	    the pdfcpu re-stamp (StampCopy) that reads and rewrites everything,
//	(c) qpdf doing the same merge of the same ingested PDFs
//	    (qpdf --empty --pages f1.pdf f2.pdf ... -- out.pdf),
//
// each in its own process, so that its peak RSS can be read, with the
// generator, the child processes and the RSS sampling of BenchmarkCopyPaths.
// The ingested PDFs are cached in benchCacheDir()/ingested-<pages>.
//
// YUEJUAN_BENCH_ASSEMBLE_PAGES picks the sizes (default "100,1000"),
// YUEJUAN_BENCH_RUNS the repetitions (default 3; the median time is shown).

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const benchAssembleDocsPerVolume = 100 // one-page documents per volume

// benchIngested returns the paths of pages one-page PDFs ingested from the
// 150 dpi scans of benchScans (cached), and the time the ingest took when
// they were made (0 if they came from the cache).
func benchIngested(b *testing.B, pages int) ([]string, time.Duration) {
	b.Helper()
	dir := filepath.Join(benchCacheDir(), fmt.Sprintf("ingested-%d", pages))
	paths := make([]string, pages)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("page-%05d.pdf", i+1))
	}
	done := filepath.Join(dir, "done")
	if _, err := os.Stat(done); err == nil {
		return paths, 0
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	// The scans as a scanner writes them: JPEGs saying 150 dpi, so that
	// Ingest makes A4 pages of them at their real size.
	var srcs []string
	for i, data := range benchScans(b, false) {
		srcs = append(srcs, writeFile(b, filepath.Join(dir, fmt.Sprintf("scan-%02d.jpg", i)), withJFIF(data, 150)))
	}
	start := time.Now()
	for i, p := range paths {
		if _, err := Ingest(context.Background(), srcs[i%len(srcs)], p, DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
	took := time.Since(start)
	for _, s := range srcs {
		os.Remove(s)
	}
	writeFile(b, done, nil)
	return paths, took
}

// benchIngestedDocs is the dossier's documents: one per ingested page, in
// volumes of benchAssembleDocsPerVolume.
func benchIngestedDocs(paths []string) []Document {
	docs := make([]Document, len(paths))
	for i, p := range paths {
		vol := i/benchAssembleDocsPerVolume + 1
		docs[i] = Document{Volume: vol, VolumeTitle: fmt.Sprintf("证据材料卷（%d）", vol), Seq: i,
			Title: fmt.Sprintf("询问笔录 %d", i+1), Path: p}
	}
	return docs
}

// benchChildAssemble is (a) in a child process: dir holds the ingested
// PDFs. It returns when the measured work started (after the one-time
// font set-up).
func benchChildAssemble(dir, out string) (time.Time, error) {
	if err := Setup(os.Getenv("YUEJUAN_BENCH_PDFCPU")); err != nil {
		return time.Now(), err
	}
	start := time.Now()
	paths, err := filepath.Glob(filepath.Join(dir, "page-*.pdf"))
	if err != nil {
		return start, err
	}
	_, err = AssembleBase(context.Background(), testCase, benchIngestedDocs(paths), out, AssembleOptions{})
	return start, err
}

func BenchmarkAssemblePaths(b *testing.B) {
	qpdf := tool(b, "qpdf")
	sizes := "100,1000"
	if s := os.Getenv("YUEJUAN_BENCH_ASSEMBLE_PAGES"); s != "" {
		sizes = s
	}
	runs := 3
	if s := os.Getenv("YUEJUAN_BENCH_RUNS"); s != "" {
		runs, _ = strconv.Atoi(s)
		runs = max(runs, 1)
	}
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	pdfcpuDir := filepath.Join(benchCacheDir(), "pdfcpu")
	work := b.TempDir()
	base, cp, merged := filepath.Join(work, "base.pdf"), filepath.Join(work, "copy.pdf"), filepath.Join(work, "qpdf.pdf")
	child := func(mode, in, out string) *exec.Cmd {
		cmd := exec.Command(self, "-test.run=^$")
		cmd.Env = append(os.Environ(), benchChildEnv+"="+mode, "YUEJUAN_BENCH_BASE="+in,
			"YUEJUAN_BENCH_OUT="+out, "YUEJUAN_BENCH_PDFCPU="+pdfcpuDir)
		return cmd
	}
	size := func(p string) int64 {
		st, err := os.Stat(p)
		if err != nil {
			b.Fatal(err)
		}
		return st.Size()
	}

	type row struct {
		scans, pages                   int
		inBytes, baseBytes, qpdfBytes  int64
		ingest                         time.Duration
		assemble, copy, restamp, qpdfr benchRun
	}
	var rows []row
	for _, spec := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(spec))
		if err != nil || n <= 0 {
			b.Fatalf("YUEJUAN_BENCH_ASSEMBLE_PAGES: bad size %q", spec)
		}
		paths, ingest := benchIngested(b, n)
		dir := filepath.Dir(paths[0])
		rw := row{scans: n, ingest: ingest}
		for _, p := range paths {
			rw.inBytes += size(p)
		}
		qargs := append(append([]string{"--empty", "--pages"}, paths...), "--", merged)
		if len(rows) == 0 { // warm-up: the font installed, binaries and inputs in the page cache
			benchProc(b, child("assemble", dir, base))
			benchProc(b, child("stampcopy", base, cp))
			benchProc(b, exec.Command(qpdf, qargs...))
		}
		var a, c, s, q []benchRun
		for i := 0; i < runs; i++ {
			os.Remove(base)
			a = append(a, benchProc(b, child("assemble", dir, base)))
			c = append(c, benchProc(b, child("copy", base, cp)))
			os.Remove(cp)
			s = append(s, benchProc(b, child("stampcopy", base, cp)))
			os.Remove(cp)
			os.Remove(merged)
			q = append(q, benchProc(b, exec.Command(qpdf, qargs...)))
		}
		sc, err := ReadSidecar(SidecarPath(base))
		if err != nil {
			b.Fatal(err)
		}
		if got := strings.TrimSpace(run(b, "qpdf", "--show-npages", merged)); got != strconv.Itoa(n) {
			b.Fatalf("qpdf merged %s pages, want %d", got, n)
		}
		rw.pages, rw.baseBytes, rw.qpdfBytes = sc.Pages, size(base), size(merged)
		rw.assemble, rw.copy, rw.restamp, rw.qpdfr = median(a), median(c), median(s), median(q)
		rows = append(rows, rw)
		b.ReportMetric(float64(rw.assemble.wall.Milliseconds()), "assemble-ms/"+spec)
		b.ReportMetric(float64(rw.qpdfr.wall.Milliseconds()), "qpdf-ms/"+spec)
	}

	ms := func(d time.Duration) string {
		if d < 10*time.Millisecond {
			return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
		}
		return fmt.Sprintf("%s ms", commas(d.Milliseconds()))
	}
	mb := func(n int64) string { return fmt.Sprintf("%s MiB", commas((n+1<<19)>>20)) }
	var t strings.Builder
	fmt.Fprintf(&t, "\nA dossier of 150 dpi A4 JPEG scans, one ingested one-page PDF per scan, %d to a volume (each step in its own process; wall time incl. start-up, median of %d; peak RSS):\n\n", benchAssembleDocsPerVolume, runs)
	t.WriteString("| scans | ingested PDFs | (a) base, AssembleBase: time / peak RSS | base: pages / size | (b) stamped copy, CopyFile: time / peak RSS | (b′) pdfcpu re-stamp, StampCopy: time / peak RSS | (c) qpdf --empty --pages: time / peak RSS | qpdf output |\n")
	t.WriteString("|---:|---:|---|---|---|---|---|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&t, "| %s | %s | %s / %s | %s / %s | %s / %s | %s / %s | %s / %s | %s |\n",
			commas(int64(r.scans)), mb(r.inBytes), ms(r.assemble.wall), mb(r.assemble.rss), commas(int64(r.pages)), mb(r.baseBytes),
			ms(r.copy.wall), mb(r.copy.rss), ms(r.restamp.wall), mb(r.restamp.rss), ms(r.qpdfr.wall), mb(r.qpdfr.rss), mb(r.qpdfBytes))
	}
	t.WriteString("\nInside the processes: AssembleBase took ")
	for i, r := range rows {
		if i > 0 {
			t.WriteString(", ")
		}
		t.WriteString(ms(r.assemble.op))
	}
	t.WriteString("; CopyFile ")
	for i, r := range rows {
		if i > 0 {
			t.WriteString(", ")
		}
		t.WriteString(ms(r.copy.op))
	}
	t.WriteString("; StampCopy ")
	for i, r := range rows {
		if i > 0 {
			t.WriteString(", ")
		}
		t.WriteString(ms(r.restamp.op))
	}
	t.WriteString(".\n")
	for _, r := range rows {
		if r.ingest > 0 {
			fmt.Fprintf(&t, "Ingesting the %d JPEGs (in this process, cached for later runs) took %s.\n", r.scans, ms(r.ingest))
		}
	}
	fmt.Print(t.String())
}

// commas writes n with thousands separators (1,003).
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
