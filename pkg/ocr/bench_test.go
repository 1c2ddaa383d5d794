package ocr

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/scan"
)

// BenchmarkDocumentPage is recognition of one ingested page of the ground
// truth (a 起诉意见书 rendered clean at 300 dpi, noisy at 200 dpi, and
// skewed −2°): the rendering, levelling, despeckling, Tesseract (chi_sim,
// one thread) and, for a page that reads poorly, OSD. It reports the
// page's wall time, the CPU seconds of the programs it ran and those of
// the process itself (levelling, despeckling): what a Lambda's vCPUs are
// spent on.
func BenchmarkDocumentPage(b *testing.B) {
	e := &Engine{Workers: 1}
	if err := e.Check(context.Background()); err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"qisu-clean300", "qisu-noisy200", "qisu-skew-2"} {
		b.Run(name, func(b *testing.B) {
			pdf := filepath.Join(b.TempDir(), "p.pdf")
			if _, err := scan.Ingest(context.Background(), filepath.Join(truthDir(), name+".jpg"), pdf, scan.DefaultLimits()); err != nil {
				b.Fatal(err)
			}
			cpu0, self0 := childCPU(), selfCPU()
			start := time.Now()
			for b.Loop() {
				if _, err := e.Document(context.Background(), pdf, 1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/page")
			b.ReportMetric((childCPU()-cpu0).Seconds()/float64(b.N), "cpu-s/page")
			b.ReportMetric((selfCPU()-self0).Seconds()/float64(b.N), "go-cpu-s/page")
		})
	}
}

// childCPU is the CPU time of the process's waited-for children.
func childCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// selfCPU is the CPU time of the process itself.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
