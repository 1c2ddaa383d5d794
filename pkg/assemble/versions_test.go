package assemble_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/pageid"
	"github.com/yuejuan/yuejuan/pkg/reconcile"
	"github.com/yuejuan/yuejuan/pkg/version"
)

var (
	markerRE = regexp.MustCompile(`DOC-[A-Z]+`)
	pageIDRE = regexp.MustCompile(`卷[0-9]+-[0-9]{4}(\.[0-9]+)*`)
)

// printed is what pdftotext reads of a PDF's pages: each page's identifier
// (in page order, pages without one left out) and the identifier of each
// marked page.
type printed struct {
	ids      []string
	byMarker map[string]string
	markers  []string // in page order
	pages    int
	text     []string // each page's text, white space removed
}

func readPrinted(t *testing.T, data []byte) printed {
	t.Helper()
	f := filepath.Join(t.TempDir(), "x.pdf")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(testpdf.PDFInfo(t, f, 0)["Pages"])
	p := printed{byMarker: map[string]string{}, pages: n}
	for i := 1; i <= n; i++ {
		text := testpdf.PageText(t, f, i)
		p.text = append(p.text, testpdf.Squash(text))
		id := pageIDRE.FindString(text)
		if id != "" {
			p.ids = append(p.ids, id)
		}
		if m := markerRE.FindString(text); m != "" {
			p.byMarker[m] = id
			p.markers = append(p.markers, m)
		}
	}
	return p
}

type versionNotice struct {
	app        string
	v          *version.Version
	full, supp *link.Link
}

