package dossier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/cjkfont"
	"github.com/yuejuan/yuejuan/internal/guard"
	"github.com/yuejuan/yuejuan/internal/pdffile"
	"github.com/yuejuan/yuejuan/internal/pdfpage"
	"github.com/yuejuan/yuejuan/internal/pdftext"
	"github.com/yuejuan/yuejuan/pkg/pageid"
	"github.com/yuejuan/yuejuan/pkg/scan"
)

// Layout of the generated pages (A4 portrait, points).
const (
	tocRowsPerPage = 26
	tocTop         = 715.0 // top of the table
	tocHeaderH     = 26.0
	tocRowH        = 24.0
	tocLeft        = 56.0
	tocColSeq      = 101.0 // right edge of 序号
	tocColTitle    = 369.0 // right edge of 文件名称
	tocColIDs      = 474.0 // right edge of 页码标识
	tocRight       = 539.0
	fontKey        = "F0"

	// Lines of the cover's wrapped values: 3 hold a 64-character case
	// number and 10 a 200-character title at 15 pt (22 CJK characters a
	// line), and with them the cover's last line stays an inch above the
	// page's bottom edge.
	coverCaseNoLines = 3
	coverTitleLines  = 10
	coverUnitLines   = 2
)

// AssembleBase writes the base dossier for a case to dst: a cover page, then
// per volume its 卷内目录 (table of contents, one clickable row per document
// with its page range) followed by the volume's documents in Seq order;
// bookmarks volume → document; "第 N 页 / 共 M 页" at the top right of every
// page; and metadata (Title, Subject with the case number, Creator yuejuan).
// Page numbers count every page of the dossier, cover included.
//
// Documents must be PDFs written by scan.Ingest. If some cannot be used,
// AssembleBase either fails with an *AssembleError listing every one of them
// or, with opt.Placeholders, puts a slip-sheet page in each one's place that
// names the file and the reason. The output depends only on the inputs
// (dates come from info.Date), so building twice gives identical bytes.
//
// Every page also draws a stamp slot (/YJStamp), an empty form XObject per
// displayed page size that is written, with the document information, the
// cross-reference table and the trailer, after all other objects; the
// layout is recorded in a Sidecar written to SidecarPath(dst). MakeCopy
// then makes a stamped copy from the sidecar alone.
func AssembleBase(ctx context.Context, info CaseInfo, docs []Document, dst string, opt AssembleOptions) (Manifest, error) {
	var m Manifest
	var sc *Sidecar
	err := writeFileAtomic(ctx, dst, func(w io.Writer) error {
		var err error
		m, sc, err = AssembleBaseTo(ctx, info, docs, w, opt)
		return err
	})
	if err != nil {
		return Manifest{}, err
	}
	data, err := sc.Marshal()
	if err != nil {
		return Manifest{}, err
	}
	return m, writeFileAtomic(ctx, SidecarPath(dst), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// AssembleBaseTo is AssembleBase writing the base to w as it is made —
// object by object, never held whole, never written to a file first (on
// S3, a multipart upload) — and returning its sidecar rather than writing
// it. The bytes are those AssembleBase writes for equal input. On an error
// w has received part of a base: the caller abandons it (blob.Writer: cancel
// its context, then Close), so that no partial base is ever visible.
func AssembleBaseTo(ctx context.Context, info CaseInfo, docs []Document, w io.Writer, opt AssembleOptions) (Manifest, *Sidecar, error) {
	if err := cjkfont.Ensure(); err != nil {
		return Manifest{}, nil, err
	}
	if len(docs) == 0 {
		return Manifest{}, nil, errors.New("dossier: no documents")
	}
	sorted := make([]Document, len(docs))
	copy(sorted, docs)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Volume != sorted[j].Volume {
			return sorted[i].Volume < sorted[j].Volume
		}
		return sorted[i].Seq < sorted[j].Seq
	})
	type result struct {
		m  Manifest
		sc *Sidecar
	}
	r, err := guard.Run(ctx, func(c context.Context) (result, error) {
		m, sc, err := assemble(c, info, sorted, func(write func(io.Writer) error) error { return write(w) }, opt)
		return result{m, sc}, err
	})
	var pe *guard.PanicError
	if errors.As(err, &pe) {
		return Manifest{}, nil, fmt.Errorf("dossier: assembling failed: %v", pe.Value)
	}
	return r.m, r.sc, err
}

type volume struct {
	num      int
	title    string
	docs     []Document
	removed  []pageid.LedgerEntry // documents removed in this or an earlier version
	tocPages []types.IndirectRef
}

