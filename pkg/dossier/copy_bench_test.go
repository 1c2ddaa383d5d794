package dossier

// BenchmarkCopyPaths compares, on bases of scanned pages, the cost of one
// per-lawyer copy made
//
//	(a) the composed way: MakeCopy's tail after the base's byte prefix
//	    (CopyFile: sidecar read, prefix copied file to file, tail appended),
//	(b) the old way: StampCopy, pdfcpu reading and rewriting the whole file,
//	(c) by qpdf overlaying a one-page stamp on every page
//	    (qpdf --overlay stamp.pdf --repeat=1 -- base.pdf out.pdf),
//
// each in its own process so its peak RSS can be measured (the test binary
// re-executes itself for (a) and (b)), and prints one table. Bases are built
// once into os.TempDir()/yuejuan-bench-<version> and reused across runs (a
// 5,000-page base takes minutes to build on a small machine).
//
// YUEJUAN_BENCH_PAGES picks the sizes (default "100,1000,1000x2,5000"; a size with
// the suffix "x2" uses scans of twice the bytes, e.g. "1000x2"),
// YUEJUAN_BENCH_RUNS the repetitions per path (default 3; the median time
// is shown).

import (
	"bytes"
	"context"
	"fmt"
	"github.com/yuejuan/yuejuan/internal/testpdf"
	"image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	benchCacheVersion = "1"
	benchChildEnv     = "YUEJUAN_BENCH_CHILD" // mode of a re-executed test binary
	benchDocPages     = 25                    // pages per document of a bench base
)

func benchCacheDir() string {
	return filepath.Join(os.TempDir(), "yuejuan-bench-"+benchCacheVersion)
}

// benchScans returns a pool of 16 distinct scans (heavy: 212 dpi, about
// twice the bytes), cached on disk.
func benchScans(b *testing.B, heavy bool) [][]byte {
	b.Helper()
	dir := filepath.Join(benchCacheDir(), "scans")
	if heavy {
		dir += "-x2"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	var pool [][]byte
	for i := 0; i < 16; i++ {
		p := filepath.Join(dir, fmt.Sprintf("scan-%02d.jpg", i))
		data, err := os.ReadFile(p)
		if err != nil {
			if heavy {
				data = testpdf.ScanJPEG(int64(i+100), 1754, 2480, 4, 75)
			} else {
				data = testpdf.ScanJPEG(int64(i+1), 1240, 1754, 3, 70)
			}
			if err := writeFileAtomic(context.Background(), p, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
				b.Fatal(err)
			}
		}
		pool = append(pool, data)
	}
	return pool
}

// jpegPagesPDF writes a PDF whose pages each show one JPEG on A4, as a
// scanner's PDF does.
func jpegPagesPDF(path string, scans [][]byte) error {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	var offs []int
	obj := func(s string, stream []byte) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s", len(offs), s)
		if stream != nil {
			b.WriteString("\nstream\n")
			b.Write(stream)
			b.WriteString("\nendstream")
		}
		b.WriteString("\nendobj\n")
	}
	kids := make([]string, len(scans))
	for i := range scans {
		kids[i] = fmt.Sprintf("%d 0 R", 3+3*i)
	}
	obj("<</Type/Catalog/Pages 2 0 R>>", nil)
	obj(fmt.Sprintf("<</Type/Pages/Count %d/Kids[%s]>>", len(scans), strings.Join(kids, " ")), nil)
	for i, s := range scans {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(s))
		if err != nil {
			return err
		}
		n := 3 + 3*i
		obj(fmt.Sprintf("<</Type/Page/Parent 2 0 R/MediaBox[0 0 595.28 841.89]/Resources<</XObject<</Im0 %d 0 R>>>>/Contents %d 0 R>>", n+2, n+1), nil)
		content := []byte("q 595.28 0 0 841.89 0 0 cm /Im0 Do Q")
		obj(fmt.Sprintf("<</Length %d>>", len(content)), content)
		obj(fmt.Sprintf("<</Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace/DeviceGray/BitsPerComponent 8/Filter/DCTDecode/Length %d>>",
			cfg.Width, cfg.Height, len(s)), s)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// benchBase returns a cached base of pages scanned pages (plus cover and
// tables of contents), building it if needed.
func benchBase(b *testing.B, pages int, heavy bool) string {
	b.Helper()
	name := fmt.Sprintf("base-%d", pages)
	if heavy {
		name += "x2"
	}
	base := filepath.Join(benchCacheDir(), name+".pdf")
	if sc, err := ReadSidecar(SidecarPath(base)); err == nil {
		if f, err := os.Open(base); err == nil {
			st, _ := f.Stat()
			err = CheckBase(f, st.Size(), sc)
			f.Close()
			if err == nil {
				return base
			}
		}
	}
	start := time.Now()
	scans := benchScans(b, heavy)
	dir, err := os.MkdirTemp(benchCacheDir(), "docs-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	var docs []Document
	for i := 0; i*benchDocPages < pages; i++ {
		n := min(benchDocPages, pages-i*benchDocPages)
		var pg [][]byte
		for j := 0; j < n; j++ {
			pg = append(pg, scans[(i*benchDocPages+j)%len(scans)])
		}
		p := filepath.Join(dir, fmt.Sprintf("doc-%04d.pdf", i))
		if err := jpegPagesPDF(p, pg); err != nil {
			b.Fatal(err)
		}
		vol := i/20 + 1
		docs = append(docs, Document{Volume: vol, VolumeTitle: fmt.Sprintf("证据材料卷（%d）", vol), Seq: i, Title: fmt.Sprintf("询问笔录 %d", i+1), Path: p})
	}
	if _, err := AssembleBase(context.Background(), testCase, docs, base, AssembleOptions{}); err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(base)
	fmt.Fprintf(os.Stderr, "built %s (%d MB) in %v\n", base, st.Size()>>20, time.Since(start).Round(time.Second))
	return base
}

// benchChild runs one copy in this (re-executed) process and reports its
// own timing on stdout; the parent reads the peak RSS from the rusage.
func benchChild(mode string) int {
	base, out := os.Getenv("YUEJUAN_BENCH_BASE"), os.Getenv("YUEJUAN_BENCH_OUT")
	start := time.Now()
	var err error
	switch mode {
	case "copy":
		_, err = CopyFile(context.Background(), base, out, testStamp)
	case "stampcopy":
		if err = Setup(os.Getenv("YUEJUAN_BENCH_PDFCPU")); err == nil {
			start = time.Now() // the font is installed once per machine, not per copy
			err = StampCopy(context.Background(), base, out, testStamp)
		}
	case "assemble": // BenchmarkAssemblePaths; base is the folder of ingested PDFs
		start, err = benchChildAssemble(base, out)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("op_ns=%d hwm=%d\n", time.Since(start).Nanoseconds(), vmHWM(os.Getpid()))
	return 0
}

// vmHWM is the peak RSS of process pid (its current program only), or 0.
func vmHWM(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

type benchRun struct {
	wall, op time.Duration // whole process; the operation inside it (0: unknown)
	rss      int64         // peak RSS, bytes
}

// benchProc runs a command and measures it. The peak RSS is the program's
// VmHWM, sampled every millisecond until it exits (the rusage of a child
// will not do: Go starts children sharing its address space until exec, so
// their ru_maxrss includes this process's RSS).
func benchProc(b *testing.B, cmd *exec.Cmd) benchRun {
	b.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var rss int64
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-tick.C:
			rss = max(rss, vmHWM(cmd.Process.Pid))
		}
	}
	if err != nil {
		b.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, errb.String())
	}
	r := benchRun{wall: time.Since(start), rss: rss}
	for _, l := range strings.Fields(out.String()) {
		k, v, _ := strings.Cut(l, "=")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "op_ns":
			r.op = time.Duration(n)
		case "hwm":
			r.rss = max(r.rss, n)
		}
	}
	return r
}