// TestLivingDossier: a case at version 1 with two lawyers' ready links; the
// clerk adds a document to volume 1, replaces one in volume 2 and deletes
// one. Each lawyer gets one notice with the exact change list, a
// supplement with exactly the added and replaced pages, and a new full copy
// composed on S3 without reading the base; every unchanged page prints the
// identifier it had; the removed document shows in the 卷内目录.
func TestLivingDossier(t *testing.T) {
	ctx := context.Background()
	b, client := startS3(t)
	r := newRig(t)
	r.builder.Dossiers = b
	r.builder.Versions = &version.Repo{T: r.table}
	var notices []versionNotice
	r.builder.OnVersion = func(ctx context.Context, a *application.Application, v *version.Version, full, supp *link.Link) error {
		notices = append(notices, versionNotice{a.ID, v, full, supp})
		return nil
	}
	c, ms := r.setup(ctx) // volume 1: DOC-ONE, a scan, DOC-THREE
	add := func(vol, seq int, title string, data []byte, replaces string) *casefile.Material {
		t.Helper()
		m := &casefile.Material{CaseID: c.ID, Volume: vol, VolumeTitle: map[int]string{1: "诉讼文书卷", 2: "证据材料卷"}[vol], Seq: seq,
			Title: title, Filename: title + ".bin", Replaces: replaces}
		if err := r.cases.AddMaterial(ctx, m); err != nil {
			t.Fatal(err)
		}
		m.UploadKey = ingest.MaterialUploadKey(c.ID, m.ID)
		if _, err := r.cases.UpdateMaterial(ctx, c.ID, m.ID, func(x *casefile.Material) error {
			x.UploadKey, x.Status = m.UploadKey, casefile.Processing
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := r.uploads.WriteAll(ctx, m.UploadKey, data, nil); err != nil {
			t.Fatal(err)
		}
		return m
	}
	// Volume 2: a marked document, and scans for a base over S3's 5 MiB
	// part minimum, so that the copy's prefix is copied by the server.
	expert := add(2, 1, "鉴定意见", testpdf.Text("DOC-FOUR"), "")
	more := []*casefile.Material{expert}
	for i := range 3 {
		more = append(more, add(2, 2+i, "现场照片"+strconv.Itoa(i+1), noisyJPEG(int64(i)), ""))
	}
	r.ingestAll(ctx, c, append(ms, more...))
	a := r.approved(ctx, c, lawyerA, "张律师")
	bb := r.approved(ctx, c, lawyerB, "李律师")
	for _, app := range []*application.Application{a, bb} {
		if err := r.builder.Application(ctx, app.ID); err != nil {
			t.Fatal(err)
		}
	}
	v1case, _ := r.cases.Get(ctx, c.ID)
	copy1, err := b.ReadAll(ctx, assemble.CopyKey(c.ID, v1case.ContentVersion, a.ID))
	if err != nil {
		t.Fatal(err)
	}
	p1 := readPrinted(t, copy1)

	// The clerk's changes: a document added at the end of volume 1, the
	// expert opinion replaced by a corrected one, DOC-THREE deleted.
	added := add(1, 4, "补充侦查报告", testpdf.Text("DOC-NEW"), "")
	fixed := add(2, 1, "鉴定意见（更正）", testpdf.Text("DOC-FIX"), expert.ID)
	r.ingestAll(ctx, c, []*casefile.Material{added, fixed})
	if _, err := r.cases.DeleteMaterial(ctx, c.ID, ms[2].ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.cases.Update(ctx, c.ID, func(x *casefile.Case) error { x.ContentVersion++; return nil }); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := r.builder.Case(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	t.Logf("from the change to the notices: %v", time.Since(start))
	if err := r.builder.Case(ctx, c.ID); err != nil { // a redelivery does nothing twice
		t.Fatal(err)
	}
	cur, _ := r.cases.Get(ctx, c.ID)

	vs, err := r.builder.Versions.List(ctx, c.ID)
	if err != nil || len(vs) != 2 || vs[0].N != 2 || vs[1].N != 1 || vs[0].ContentVersion != cur.ContentVersion {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	ch := vs[0].Changes
	list := func(es []pageid.LedgerEntry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.Title+" "+pageid.Span(e.Runs, true)+" "+strconv.Itoa(e.Pages)+"页")
		}
		return strings.Join(s, "; ")
	}
	if got := list(ch.Added); got != "补充侦查报告 卷1-0004 1页" {
		t.Errorf("added: %q", got)
	}
	if got := list(ch.Replaced); got != "鉴定意见（更正） 卷2-0001 1页" || ch.Replaced[0].Replaces != expert.ID {
		t.Errorf("replaced: %q (replaces %q)", got, ch.Replaced[0].Replaces)
	}
	if got := list(ch.Removed); got != "材料3 卷1-0003 1页" {
		t.Errorf("removed: %q", got)
	}

	// One notice per lawyer, with the change list and both links.
	if len(notices) != 2 {
		t.Fatalf("%d notices, want one per lawyer: %+v", len(notices), notices)
	}
	for _, app := range []*application.Application{a, bb} {
		var n *versionNotice
		for i := range notices {
			if notices[i].app == app.ID {
				n = &notices[i]
			}
		}
		if n == nil || n.v.N != 2 || n.full == nil || n.supp == nil || !n.supp.Supplement || n.full.Version != 2 {
			t.Fatalf("notice of %s: %+v", app.ID, n)
		}
		got, _ := r.apps.Get(ctx, app.ID)
		if got.Status != application.Ready || got.LinkID != n.full.ID || got.CopyKey != assemble.CopyKey(c.ID, cur.ContentVersion, app.ID) {
			t.Errorf("application %s: %s link %s copy %s", app.ID, got.Status, got.LinkID, got.CopyKey)
		}
		if l, err := r.links.Check(ctx, n.supp.ID); err != nil || l.CopyKey != assemble.SupplementCopyKey(c.ID, cur.ContentVersion, app.ID) {
			t.Errorf("supplement link of %s: %+v %v", app.ID, l, err)
		}

		// The new full copy: composed by the server, stamped for her.
		full, err := b.ReadAll(ctx, got.CopyKey)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(full, []byte("/YuejuanLicense("+app.Lawyer.License+")")) {
			t.Errorf("the new copy of %s is not stamped for her", app.ID)
		}
		head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s3Bucket), Key: aws.String(got.CopyKey)})
		if err != nil {
			t.Fatal(err)
		}
		if etag := aws.ToString(head.ETag); !strings.Contains(etag, "-") {
			t.Errorf("copy ETag %s is not a multipart ETag: the base's prefix was not copied by the server", etag)
		}
		p2 := readPrinted(t, full)
		// Every unchanged page keeps its identifier; the replacement takes
		// the replaced one's, the added one is new, the removed one gone.
		want := map[string]string{}
		for m, id := range p1.byMarker {
			want[m] = id
		}
		delete(want, "DOC-THREE")
		want["DOC-FIX"] = p1.byMarker["DOC-FOUR"]
		delete(want, "DOC-FOUR")
		want["DOC-NEW"] = "卷1-0004"
		if !mapsEqual(p2.byMarker, want) {
			t.Errorf("identifiers of the marked pages:\n v1 %v\n v2 %v\nwant %v", p1.byMarker, p2.byMarker, want)
		}
		var kept []string
		for _, id := range p1.ids {
			if id != p1.byMarker["DOC-THREE"] {
				kept = append(kept, id)
			}
		}
		got2 := slices.DeleteFunc(slices.Clone(p2.ids), func(id string) bool { return id == "卷1-0004" })
		if !slices.Equal(kept, got2) {
			t.Errorf("identifiers of the pages\n v1 %v\n v2 %v", p1.ids, p2.ids)
		}
		toc := p2.text[1]
		if !strings.Contains(toc, "材料3（第2版已撤出）") || !strings.Contains(toc, "0003") {
			t.Errorf("volume 1's 卷内目录 does not show the removed document:\n%s", toc)
		}

		// The supplement: exactly the added and replaced pages, same
		// identifiers, its own cover and 卷内目录, stamped for her.
		supp, err := b.ReadAll(ctx, n.supp.CopyKey)
		if err != nil {
			t.Fatal(err)
		}
		ps := readPrinted(t, supp)
		if !slices.Equal(ps.markers, []string{"DOC-NEW", "DOC-FIX"}) || ps.pages != 5 {
			t.Errorf("supplement: pages %d, marked %v; want cover, two 卷内目录 and DOC-NEW, DOC-FIX", ps.pages, ps.markers)
		}
		for m, id := range ps.byMarker {
			if p2.byMarker[m] != id {
				t.Errorf("supplement: %s prints %s, the full copy %s", m, id, p2.byMarker[m])
			}
		}
		if !strings.Contains(ps.text[0], "第2版补充材料") || !strings.Contains(strings.Join(ps.text, ""), "仅供"+app.Lawyer.Name+"律师阅卷使用") {
			t.Errorf("supplement cover or stamp: %s", ps.text[0])
		}
		if len(supp)*4 > len(full) {
			t.Logf("supplement %d bytes, full copy %d", len(supp), len(full))
		}
		t.Logf("%s: full copy %d bytes, supplement %d bytes (%.1f%%)", app.Lawyer.Name, len(full), len(supp), 100*float64(len(supp))/float64(len(full)))

		// Each copy records its version.
		var versions []string
		err = (&audit.Log{T: r.table}).Each(ctx, audit.Filter{Action: audit.CopyMake, CaseID: c.ID, ApplicationID: app.ID}, func(e audit.Event) error {
			versions = append(versions, e.Detail["dossierVersion"]+e.Detail["kind"])
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(versions)
		if !slices.Equal(versions, []string{"1", "2", "2supplement"}) {
			t.Errorf("copy.make records of %s: %v", app.ID, versions)
		}
	}
	if _, err := b.Attributes(ctx, assemble.BaseKey(c.ID, v1case.ContentVersion)); err != nil {
		t.Errorf("version 1's base is gone: %v", err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A notice of a new version that fails is sent again by the next run: the
// application moves to the new copy only once its lawyer was told.
func TestVersionNoticeRetried(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.builder.Versions = &version.Repo{T: r.table}
	c, ms := r.setup(ctx)
	r.ingestAll(ctx, c, ms)
	a := r.approved(ctx, c, lawyerA, "张律师")
	if err := r.builder.Application(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	m := &casefile.Material{CaseID: c.ID, Volume: 1, VolumeTitle: "诉讼文书卷", Seq: 9, Title: "补充材料", Filename: "9.pdf"}
	if err := r.cases.AddMaterial(ctx, m); err != nil {
		t.Fatal(err)
	}
	m.UploadKey = ingest.MaterialUploadKey(c.ID, m.ID)
	if _, err := r.cases.UpdateMaterial(ctx, c.ID, m.ID, func(x *casefile.Material) error {
		x.UploadKey, x.Status = m.UploadKey, casefile.Processing
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := r.uploads.WriteAll(ctx, m.UploadKey, testpdf.Text("DOC-LATE"), nil); err != nil {
		t.Fatal(err)
	}
	r.ingestAll(ctx, c, []*casefile.Material{m})
	calls := 0
	r.builder.OnVersion = func(context.Context, *application.Application, *version.Version, *link.Link, *link.Link) error {
		calls++
		if calls == 1 {
			return errors.New("notice channel down")
		}
		return nil
	}
	before, _ := r.apps.Get(ctx, a.ID)
	if err := r.builder.Case(ctx, c.ID); err == nil {
		t.Fatal("a failed notice did not fail the job")
	}
	if got, _ := r.apps.Get(ctx, a.ID); got.LinkID != before.LinkID {
		t.Fatal("the application moved to the new copy before its lawyer was told")
	}
	if err := r.builder.Case(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := r.apps.Get(ctx, a.ID)
	if calls != 2 || got.LinkID == before.LinkID {
		t.Fatalf("after the retry: %d notices, link %s (was %s)", calls, got.LinkID, before.LinkID)
	}
	if n := r.count(ctx, audit.LinkIssue, c.ID, a.ID, link.SupplementID(got.LinkID)); n != 1 {
		t.Errorf("%d link.issue records of the supplement, want 1", n)
	}
}

// TestCopyKeyAgrees holds reconcile's spelling of a copy's key, by which it
// finds the copies that lag their case's version, to the one copies are
// written under: were they to differ, every ready case would look behind.
func TestCopyKeyAgrees(t *testing.T) {
	if got, want := reconcile.CopyKey("c1", 3, "a1"), assemble.CopyKey("c1", 3, "a1"); got != want {
		t.Fatalf("reconcile.CopyKey = %q, assemble.CopyKey = %q", got, want)
	}
}
