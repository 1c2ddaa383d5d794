package assemble_test

// BenchmarkS3Base (issue 19) measures what the assemble job does with a big
// base dossier on an S3 store, against versitygw: the upload of the base it
// built on its scratch disk (ingest.Upload, as buildBase does: the SDK's
// transfer manager, a multipart upload in 8 MiB parts), and one lawyer's
// copy composed inside the store (blob.Compose: UploadPartCopy of the
// base's prefix and the tail). It reports the time and the peak RSS of each,
// of this process and of versitygw, and checks that the base went up as a
// multipart upload (its ETag counts the parts), that the copy's prefix was
// not read back through the process, and that no multipart upload is left.
//
// The base is built first from one-page documents ingested from 16 distinct
// 150 dpi scans (~265 KB each), hard-linked up to the size wanted, as
// BenchmarkAssemblePaths (pkg/dossier) does. YUEJUAN_BENCH_S3_PAGES sets the
// scans (default 5000: a 1.3 GB base); the base and documents are kept in
// $TMPDIR/yuejuan-bench-1/s3-base-<N>.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/scan"

	"github.com/yuejuan/yuejuan/internal/testpdf"
)

func BenchmarkS3Base(b *testing.B) {
	n := 5000
	if v := os.Getenv("YUEJUAN_BENCH_S3_PAGES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("YUEJUAN_BENCH_S3_PAGES=%q: not a page count", v)
		}
	}
	ctx := context.Background()
	base := s3BenchBase(b, n)
	st, err := os.Stat(base)
	if err != nil {
		b.Fatal(err)
	}
	sc, err := dossier.ReadSidecar(dossier.SidecarPath(base))
	if err != nil {
		b.Fatal(err)
	}
	bucket, client := startS3(b)
	b.ResetTimer()
	for i := range b.N {
		key := assemble.BaseKey(fmt.Sprintf("bench%d", i), 1)

		// The base: uploaded from the scratch file, as buildBase does.
		up := measure(func() error { return ingest.Upload(ctx, bucket, base, key, "application/pdf") })
		if up.err != nil {
			b.Fatal(up.err)
		}
		attrs, err := bucket.Attributes(ctx, key)
		if err != nil {
			b.Fatal(err)
		}
		if attrs.Size != st.Size() {
			b.Fatalf("stored %d bytes of a %d-byte base", attrs.Size, st.Size())
		}
		const part = 8 << 20 // the transfer manager's part size
		parts := (st.Size() + part - 1) / part
		if want := fmt.Sprintf("-%d", parts); !strings.HasSuffix(strings.Trim(attrs.ETag, `"`), want) {
			b.Errorf("base ETag %s: want a multipart upload of %d parts (%s)", attrs.ETag, parts, want)
		}

		// One lawyer's copy, composed in the store.
		var prefix int64
		cp := measure(func() error {
			tail, prefixLen, err := dossier.MakeCopy(ctx, sc, dossier.Stamp{Name: "张律师", License: "11101201910012345", Ref: "YJ-BENCH", Date: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				return err
			}
			prefix = prefixLen
			return blob.Compose(ctx, bucket, assemble.CopyKey(fmt.Sprintf("bench%d", i), 1, "app"), key, prefixLen, tail)
		})
		if cp.err != nil {
			b.Fatal(cp.err)
		}
		ca, err := bucket.Attributes(ctx, assemble.CopyKey(fmt.Sprintf("bench%d", i), 1, "app"))
		if err != nil {
			b.Fatal(err)
		}
		if !strings.Contains(ca.ETag, "-") {
			b.Errorf("copy ETag %s: want a multipart (UploadPartCopy) object", ca.ETag)
		}
		out, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(s3Bucket)})
		if err != nil {
			b.Fatal(err)
		}
		if len(out.Uploads) != 0 {
			b.Errorf("%d multipart uploads left behind", len(out.Uploads))
		}
		b.Logf("%d pages, base %.0f MiB in %d parts: upload %.1f s (%.0f MiB/s), RSS +%.0f MiB (peak %.0f MiB), versitygw peak RSS %.0f MiB; "+
			"composed copy (prefix %.0f MiB, tail %.0f KB, copy ETag %s) %.2f s, RSS +%.0f MiB",
			sc.Pages, float64(st.Size())/(1<<20), parts, up.wall.Seconds(), float64(st.Size())/(1<<20)/up.wall.Seconds(),
			float64(up.peak-up.start)/(1<<20), float64(up.peak)/(1<<20), float64(up.gwPeak)/(1<<20),
			float64(prefix)/(1<<20), float64(ca.Size-prefix)/1e3, ca.ETag, cp.wall.Seconds(), float64(cp.peak-cp.start)/(1<<20))
		b.ReportMetric(up.wall.Seconds(), "upload-s")
		b.ReportMetric(float64(up.peak-up.start)/(1<<20), "upload-RSS-MiB")
		b.ReportMetric(cp.wall.Seconds(), "copy-s")
	}
}

