package main

// BenchmarkAssembleCommand (issue 19) times `yuejuan assemble DIR` on a folder
// of 150 dpi A4 gray JPEG scans (one file per page, about 265 KB each, the
// scans of pkg/dossier's benchmarks) against img2pdf on the same files
// (`img2pdf DIR/*.jpg -o out.pdf`), each in its own process, wall time and
// peak RSS (VmHWM sampled every millisecond). yuejuan ingests every scan
// (checks and normalises it, GOMAXPROCS at a time) and builds the dossier:
// cover, 卷内目录, page numbers, bookmarks, stamp slots; img2pdf only wraps
// the JPEGs.
//
// YUEJUAN_BENCH_SCANS is the number of scans (default 1000),
// YUEJUAN_BENCH_RUNS the repetitions (default 3; the median is shown). The
// scans are kept in $TMPDIR/yuejuan-bench-1/cli-scans-<N>.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/testpdf"
)

// benchScanDir returns a folder of n scans (16 distinct ones, cycled).
func benchScanDir(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "yuejuan-bench-1", fmt.Sprintf("cli-scans-%d", n))
	done := filepath.Join(dir, ".done")
	if _, err := os.Stat(done); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	var pool [][]byte
	for i := 0; i < 16; i++ {
		pool = append(pool, testpdf.WithJFIF(testpdf.ScanJPEG(int64(i+1), 1240, 1754, 3, 70), 150))
	}
	for i := 0; i < n; i++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("scan-%05d.jpg", i+1)), pool[i%len(pool)], 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

type procRun struct {
	wall, cpu time.Duration // cpu: user + system time of the process
	rss       int64
}

// measure runs cmd, sampling its peak RSS until it exits.
func measure(b *testing.B, cmd *exec.Cmd) procRun {
	b.Helper()
	var errb bytes.Buffer
	cmd.Stderr = &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var rss int64
	for {
		select {
		case err := <-done:
			if err != nil {
				b.Fatalf("%s: %v\n%s", strings.Join(cmd.Args[:min(len(cmd.Args), 4)], " "), err, errb.String())
			}
			wall := time.Since(start)
			return procRun{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), rss: rss}
		case <-tick.C:
			if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)); err == nil {
				for _, l := range strings.Split(string(data), "\n") {
					if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
						kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
						rss = max(rss, kb<<10)
					}
				}
			}
		}
	}
}

func medianRun(rs []procRun) procRun {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b procRun) int { return int(a.wall - b.wall) })
	m := s[len(s)/2]
	for _, r := range rs {
		m.rss = max(m.rss, r.rss)
	}
	return m
}

func BenchmarkAssembleCommand(b *testing.B) {
	img2pdf, err := exec.LookPath("img2pdf")
	if err != nil {
		b.Fatalf("img2pdf not found (apt-get install img2pdf): %v", err)
	}
	n, runs := 1000, 3
	if s := os.Getenv("YUEJUAN_BENCH_SCANS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	if s := os.Getenv("YUEJUAN_BENCH_RUNS"); s != "" {
		runs, _ = strconv.Atoi(s)
	}
	n, runs = max(n, 1), max(runs, 1)
	dir := benchScanDir(b, n)
	files, err := filepath.Glob(filepath.Join(dir, "scan-*.jpg"))
	if err != nil || len(files) != n {
		b.Fatalf("%d scans in %s (%v)", len(files), dir, err)
	}
	work := b.TempDir()
	out, ref := filepath.Join(work, "dossier.pdf"), filepath.Join(work, "img2pdf.pdf")
	ours := func() *exec.Cmd {
		cmd := exec.Command(binPath, "assemble", dir, "--out", out, "--date", "2025-03-01",
			"--pdfcpu-dir", filepath.Join(work, "pdfcpu"))
		cmd.Env = append(os.Environ(), "HOME="+work, "XDG_CONFIG_HOME="+filepath.Join(work, ".config"))
		return cmd
	}
	theirs := func() *exec.Cmd { return exec.Command(img2pdf, append(files, "-o", ref)...) }
	measure(b, ours()) // warm-up: the font installed, the scans in the page cache
	measure(b, theirs())
	var a, c []procRun
	for i := 0; i < runs; i++ {
		os.Remove(out)
		a = append(a, measure(b, ours()))
		os.Remove(ref)
		c = append(c, measure(b, theirs()))
	}
	ma, mc := medianRun(a), medianRun(c)
	size := func(p string) int64 {
		st, err := os.Stat(p)
		if err != nil {
			b.Fatal(err)
		}
		return st.Size()
	}
	var in int64
	for _, f := range files {
		in += size(f)
	}
	mib := func(n int64) string { return fmt.Sprintf("%d MiB", (n+1<<19)>>20) }
	fmt.Printf("\n%d JPEG scans (%s), each tool in its own process on %d cores, median of %d (wall time / CPU time / peak RSS / output):\n\n",
		n, mib(in), runtime.NumCPU(), runs)
	fmt.Printf("| scans | yuejuan assemble | img2pdf | yuejuan ÷ img2pdf: wall time |\n|---:|---|---|---:|\n")
	fmt.Printf("| %d | %d ms / %d ms / %s / %s | %d ms / %d ms / %s / %s | %.2f× |\n", n,
		ma.wall.Milliseconds(), ma.cpu.Milliseconds(), mib(ma.rss), mib(size(out)),
		mc.wall.Milliseconds(), mc.cpu.Milliseconds(), mib(mc.rss), mib(size(ref)),
		float64(ma.wall)/float64(mc.wall))
	b.ReportMetric(float64(ma.wall.Milliseconds()), "yuejuan-ms")
	b.ReportMetric(float64(mc.wall.Milliseconds()), "img2pdf-ms")
}
