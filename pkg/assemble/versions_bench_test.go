package assemble_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/version"
)

// BenchmarkNewVersion measures, for a case of YUEJUAN_BENCH_VERSION_PAGES
// pages (default 1,000, in documents of 100 pages) with two lawyers' ready
// copies, the time from a clerk's change (a 5-page document added to
// volume 1, ingested before the clock starts) to both lawyers' notices:
// the new base, the supplement base, two full copies and two supplements
// composed, four links, two notices (assemble.Worker.Case), on the local
// store. It reports the supplement's size against the full copy's. The
// pages are generated text pages, small: it measures the per-page and
// per-document work; what scan bytes cost a base is BenchmarkS3Base's.
func BenchmarkNewVersion(b *testing.B) {
	pages := 1000
	if v := os.Getenv("YUEJUAN_BENCH_VERSION_PAGES"); v != "" {
		var err error
		if pages, err = strconv.Atoi(v); err != nil || pages < 100 {
			b.Fatalf("YUEJUAN_BENCH_VERSION_PAGES=%q: a page count of at least 100", v)
		}
	}
	ctx := context.Background()
	r := newRig(b)
	r.builder.Versions = &version.Repo{T: r.table}
	notices := 0
	r.builder.OnVersion = func(context.Context, *application.Application, *version.Version, *link.Link, *link.Link) error {
		notices++
		return nil
	}
	c := &casefile.Case{CaseNo: "京检刑诉〔2026〕" + casefile.NewID()[20:] + "号", Title: "测试案", Stage: casefile.ProsecutionReview,
		OnlineReview: true, Unit: "市检察院", Handler: casefile.Handler{Name: "刘检察官", Phone: "010-1"}, Defendants: []string{"张某"}}
	if err := r.cases.Create(ctx, c); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	doc := func(name string, n int) []byte {
		var pgs []testpdf.Page
		for i := range n {
			pgs = append(pgs, testpdf.Page{Marker: fmt.Sprintf("%s-%03d", name, i+1)})
		}
		p := filepath.Join(dir, name+".pdf")
		testpdf.Make(b, p, pgs...)
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	add := func(vol, seq int, title string, data []byte) {
		m := &casefile.Material{CaseID: c.ID, Volume: vol, VolumeTitle: fmt.Sprintf("第%d卷", vol), Seq: seq, Title: title, Filename: title + ".pdf"}
		if err := r.cases.AddMaterial(ctx, m); err != nil {
			b.Fatal(err)
		}
		m.UploadKey = ingest.MaterialUploadKey(c.ID, m.ID)
		if _, err := r.cases.UpdateMaterial(ctx, c.ID, m.ID, func(x *casefile.Material) error {
			x.UploadKey, x.Status = m.UploadKey, casefile.Processing
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if err := r.uploads.WriteAll(ctx, m.UploadKey, data, nil); err != nil {
			b.Fatal(err)
		}
		if err := r.ingest.Material(ctx, c.ID, m.ID); err != nil {
			b.Fatal(err)
		}
	}
	for i := range pages / 100 {
		add(1+i%2, i+1, fmt.Sprintf("文件%d", i+1), doc(fmt.Sprintf("D%d", i), 100))
	}
	apps := []*application.Application{r.approved(ctx, c, lawyerA, "张律师"), r.approved(ctx, c, lawyerB, "李律师")}
	for _, a := range apps {
		if err := r.builder.Application(ctx, a.ID); err != nil {
			b.Fatal(err)
		}
	}
	added := doc("NEW", 5)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		add(1, 1000+i, fmt.Sprintf("补充材料%d", i+1), added)
		before := notices
		b.StartTimer()
		start := time.Now()
		if err := r.builder.Case(ctx, c.ID); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		b.StopTimer()
		if notices != before+len(apps) {
			b.Fatalf("%d notices, want %d", notices-before, len(apps))
		}
		cur, _ := r.cases.Get(ctx, c.ID)
		full, err := r.dossiers.Bucket.Attributes(ctx, assemble.CopyKey(c.ID, cur.ContentVersion, apps[0].ID))
		if err != nil {
			b.Fatal(err)
		}
		sup, err := r.dossiers.Bucket.Attributes(ctx, assemble.SupplementCopyKey(c.ID, cur.ContentVersion, apps[0].ID))
		if err != nil {
			b.Fatal(err)
		}
		v, _ := r.builder.Versions.Latest(ctx, c.ID)
		b.Logf("version %d, %d pages: change to both notices %.2f s; full copy %.1f MB, supplement %.0f KB (%.2f%%)",
			v.N, v.Pages, took.Seconds(), float64(full.Size)/1e6, float64(sup.Size)/1e3, 100*float64(sup.Size)/float64(full.Size))
		b.ReportMetric(took.Seconds(), "change-to-notices-s")
		b.ReportMetric(float64(sup.Size)/float64(full.Size), "supplement/full")
		b.StartTimer()
	}
}