// tocPageCount is how many 卷内目录 pages the volume has: a row per
// document and per removed one.
func (v *volume) tocPageCount() int {
	return (len(v.docs) + len(v.removed) + tocRowsPerPage - 1) / tocRowsPerPage
}

type docResult struct {
	doc       Document
	first     int // 1-based page numbers in the dossier
	last      int
	rejection *scan.Rejection
}

func groupVolumes(docs []Document) []*volume {
	var vols []*volume
	for _, d := range docs {
		if len(vols) == 0 || vols[len(vols)-1].num != d.Volume {
			vols = append(vols, &volume{num: d.Volume})
		}
		v := vols[len(vols)-1]
		if v.title == "" {
			v.title = d.VolumeTitle
		}
		v.docs = append(v.docs, d)
	}
	return vols
}

func setContents(xt *model.XRefTable, page types.IndirectRef, content string) error {
	ref, err := pdffile.NewStream(xt, []byte(content), nil)
	if err != nil {
		return err
	}
	d, err := xt.DereferenceDict(page)
	if err != nil {
		return err
	}
	d["Contents"] = ref
	return nil
}

func center(tk *pdftext.Kit, b *strings.Builder, s string, size, y float64) {
	tk.Show(b, fontKey, s, size, (pdfpage.A4.W()-tk.Width(s, size))/2, y)
}

func drawCover(xt *model.XRefTable, tk *pdftext.Kit, page types.IndirectRef, info CaseInfo, opt AssembleOptions, vols, total int) error {
	var b strings.Builder
	b.WriteString("0 g\n")
	if info.Unit != "" {
		center(tk, &b, tk.Fit(info.Unit, 20, 480), 20, 745)
	}
	center(tk, &b, "电子卷宗", 40, 640)
	b.WriteString("0.6 w 120 610 m 475.28 610 l S\n")
	switch {
	case opt.Supplement:
		center(tk, &b, fmt.Sprintf("第 %d 版补充材料（第 %d 版以来新增、替换的文件）", opt.Version, opt.Since), 14, 582)
	case opt.Version > 0:
		center(tk, &b, fmt.Sprintf("第 %d 版", opt.Version), 14, 582)
	}
	size := 15.0
	label := "案件名称："
	x := 110.0
	vx := x + tk.Width(label, size)
	maxW := pdfpage.A4.W() - 80 - vx
	y := 540.0
	// Each value wraps to at most n lines (a longer one ends in "…"): the
	// longest values allowed (limits.CaseNo, limits.CaseTitle) fit whole,
	// and the date stays above the bottom margin.
	line := func(l, v string, n int) {
		tk.Show(&b, fontKey, l, size, x, y)
		lines := tk.WrapN(v, size, maxW, n)
		if len(lines) == 0 {
			lines = []string{""}
		}
		for i, s := range lines {
			if i > 0 {
				y -= 24
			}
			tk.Show(&b, fontKey, s, size, vx, y)
		}
		y -= 36
	}
	line("案　　号：", info.CaseNo, coverCaseNoLines)
	line("案件名称：", info.Title, coverTitleLines)
	line("承办单位：", info.Unit, coverUnitLines)
	line("卷　　数：", fmt.Sprintf("共 %d 卷", vols), 1)
	line("总 页 数：", fmt.Sprintf("共 %d 页", total), 1)
	line("日　　期：", fmt.Sprintf("%d年%d月%d日", info.Date.Year(), int(info.Date.Month()), info.Date.Day()), 1)
	return setContents(xt, page, b.String())
}

func pageRange(first, last int) string {
	if first == last {
		return fmt.Sprint(first)
	}
	return fmt.Sprintf("%d-%d", first, last)
}