// median by wall time.
func median(rs []benchRun) benchRun {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b benchRun) int { return int(a.wall - b.wall) })
	m := s[len(s)/2]
	for _, r := range rs {
		m.rss = max(m.rss, r.rss)
	}
	return m
}

func BenchmarkCopyPaths(b *testing.B) {
	qpdf := testpdf.Tool(b, "qpdf")
	sizes := "100,1000,1000x2,5000"
	if s := os.Getenv("YUEJUAN_BENCH_PAGES"); s != "" {
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

	// The overlay for qpdf: a one-page A4 PDF carrying the same stamp.
	blank := filepath.Join(work, "blank.pdf")
	testpdf.Make(b, blank, testpdf.Page{Marker: " "})
	stampPDF := filepath.Join(work, "stamp.pdf")
	if err := StampCopy(context.Background(), blank, stampPDF, testStamp); err != nil {
		b.Fatal(err)
	}

	type row struct {
		label             string
		pages             int
		baseBytes         int64
		tail, side        int
		mk                time.Duration // MakeCopy alone, in process
		composed, old, qp benchRun
	}
	var rows []row
	for _, spec := range strings.Split(sizes, ",") {
		spec = strings.TrimSpace(spec)
		heavy := strings.HasSuffix(spec, "x2")
		n, err := strconv.Atoi(strings.TrimSuffix(spec, "x2"))
		if err != nil || n <= 0 {
			b.Fatalf("YUEJUAN_BENCH_PAGES: bad size %q", spec)
		}
		base := benchBase(b, n, heavy)
		st, _ := os.Stat(base)
		sc, err := ReadSidecar(SidecarPath(base))
		if err != nil {
			b.Fatal(err)
		}
		side, _ := os.Stat(SidecarPath(base))
		rw := row{label: spec, pages: sc.Pages, baseBytes: st.Size(), side: int(side.Size())}

		// MakeCopy alone (the font already parsed, as in a long-running worker).
		tail, _, err := MakeCopy(context.Background(), sc, testStamp)
		if err != nil {
			b.Fatal(err)
		}
		rw.tail = len(tail)
		var ds []time.Duration // median of the calls, against the noise of a busy machine
		for t0 := time.Now(); time.Since(t0) < 500*time.Millisecond || len(ds) < 5; {
			t1 := time.Now()
			if _, _, err := MakeCopy(context.Background(), sc, testStamp); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(t1))
		}
		slices.Sort(ds)
		rw.mk = ds[len(ds)/2]

		out := filepath.Join(work, "out.pdf")
		child := func(mode string) *exec.Cmd {
			cmd := exec.Command(self, "-test.run=^$")
			cmd.Env = append(os.Environ(), benchChildEnv+"="+mode, "YUEJUAN_BENCH_BASE="+base,
				"YUEJUAN_BENCH_OUT="+out, "YUEJUAN_BENCH_PDFCPU="+pdfcpuDir)
			return cmd
		}
		// Warm up: pdfcpu's font installed in its config dir, the binaries
		// and the base in the page cache.
		if len(rows) == 0 {
			for _, mode := range []string{"copy", "stampcopy"} {
				cmd := child(mode)
				cmd.Env = append(cmd.Env, "YUEJUAN_BENCH_BASE="+benchBase(b, 100, false))
				benchProc(b, cmd)
			}
		}
		benchProc(b, child("copy"))
		var a, o, q []benchRun
		for i := 0; i < runs; i++ {
			a = append(a, benchProc(b, child("copy")))
			os.Remove(out)
			o = append(o, benchProc(b, child("stampcopy")))
			os.Remove(out)
			q = append(q, benchProc(b, exec.Command(qpdf, "--overlay", stampPDF, "--repeat=1", "--", base, out)))
			os.Remove(out)
		}
		rw.composed, rw.old, rw.qp = median(a), median(o), median(q)
		rows = append(rows, rw)
		b.ReportMetric(float64(rw.composed.wall.Milliseconds()), "composed-ms/"+spec)
		b.ReportMetric(float64(rw.old.wall.Milliseconds()), "pdfcpu-ms/"+spec)
	}

	ms := func(d time.Duration) string {
		if d < 10*time.Millisecond {
			return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
		}
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	mb := func(n int64) string { return fmt.Sprintf("%d MiB", (n+1<<19)>>20) }
	var t strings.Builder
	fmt.Fprintf(&t, "\nOne per-lawyer copy of a base of scanned pages (each path in its own process; wall time incl. start-up, median of %d; peak RSS):\n\n", runs)
	t.WriteString("| pages | base | (a) composed copy: time / peak RSS | (a) tail: size / MakeCopy time (median, in process) | (b) pdfcpu re-stamp (StampCopy): time / peak RSS | (c) qpdf --overlay: time / peak RSS | (b) ÷ (a) |\n")
	t.WriteString("|---:|---:|---|---|---|---|---:|\n")
	for _, r := range rows {
		label := fmt.Sprintf("%d", r.pages)
		if strings.HasSuffix(r.label, "x2") {
			label += " (2× bytes)"
		}
		fmt.Fprintf(&t, "| %s | %s | %s / %s | %d KB / %s | %s / %s | %s / %s | %.0f× |\n",
			label, mb(r.baseBytes), ms(r.composed.wall), mb(r.composed.rss), (r.tail+512)>>10, ms(r.mk),
			ms(r.old.wall), mb(r.old.rss), ms(r.qp.wall), mb(r.qp.rss), float64(r.old.wall)/float64(r.composed.wall))
	}
	t.WriteString("\nPer copy, (a) reads the sidecar (")
	for i, r := range rows {
		if i > 0 {
			t.WriteString(", ")
		}
		fmt.Fprintf(&t, "%d KB", (r.side+512)>>10)
	}
	t.WriteString(") and 600 bytes of the base, and writes only the tail; the prefix goes file to file in the kernel (copy_file_range).\n(b) and (c) read and write the whole base. Inside (a)'s process the copy itself took ")
	for i, r := range rows {
		if i > 0 {
			t.WriteString(", ")
		}
		t.WriteString(ms(r.composed.op))
	}
	t.WriteString("; inside (b)'s ")
	for i, r := range rows {
		if i > 0 {
			t.WriteString(", ")
		}
		t.WriteString(ms(r.old.op))
	}
	t.WriteString(".\n")
	fmt.Print(t.String())
}

// BenchmarkMakeCopy is the tail of one copy of the 1,000-page bench base.
func BenchmarkMakeCopy(b *testing.B) {
	if os.Getenv("YUEJUAN_BENCH_PAGES") != "" && !strings.Contains(os.Getenv("YUEJUAN_BENCH_PAGES"), "1000") {
		b.Skip("the 1,000-page base is not among YUEJUAN_BENCH_PAGES")
	}
	sc, err := ReadSidecar(SidecarPath(benchBase(b, 1000, false)))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tail, _, err := MakeCopy(context.Background(), sc, testStamp)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(tail)))
	}
}
