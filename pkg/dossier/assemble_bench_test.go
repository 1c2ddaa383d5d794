package dossier

// BenchmarkAssemblePaths (issues 4 and 19) measures a dossier of scanned
// pages built from a clerk's upload of 150 dpi A4 JPEG scans, one file per
// page, each ingested (Ingest) to a one-page PDF beforehand:
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
// The ingested PDFs are cached in benchCacheDir()/ingested-<pages>; sets of
// more than 1,000 pages are the 1,000-page set hard-linked over and over
// (the same bytes as ingesting that many scans of the 16-scan pool, without
// the hours of ingest; both sides read the same files).
//
// YUEJUAN_BENCH_ASSEMBLE_PAGES picks the sizes (default "1000,5000,20000";
// the 20,000-page run writes two 5 GB files, one at a time, into the test's
// temporary directory), YUEJUAN_BENCH_RUNS the repetitions (default 3; the
// median time is shown). The pdfcpu re-stamp (b′) is run up to 5,000 pages:
// it holds the whole base in memory.

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/scan"
)

const (
	benchAssembleDocsPerVolume = 100  // one-page documents per volume
	benchIngestUnit            = 1000 // bigger sets are this one hard-linked
	benchRestampMaxPages       = 5000 // StampCopy holds the base in memory
)

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
	if pages > benchIngestUnit {
		unit, _ := benchIngested(b, benchIngestUnit)
		for i, p := range paths {
			if err := os.Link(unit[i%len(unit)], p); err != nil {
				b.Fatal(err)
			}
		}
		testpdf.WriteFile(b, done, nil)
		return paths, 0
	}
	// The scans as a scanner writes them: JPEGs saying 150 dpi, so that
	// Ingest makes A4 pages of them at their real size.
	var srcs []string
	for i, data := range benchScans(b, false) {
		srcs = append(srcs, testpdf.WriteFile(b, filepath.Join(dir, fmt.Sprintf("scan-%02d.jpg", i)), testpdf.WithJFIF(data, 150)))
	}
	start := time.Now()
	for i, p := range paths {
		if _, err := scan.Ingest(context.Background(), srcs[i%len(srcs)], p, scan.DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
	took := time.Since(start)
	for _, s := range srcs {
		os.Remove(s)
	}
	testpdf.WriteFile(b, done, nil)
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
	// The byte ceiling is the assemble job's /tmp; here the 20,000-page set
	// (5 GB) is built too.
	_, err = AssembleBase(context.Background(), testCase, benchIngestedDocs(paths), out, AssembleOptions{MaxBytes: math.MaxInt64})
	return start, err
}

func BenchmarkAssemblePaths(b *testing.B) {
	qpdf := testpdf.Tool(b, "qpdf")
	sizes := "1000,5000,20000"
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
		// qpdf gets the names relative to the folder (20,000 full paths
		// would crowd the argument list).
		qargs := []string{"--empty", "--pages"}
		for _, p := range paths {
			qargs = append(qargs, filepath.Base(p))
		}
		qargs = append(qargs, "--", merged)
		qpdfCmd := func() *exec.Cmd {
			cmd := exec.Command(qpdf, qargs...)
			cmd.Dir = dir
			return cmd
		}
		restamp := n <= benchRestampMaxPages
		if len(rows) == 0 { // warm-up: the font installed, binaries and inputs in the page cache
			benchProc(b, child("assemble", dir, base))
			if restamp {
				benchProc(b, child("stampcopy", base, cp))
			}
			benchProc(b, qpdfCmd())
		}
		var a, c, s, q []benchRun
		for i := 0; i < runs; i++ {
			os.Remove(base)
			os.Remove(merged) // one 5 GB file at a time at 20,000 pages
			a = append(a, benchProc(b, child("assemble", dir, base)))
			c = append(c, benchProc(b, child("copy", base, cp)))
			os.Remove(cp)
			if restamp {
				s = append(s, benchProc(b, child("stampcopy", base, cp)))
				os.Remove(cp)
			}
			rw.baseBytes = size(base)
			os.Remove(base)
			q = append(q, benchProc(b, qpdfCmd()))
			if i+1 < runs {
				os.Remove(merged)
			}
		}
		sc, err := ReadSidecar(SidecarPath(base))
		if err != nil {
			b.Fatal(err)
		}
		if got := strings.TrimSpace(testpdf.Run(b, "qpdf", "--show-npages", merged)); got != strconv.Itoa(n) {
			b.Fatalf("qpdf merged %s pages, want %d", got, n)
		}
		rw.pages, rw.qpdfBytes = sc.Pages, size(merged)
		os.Remove(merged)
		rw.assemble, rw.copy, rw.qpdfr = median(a), median(c), median(q)
		if restamp {
			rw.restamp = median(s)
		}
		rows = append(rows, rw)
		b.ReportMetric(float64(rw.assemble.wall.Milliseconds()), "assemble-ms/"+spec)
		b.ReportMetric(float64(rw.qpdfr.wall.Milliseconds()), "qpdf-ms/"+spec)
		b.ReportMetric(float64(rw.assemble.rss)/(1<<20), "assemble-MiB/"+spec)
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
	t.WriteString("| scans | ingested PDFs | (a) base, AssembleBase: time / peak RSS | base: pages / size | (b) stamped copy, CopyFile: time / peak RSS | (b′) pdfcpu re-stamp, StampCopy: time / peak RSS | (c) qpdf --empty --pages: time / peak RSS | qpdf output | (a) ÷ (c): time / RSS |\n")
	t.WriteString("|---:|---:|---|---|---|---|---|---:|---|\n")
	for _, r := range rows {
		restamp := "—"
		if r.restamp.wall > 0 {
			restamp = ms(r.restamp.wall) + " / " + mb(r.restamp.rss)
		}
		fmt.Fprintf(&t, "| %s | %s | %s / %s | %s / %s | %s / %s | %s | %s / %s | %s | %.2f× / %.1f× |\n",
			commas(int64(r.scans)), mb(r.inBytes), ms(r.assemble.wall), mb(r.assemble.rss), commas(int64(r.pages)), mb(r.baseBytes),
			ms(r.copy.wall), mb(r.copy.rss), restamp, ms(r.qpdfr.wall), mb(r.qpdfr.rss), mb(r.qpdfBytes),
			float64(r.assemble.wall)/float64(r.qpdfr.wall), float64(r.assemble.rss)/float64(max(r.qpdfr.rss, 1)))
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
		if r.restamp.wall > 0 {
			t.WriteString(ms(r.restamp.op))
		} else {
			t.WriteString("—")
		}
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