func drawTOC(xt *model.XRefTable, tk *pdftext.Kit, v *volume, ve VolumeEntry, info CaseInfo, pgs []*pdfpage.Page) error {
	for pi, ref := range v.tocPages {
		var b strings.Builder
		b.WriteString("0 g\n")
		center(tk, &b, "卷内目录", 22, 780)
		sub := fmt.Sprintf("第 %d 卷", v.num)
		if v.title != "" {
			sub += "　" + v.title
		}
		if pi > 0 {
			sub += "（续）"
		}
		center(tk, &b, tk.Fit(sub, 13, 480), 13, 752)
		tk.Show(&b, fontKey, tk.Fit("案号："+info.CaseNo, 10, 330), 10, tocLeft, 727)
		count := fmt.Sprintf("共 %d 件", len(v.docs))
		tk.Show(&b, fontKey, count, 10, tocRight-tk.Width(count, 10), 727)

		rows := tocRows(ve)[pi*tocRowsPerPage:]
		if len(rows) > tocRowsPerPage {
			rows = rows[:tocRowsPerPage]
		}
		bottom := tocTop - tocHeaderH - tocRowH*float64(len(rows))
		// grid
		b.WriteString("0.6 w\n")
		fmt.Fprintf(&b, "%s %s m %s %s l S\n", ff(tocLeft), ff(tocTop), ff(tocRight), ff(tocTop))
		for i := 0; i <= len(rows); i++ {
			y := tocTop - tocHeaderH - tocRowH*float64(i)
			fmt.Fprintf(&b, "%s %s m %s %s l S\n", ff(tocLeft), ff(y), ff(tocRight), ff(y))
		}
		for _, x := range []float64{tocLeft, tocColSeq, tocColTitle, tocColIDs, tocRight} {
			fmt.Fprintf(&b, "%s %s m %s %s l S\n", ff(x), ff(tocTop), ff(x), ff(bottom))
		}
		hy := tocTop - 17.5
		cell := func(s string, size, l, r, y float64) {
			tk.Show(&b, fontKey, s, size, l+(r-l-tk.Width(s, size))/2, y)
		}
		cell("序号", 11, tocLeft, tocColSeq, hy)
		cell("文件名称", 11, tocColSeq, tocColTitle, hy)
		cell("页码标识", 11, tocColTitle, tocColIDs, hy)
		cell("页号", 11, tocColIDs, tocRight, hy)

		var annots types.Array
		for i, e := range rows {
			top := tocTop - tocHeaderH - tocRowH*float64(i)
			y := top - 16.5
			ids := e.IDs
			for size := 11.0; ; size -= 0.5 {
				if w := tk.Width(ids, size); w <= tocColIDs-tocColTitle-6 || size <= 7 {
					cell(tk.Fit(ids, size, tocColIDs-tocColTitle-6), size, tocColTitle, tocColIDs, y)
					break
				}
			}
			if e.RemovedIn != 0 {
				// A removed document keeps its row: its identifiers are a
				// gap, never given to another page.
				cell("—", 11, tocLeft, tocColSeq, y)
				note := fmt.Sprintf("（第%d版已撤出）", e.RemovedIn)
				tk.Show(&b, fontKey, tk.Fit(e.Title, 10, tocColTitle-tocColSeq-12-tk.Width(note, 10))+note, 10, tocColSeq+6, y)
				cell("—", 11, tocColIDs, tocRight, y)
				continue
			}
			cell(fmt.Sprint(e.seq), 11, tocLeft, tocColSeq, y)
			title := e.Title
			if e.Placeholder != "" {
				title += "（未纳入，见占位页）"
			}
			size := 11.0
			maxW := tocColTitle - tocColSeq - 12
			for size > 8 && tk.Width(title, size) > maxW {
				size -= 0.5
			}
			tk.Show(&b, fontKey, tk.Fit(title, size, maxW), size, tocColSeq+6, y)
			cell(pageRange(e.FirstPage, e.LastPage), 11, tocColIDs, tocRight, y)
			target := pgs[e.FirstPage-1].Ref
			annots = append(annots, types.Dict{
				"Type":    types.Name("Annot"),
				"Subtype": types.Name("Link"),
				"Rect":    types.Array{types.Float(tocLeft), types.Float(top - tocRowH), types.Float(tocRight), types.Float(top)},
				"Border":  types.Array{types.Integer(0), types.Integer(0), types.Integer(0)},
				"Dest":    types.Array{target, types.Name("XYZ"), nil, nil, nil},
			})
		}
		if err := setContents(xt, ref, b.String()); err != nil {
			return err
		}
		d, err := xt.DereferenceDict(ref)
		if err != nil {
			return err
		}
		if len(annots) > 0 {
			d["Annots"] = annots
		}
	}
	return nil
}

// tocRow is a row of a 卷内目录: a document with its number, or a removed
// one.
type tocRow struct {
	TOCEntry
	seq int
}

// tocRows are a volume's 卷内目录 rows: its documents in order, each removed
// document placed before the first document whose identifiers follow its
// own (documents keep their order; a removed one shows where it was).
func tocRows(ve VolumeEntry) []tocRow {
	var rows []tocRow
	gone := ve.Removed
	for i, e := range ve.Docs {
		for len(gone) > 0 && spanBefore(gone[0].IDs, e.IDs) {
			rows = append(rows, tocRow{TOCEntry: gone[0]})
			gone = gone[1:]
		}
		rows = append(rows, tocRow{TOCEntry: e, seq: i + 1})
	}
	for _, g := range gone {
		rows = append(rows, tocRow{TOCEntry: g})
	}
	return rows
}