// measured is one step's wall time and this process's RSS before it and
// at its peak (VmHWM, reset before the step), and versitygw's peak RSS.
type measured struct {
	wall                time.Duration
	start, peak, gwPeak int64
	err                 error
}

func measure(fn func() error) measured {
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	if s3PID > 0 {
		_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s3PID), []byte("5"), 0)
	}
	var m measured
	m.start = statusField("self", "VmRSS")
	t0 := time.Now()
	m.err = fn()
	m.wall = time.Since(t0)
	m.peak = statusField("self", "VmHWM")
	if s3PID > 0 {
		m.gwPeak = statusField(strconv.Itoa(s3PID), "VmHWM")
	}
	return m
}

// statusField is a size field of /proc/<pid>/status in bytes (0 if not read).
func statusField(pid, field string) int64 {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// s3BenchBase returns a base dossier of n scanned pages (and its sidecar),
// built once and kept.
func s3BenchBase(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "yuejuan-bench-1", fmt.Sprintf("s3-base-%d", n))
	base := filepath.Join(dir, "base.pdf")
	if _, err := os.Stat(dossier.SidecarPath(base)); err == nil {
		return base
	}
	docs := filepath.Join(dir, "docs")
	if err := os.MkdirAll(docs, 0o755); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var list []dossier.Document
	for i := range n {
		p := filepath.Join(docs, fmt.Sprintf("doc-%05d.pdf", i))
		if _, err := os.Stat(p); err != nil {
			if i < 16 {
				src := filepath.Join(dir, fmt.Sprintf("scan-%02d.jpg", i))
				if err := os.WriteFile(src, testpdf.WithJFIF(testpdf.ScanJPEG(int64(i+1), 1240, 1754, 3, 70), 150), 0o644); err != nil {
					b.Fatal(err)
				}
				if _, err := scan.Ingest(ctx, src, p, scan.DefaultLimits()); err != nil {
					b.Fatal(err)
				}
			} else if err := os.Link(filepath.Join(docs, fmt.Sprintf("doc-%05d.pdf", i%16)), p); err != nil {
				b.Fatal(err)
			}
		}
		list = append(list, dossier.Document{Volume: i/100 + 1, VolumeTitle: fmt.Sprintf("证据材料卷 第%d册", i/100+1), Seq: i%100 + 1,
			Title: fmt.Sprintf("现场照片 %d", i+1), Path: p})
	}
	info := dossier.CaseInfo{CaseNo: "京检刑诉〔2026〕19号", Title: "某某集团诈骗案", Unit: "市检察院", Date: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)}
	tmp := filepath.Join(dir, "building.pdf")
	if _, err := dossier.AssembleBase(ctx, info, list, tmp, dossier.AssembleOptions{}); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, base); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(dossier.SidecarPath(tmp), dossier.SidecarPath(base)); err != nil {
		b.Fatal(err)
	}
	return base
}
