package dossier

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/pageid"
	"github.com/yuejuan/yuejuan/pkg/scan"
)

var (
	markerRE = regexp.MustCompile(`DOC[A-Z]+[0-9]+`)
	pageIDRE = regexp.MustCompile(`卷[0-9]+-[0-9]{4}(\.[0-9]+)*`)
)

// printedIDs reads, with pdftotext, the identifier printed on every page
// that carries a marker: marker → identifier.
func printedIDs(t *testing.T, file string) map[string]string {
	t.Helper()
	n, _ := strconv.Atoi(testpdf.PDFInfo(t, file, 0)["Pages"])
	out := map[string]string{}
	for i := 1; i <= n; i++ {
		text := testpdf.PageText(t, file, i)
		m := markerRE.FindString(text)
		if m == "" {
			continue
		}
		id := pageIDRE.FindString(text)
		if id == "" {
			t.Fatalf("%s page %d (%s) prints no identifier:\n%s", filepath.Base(file), i, m, text)
		}
		out[m] = id
	}
	return out
}

// TestVersionIdentifiers: a second version adds a document in volume 1
// (between two kept ones), replaces one in volume 2 by a longer one and
// removes one; every unchanged page prints the identifier it had, the new
// pages get suffixes, the removed document keeps its row in the 卷内目录,
// and a supplement of the added and replaced documents prints the same
// identifiers as the full version.
func TestVersionIdentifiers(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	mk := func(name string, markers ...string) string {
		var pgs []testpdf.Page
		for _, m := range markers {
			pgs = append(pgs, testpdf.Page{Marker: m})
		}
		testpdf.Make(t, p(name+".pdf"), pgs...)
		if _, err := scan.Ingest(context.Background(), p(name+".pdf"), p(name+".in.pdf"), scan.Limits{}); err != nil {
			t.Fatal(err)
		}
		return p(name + ".in.pdf")
	}
	a, b := mk("a", "DOCA1", "DOCA2"), mk("b", "DOCB1")
	c, d, e := mk("c", "DOCC1"), mk("d", "DOCD1", "DOCD2"), mk("e", "DOCE1")
	n, r := mk("n", "DOCN1", "DOCN2"), mk("r", "DOCR1", "DOCR2", "DOCR3")
	v1docs := []Document{
		{Key: "a", Volume: 1, VolumeTitle: "诉讼文书卷", Seq: 1, Title: "起诉意见书", Path: a},
		{Key: "b", Volume: 1, Seq: 2, Title: "讯问笔录", Path: b},
		{Key: "c", Volume: 2, VolumeTitle: "证据材料卷", Seq: 1, Title: "现场照片", Path: c},
		{Key: "d", Volume: 2, Seq: 2, Title: "鉴定意见", Path: d},
		{Key: "e", Volume: 2, Seq: 3, Title: "证人证言", Path: e},
	}
	v1 := p("v1.pdf")
	man1, err := AssembleBase(context.Background(), testCase, v1docs, v1, AssembleOptions{Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	ids1 := printedIDs(t, v1)
	want1 := map[string]string{"DOCA1": "卷1-0001", "DOCA2": "卷1-0002", "DOCB1": "卷1-0003",
		"DOCC1": "卷2-0001", "DOCD1": "卷2-0002", "DOCD2": "卷2-0003", "DOCE1": "卷2-0004"}
	for m, id := range want1 {
		if ids1[m] != id {
			t.Errorf("v1: %s prints %q, want %q", m, ids1[m], id)
		}
	}

	// Version 2: n inserted between a and b, d replaced by the longer r, c removed.
	v2docs := []Document{
		{Key: "a", Volume: 1, VolumeTitle: "诉讼文书卷", Seq: 1, Title: "起诉意见书", Path: a},
		{Key: "n", Volume: 1, Seq: 2, Title: "补充侦查报告", Path: n},
		{Key: "b", Volume: 1, Seq: 3, Title: "讯问笔录", Path: b},
		{Key: "r", Replaces: "d", Volume: 2, VolumeTitle: "证据材料卷", Seq: 2, Title: "鉴定意见（更正）", Path: r},
		{Key: "e", Volume: 2, Seq: 3, Title: "证人证言", Path: e},
	}
	v2 := p("v2.pdf")
	man2, err := AssembleBase(context.Background(), testCase, v2docs, v2, AssembleOptions{Version: 2, Previous: man1.Ledger})
	if err != nil {
		t.Fatal(err)
	}
	testpdf.QPDFCheck(t, v2)
	ids2 := printedIDs(t, v2)
	for _, m := range []string{"DOCA1", "DOCA2", "DOCB1", "DOCE1"} {
		if ids2[m] == "" || ids2[m] != ids1[m] {
			t.Errorf("unchanged page %s: v1 %q, v2 %q", m, ids1[m], ids2[m])
		}
	}
	want2 := map[string]string{"DOCN1": "卷1-0002.1", "DOCN2": "卷1-0002.2",
		"DOCR1": "卷2-0002", "DOCR2": "卷2-0003", "DOCR3": "卷2-0003.1"}
	for m, id := range want2 {
		if ids2[m] != id {
			t.Errorf("v2: %s prints %q, want %q", m, ids2[m], id)
		}
	}
	if _, ok := ids2["DOCC1"]; ok {
		t.Error("the removed document's page is still in version 2")
	}

	// The removed document keeps its row, with its identifier, where it was.
	toc := testpdf.Squash(testpdf.PageText(t, v2, man2.Volumes[1].TOCPage))
	for _, s := range []string{"现场照片（第2版已撤出）", "0001", "鉴定意见（更正）", "0002-0003、0003.1", "页码标识"} {
		if !strings.Contains(toc, testpdf.Squash(s)) {
			t.Errorf("volume 2's 卷内目录 lacks %q:\n%s", s, toc)
		}
	}
	if i, j := strings.Index(toc, "现场照片"), strings.Index(toc, "鉴定意见"); i < 0 || j < i {
		t.Errorf("the removed row is not before the next document's:\n%s", toc)
	}

	ch := pageid.Changes(man2.Ledger, 2)
	got := func(es []pageid.LedgerEntry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.Key+":"+pageid.Span(e.Runs, true))
		}
		return strings.Join(s, " ")
	}
	if got(ch.Added) != "n:卷1-0002.1-0002.2" || got(ch.Replaced) != "r:卷2-0002-0003、0003.1" || got(ch.Removed) != "c:卷2-0001" {
		t.Errorf("change list: added %q, replaced %q, removed %q", got(ch.Added), got(ch.Replaced), got(ch.Removed))
	}
	if ch.Replaced[0].Replaces != "d" || pageid.Span(ch.Replaced[0].ReplacedRuns, true) != "卷2-0002-0003" {
		t.Errorf("replaced: %+v", ch.Replaced[0])
	}

	// The supplement: only the added and replaced documents, same identifiers.
	var sup []Document
	for _, x := range v2docs {
		for _, le := range append(ch.Added, ch.Replaced...) {
			if le.Key == x.Key {
				x.IDs = le.Runs
				sup = append(sup, x)
			}
		}
	}
	sp := p("sup.pdf")
	if _, err := AssembleBase(context.Background(), testCase, sup, sp, AssembleOptions{Version: 2, Since: 1, Supplement: true}); err != nil {
		t.Fatal(err)
	}
	ids3 := printedIDs(t, sp)
	if len(ids3) != 5 {
		t.Errorf("the supplement has pages %v, want the 5 added and replaced", ids3)
	}
	for m, id := range ids3 {
		if ids2[m] != id {
			t.Errorf("supplement: %s prints %q, the full version %q", m, id, ids2[m])
		}
	}
	if cover := testpdf.Squash(testpdf.PageText(t, sp, 1)); !strings.Contains(cover, testpdf.Squash("第 2 版补充材料")) {
		t.Errorf("supplement cover: %s", cover)
	}

	// Version 3 appends to volume 2 after the removal: numbers are never reused.
	v3docs := append(v2docs[:len(v2docs):len(v2docs)], Document{Key: "c2", Volume: 2, Seq: 9, Title: "补充证据", Path: c})
	man3, err := AssembleBase(context.Background(), testCase, v3docs, p("v3.pdf"), AssembleOptions{Version: 3, Previous: man2.Ledger})
	if err != nil {
		t.Fatal(err)
	}
	if ch := pageid.Changes(man3.Ledger, 3); got(ch.Added) != "c2:卷2-0005" || len(ch.Removed) != 0 {
		t.Errorf("v3 change list: added %q, removed %d", got(ch.Added), len(ch.Removed))
	}
	if rm := man3.Volumes[1].Removed; len(rm) != 1 || rm[0].RemovedIn != 2 {
		t.Errorf("v3 still shows the removal of version 2: %+v", rm)
	}
}