// spanBefore reports whether span a (as Span prints it, local) starts
// before span b.
func spanBefore(a, b string) bool {
	pa, pb := parseLocal(a), parseLocal(b)
	if pa == nil || pb == nil {
		return false
	}
	return pageid.Less(pageid.PageID{Path: pa}, pageid.PageID{Path: pb})
}

// parseLocal reads the first identifier of a local span (0013.2-0014).
func parseLocal(s string) []int {
	if i := strings.IndexAny(s, "-、"); i >= 0 {
		s = s[:i]
	}
	var out []int
	for _, f := range strings.Split(s, ".") {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}

func ff(f float64) string { return pdffile.FormatFloat(f) }

func drawSlip(xt *model.XRefTable, tk *pdftext.Kit, page types.IndirectRef, r *docResult) error {
	var b strings.Builder
	b.WriteString("0 g\n")
	center(tk, &b, "此处文件未能纳入电子卷宗", 22, 660)
	center(tk, &b, "(this document could not be included in the dossier)", 11, 636)
	b.WriteString("0.6 w 80 615 m 515.28 615 l S\n")
	x, y, size := 80.0, 580.0, 13.0
	maxW := pdfpage.A4.W() - 2*x
	put := func(s string, sz float64, n int) {
		for _, l := range tk.WrapN(s, sz, maxW, n) {
			tk.Show(&b, fontKey, l, sz, x, y)
			y -= sz * 1.7
		}
	}
	vol := fmt.Sprintf("第 %d 卷", r.doc.Volume)
	if r.doc.VolumeTitle != "" {
		vol += "　" + r.doc.VolumeTitle
	}
	put("卷　　次："+vol, size, 3)
	put("文件名称："+r.doc.Title, size, 8)
	put("文　　件："+filepath.Base(r.doc.Path), size, 2)
	put("原　　因："+r.rejection.Reason, size, 10)
	y -= 20
	put("请联系案件管理部门补充该文件。(Contact the case management office for this document.)", 11, 0)
	return setContents(xt, page, b.String())
}

// addOutline writes the bookmarks: volume (→ its table of contents) → document.
func addOutline(xt *model.XRefTable, man Manifest, pgs []*pdfpage.Page) error {
	root, err := xt.Catalog()
	if err != nil {
		return err
	}
	outlines := types.Dict{"Type": types.Name("Outlines")}
	oref, err := xt.IndRefForNewObject(outlines)
	if err != nil {
		return err
	}
	dest := func(pageNr int) types.Array {
		return types.Array{pgs[pageNr-1].Ref, types.Name("XYZ"), nil, nil, nil}
	}
	// create items first, link them afterwards
	type item struct {
		ref  types.IndirectRef
		d    types.Dict
		kids []*item
	}
	newItem := func(title string, page int, parent types.IndirectRef) (*item, error) {
		d := types.Dict{"Title": pdffile.TextString(title), "Parent": parent, "Dest": dest(page)}
		ref, err := xt.IndRefForNewObject(d)
		if err != nil {
			return nil, err
		}
		return &item{ref: *ref, d: d}, nil
	}
	link := func(parent types.Dict, items []*item) {
		for i, it := range items {
			if i > 0 {
				it.d["Prev"] = items[i-1].ref
			}
			if i+1 < len(items) {
				it.d["Next"] = items[i+1].ref
			}
		}
		if len(items) > 0 {
			parent["First"] = items[0].ref
			parent["Last"] = items[len(items)-1].ref
		}
	}
	var top []*item
	visible := 0
	for _, v := range man.Volumes {
		title := fmt.Sprintf("第 %d 卷", v.Volume)
		if v.Title != "" {
			title += " " + v.Title
		}
		vi, err := newItem(title, v.TOCPage, *oref)
		if err != nil {
			return err
		}
		for _, e := range v.Docs {
			t := e.Title
			if e.Placeholder != "" {
				t += "（未纳入）"
			}
			if e.IDs != "" {
				t += fmt.Sprintf("（卷%d %s）", v.Volume, e.IDs)
			}
			di, err := newItem(t, e.FirstPage, vi.ref)
			if err != nil {
				return err
			}
			vi.kids = append(vi.kids, di)
		}
		link(vi.d, vi.kids)
		if len(vi.kids) > 0 {
			vi.d["Count"] = types.Integer(len(vi.kids))
		}
		visible += 1 + len(vi.kids)
		top = append(top, vi)
	}
	link(outlines, top)
	outlines["Count"] = types.Integer(visible)
	root["Outlines"] = *oref
	return nil
}
