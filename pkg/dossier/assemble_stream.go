package dossier

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/cjkfont"
	"github.com/yuejuan/yuejuan/internal/pdffile"
	"github.com/yuejuan/yuejuan/internal/pdfpage"
	"github.com/yuejuan/yuejuan/internal/pdftext"
	"github.com/yuejuan/yuejuan/internal/raster"
	"github.com/yuejuan/yuejuan/pkg/pageid"
	"github.com/yuejuan/yuejuan/pkg/scan"
)

// Streaming base assembly. The base is written object by object to its
// file, in object-number order, and no more than a few documents are in
// memory at a time (their objects, never their stream data): what stays in
// memory for the whole build is O(pages) — the page tree, the bookmarks, the
// 卷内目录 rows, the cross-reference offsets.
//
// The build reads every document twice. The plan reads each one (several
// at once) and keeps only its page count, the number of objects it
// contributes and the sizes and placements of its pages; from the plans
// every object number of the base is known before a byte is written. Then
// the file is written:
//
//	1 … G     the generated objects: catalog, page tree, bookmarks, cover,
//	          卷内目录 and slip-sheet pages with their text, the font, the
//	          shared page-number and stamp-slot overlay streams;
//	G+1 … F-1 each document in turn: per page its dictionary and its
//	          page-number form, then the objects its pages use, streams
//	          copied raw from the document's file (never decoded);
//	F …       the stamp slots, the document information, the xref table
//	          and the trailer (the tail MakeCopy replaces, see Sidecar).
//
// pdfcpu is used here for the generated objects (the CJK font and its
// subset, through pdftext.Kit) and to parse object syntax; the documents
// themselves are read by the light reader (pdffile.Read), or by pdfcpu in
// full, validated as scan.Ingest reads uploads, when the light reader cannot
// take one.

// DefaultMaxPages and DefaultMaxBytes are the largest base dossier
// AssembleBase builds unless AssembleOptions says otherwise: pages counted
// with the cover, 卷内目录 and slip-sheets; bytes of the ingested documents.
// Memory grows with pages, not bytes: a 30,000-page base of one-page
// documents (the worst case: a 卷内目录 row and a bookmark per page) peaks at
// about 230 MiB, one of 20,000 scanned pages (5 GB) at 180 MiB, see
// docs/benchmarks.md. The byte ceiling is the assemble job's on AWS Lambda,
// which downloads the documents and writes the base on its 10 GB of /tmp.
const (
	DefaultMaxPages = 30_000
	DefaultMaxBytes = 4 << 30
)

// TooLargeError refuses a dossier over a ceiling, before anything is built.
type TooLargeError struct {
	Pages, MaxPages int   // pages of the dossier (0 if not counted yet) and the ceiling
	Bytes, MaxBytes int64 // bytes of the ingested documents (0 if not counted yet) and the ceiling
}

// Error implements error.
func (e *TooLargeError) Error() string {
	if e.MaxPages > 0 && e.Pages > e.MaxPages {
		return fmt.Sprintf("卷宗过大：共 %d 页，超过单份卷宗 %d 页的上限，请分案或分册组卷 (the dossier is too large: %d pages, the limit is %d; split it)",
			e.Pages, e.MaxPages, e.Pages, e.MaxPages)
	}
	b, mb := bigSize(e.Bytes), bigSize(e.MaxBytes)
	return fmt.Sprintf("卷宗过大：材料共 %s，超过单份卷宗 %s 的上限，请分案或分册组卷 (the dossier is too large: %s of documents, the limit is %s; split it)",
		b, mb, b, mb)
}

func bigSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
}

// rejection refuses a document that cannot be assembled, as scan refuses
// an upload.
func rejection(file, code, format string, args ...any) *scan.Rejection {
	return &scan.Rejection{File: file, Code: code, Reason: fmt.Sprintf(format, args...)}
}

// CheckSize refuses a dossier of pages pages (0: not known) built from
// bytes bytes of ingested documents (0: not known) with a *TooLargeError
// when it is over the ceilings of opt; callers that know the figures before
// they have the documents (the assemble job) check them first.
func CheckSize(pages int, bytes int64, opt AssembleOptions) error {
	mp, mb := opt.ceilings()
	if pages > mp || bytes > mb {
		return &TooLargeError{Pages: pages, MaxPages: mp, Bytes: bytes, MaxBytes: mb}
	}
	return nil
}

func (o AssembleOptions) ceilings() (int, int64) {
	mp, mb := o.MaxPages, o.MaxBytes
	if mp <= 0 {
		mp = DefaultMaxPages
	}
	if mb <= 0 {
		mb = DefaultMaxBytes
	}
	return mp, mb
}

// docPlan is what the plan keeps of a document.
type docPlan struct {
	rejection *scan.Rejection
	pages     int   // pages it contributes (a slip-sheet: generated, 0 here)
	objects   int   // objects it contributes
	bytes     int64 // size of its file
	sizes     []sizeUse
	overlays  []string // distinct overlay contents, in order of first use
	glyphs    string   // the characters of its text layer (textlayer.go)
}

// sizeUse is a displayed page size and how many pages have it.
type sizeUse struct {
	key   [2]float64
	w, h  float64
	pages int
}

func sizeKey(w, h float64) [2]float64 {
	return [2]float64{math.Round(w*100) / 100, math.Round(h*100) / 100}
}

// openSource opens an ingested document: by the light reader, else by
// pdfcpu (checked as scan.Ingest checks uploads). A document that cannot be used
// gives a *Rejection.
func openSource(c context.Context, d Document) (src *sourcePDF, err error) {
	name := filepath.Base(d.Path)
	f, err := os.Open(d.Path)
	if err != nil {
		return nil, rejection(name, scan.CodeUnreadable, "文件无法打开（%v），请重新上传 (the file cannot be opened: %v; upload it again)", errors.Unwrap(err), errors.Unwrap(err))
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, rejection(name, scan.CodeUnreadable, "文件无法打开（%v），请重新上传 (the file cannot be opened: %v; upload it again)", err, err)
	}
	win, err := pdffile.NewWindow(f, st.Size())
	if err != nil {
		f.Close()
		return nil, rejection(name, scan.CodeUnreadable, "文件无法读取（%v），请重新上传 (the file cannot be read: %v; upload it again)", err, err)
	}
	if raster.Sniff(win.Head()[:min(len(win.Head()), 1024)]) != raster.PDF {
		f.Close()
		return nil, rejection(name, scan.CodeUnknownFormat, "文件不是 PDF，需先经过导入处理 (the file is not a PDF; it has to be ingested first)")
	}
	if xt, streams, err := pdffile.Read(c, win, st.Size()); err == nil {
		if pgs, err := pdfpage.Pages(xt); err == nil && len(pgs) > 0 {
			return &sourcePDF{xt: xt, pgs: pgs, f: f, streams: streams, size: st.Size()}, nil
		}
	} else if c.Err() != nil {
		f.Close()
		return nil, c.Err()
	}
	// Not the layout scan.Ingest writes: pdfcpu reads it whole, as before.
	defer func() {
		if p := recover(); p != nil {
			src, err = nil, scan.CorruptPDF(name)
		}
	}()
	defer f.Close()
	pc, pgs, err := scan.ReadPDF(c, f, name, scan.DefaultLimits())
	if err != nil {
		return nil, err
	}
	return &sourcePDF{xt: pc.XRefTable, pgs: pgs, pdfcpu: true, size: st.Size()}, nil
}

// Object numbers of a document's layout that stand for objects outside
// it (negative, so that they cannot be the document's own): the shared
// "q" stream, the font resources, and per page i its parent in the page
// tree, its page-number form, its stamp slot and its overlay stream.
const (
	extOpen    = -1
	extFontRes = -2
)

func extPage(i, j int) types.IndirectRef { return *types.NewIndirectRef(-(8 + 4*i + j), 0) }

// docLayout is a document as the base writes it: its pages' dictionaries
// (decorated, see decorate) and the objects they use, in writing order.
type docLayout struct {
	pages []layoutPage
	objs  []int // the document's object numbers, in the order written
}

type layoutPage struct {
	old     int // the page's object number in the document
	dict    types.Dict
	w, h    float64 // displayed size
	overlay string  // content of its overlay stream
}

// objects is how many objects the document contributes.
func (l *docLayout) objects() int { return 2*len(l.pages) + len(l.objs) }

func layoutDoc(c context.Context, src *sourcePDF) (*docLayout, error) {
	xt := src.xt
	l := &docLayout{}
	isPage := map[int]bool{}
	for _, p := range src.pgs {
		isPage[int(p.Ref.ObjectNumber)] = true
	}
	for i, p := range src.pgs {
		refs := pageRefs{parent: extPage(i, 0), pn: extPage(i, 1), slot: extPage(i, 2),
			open: *types.NewIndirectRef(extOpen, 0), overlay: func(string) types.IndirectRef { return extPage(i, 3) }}
		content, err := decorate(xt, p, refs)
		if err != nil {
			return nil, err
		}
		w, h := p.DisplaySize()
		l.pages = append(l.pages, layoutPage{old: int(p.Ref.ObjectNumber), dict: p.Dict, w: w, h: h, overlay: content})
	}
	seen := map[int]bool{}
	var visit func(o types.Object, depth int) error
	visit = func(o types.Object, depth int) error {
		if depth > pdffile.MaxDepth {
			return errors.New("object graph too deep")
		}
		switch o := o.(type) {
		case types.IndirectRef:
			nr := int(o.ObjectNumber)
			if nr <= 0 || seen[nr] || isPage[nr] {
				return nil
			}
			obj, err := xt.Dereference(o)
			if err != nil {
				return fmt.Errorf("object %d: %w", nr, err)
			}
			switch obj := obj.(type) {
			case nil, types.ObjectStreamDict, types.XRefStreamDict:
				return nil
			case types.Dict:
				// The document's catalog and page tree nodes stay behind
				// (a reference to them is written as null).
				if t := obj.Type(); t != nil && (*t == "Pages" || *t == "Catalog") {
					return nil
				}
			}
			seen[nr] = true
			l.objs = append(l.objs, nr)
			if len(l.objs)%1024 == 0 && c.Err() != nil {
				return c.Err()
			}
			return visit(obj, depth+1)
		case types.Dict:
			for _, k := range pdffile.SortedKeys(o) {
				if err := visit(o[k], depth+1); err != nil {
					return err
				}
			}
		case types.StreamDict:
			return visit(o.Dict, depth)
		case types.Array:
			for _, v := range o {
				if err := visit(v, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, p := range l.pages {
		if err := visit(p.dict, 0); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// pageRefs are the objects a page of the base draws besides its own.
type pageRefs struct {
	parent, pn, slot, open types.IndirectRef
	overlay                func(content string) types.IndirectRef
}

// decorate makes p's dictionary the base's page: its parent, the
// attributes it inherited made its own, its resources its own dictionary
// with the page-number form (/YJpn) and the stamp slot (/YJStamp) added, and
// its content wrapped in q … Q followed by one overlay stream drawing both,
// in display coordinates (see pdfpage.Page.DisplayMatrix), so nothing of the page's
// graphics state leaks into them. It returns the overlay's content: pages
// of the same placement share one overlay stream.
func decorate(xt *model.XRefTable, p *pdfpage.Page, r pageRefs) (string, error) {
	d := p.Dict
	d["Parent"] = r.parent
	if _, ok := d.Find("MediaBox"); !ok {
		m := pdfpage.A4
		if p.Media != nil {
			m = *p.Media
		}
		d["MediaBox"] = types.NewNumberArray(m.LLX, m.LLY, m.URX, m.URY)
	}
	if _, ok := d.Find("CropBox"); !ok && p.Crop != nil {
		d["CropBox"] = types.NewNumberArray(p.Crop.LLX, p.Crop.LLY, p.Crop.URX, p.Crop.URY)
	}
	if _, ok := d.Find("Rotate"); !ok && p.Rotate != 0 {
		d["Rotate"] = types.Integer(p.Rotate)
	}
	res := types.Dict{}
	if p.Resources != nil {
		rd, err := xt.DereferenceDict(p.Resources)
		if err != nil {
			return "", err
		}
		for k, v := range rd {
			res[k] = v
		}
	}
	xobj := types.Dict{}
	if x, ok := res["XObject"]; ok && x != nil {
		xd, err := xt.DereferenceDict(x)
		if err != nil {
			return "", err
		}
		for k, v := range xd {
			xobj[k] = v
		}
	}
	free := func(prefix string) string {
		name := prefix
		for i := 1; ; i++ {
			if _, taken := xobj[name]; !taken {
				return name
			}
			name = prefix + strconv.Itoa(i)
		}
	}
	pn := free("YJpn")
	xobj[pn] = r.pn
	slot := free(SlotName)
	xobj[slot] = r.slot
	res["XObject"] = xobj
	d["Resources"] = res
	p.Resources = res

	var existing types.Array
	if c, ok := d.Find("Contents"); ok && c != nil {
		switch v := c.(type) {
		case types.Array:
			existing = v
		case types.IndirectRef:
			obj, err := xt.Dereference(v)
			if err != nil {
				return "", err
			}
			if a, ok := obj.(types.Array); ok {
				existing = a
			} else if obj != nil {
				existing = types.Array{v}
			}
		}
	}
	var b strings.Builder
	if len(existing) > 0 {
		b.WriteString("Q\n")
	}
	m := pdfpage.MatrixString(p.DisplayMatrix())
	fmt.Fprintf(&b, "q %s cm /%s Do Q\nq %s cm /%s Do Q\n", m, pn, m, slot)
	content := b.String()
	contents := types.Array{}
	if len(existing) > 0 {
		contents = append(contents, r.open)
		contents = append(contents, existing...)
	}
	d["Contents"] = append(contents, r.overlay(content))
	return content, nil
}

// pageNumber is the content of page n's page-number form: the page
// number, and under it the page's identifier (docs/versions.md), which
// stays while the page does.
func pageNumber(tk *pdftext.Kit, n, total int, id string, w, h float64) []byte {
	s := fmt.Sprintf("第 %d 页 / 共 %d 页", n, total)
	var b strings.Builder
	b.WriteString("0.25 g\n")
	size := 9.0
	tk.Show(&b, fontKey, s, size, w-20-tk.Width(s, size), h-22)
	if id != "" {
		tk.Show(&b, fontKey, id, 10, w-20-tk.Width(id, 10), h-36)
	}
	return []byte(b.String())
}

// pageNumberGlyphs are all the characters page numbers and identifiers use.
const pageNumberGlyphs = "第页共 /0123456789卷-.目录封面"

// planDoc reads a document for the plan. A document that cannot be used
// (even one that makes the reader panic) gets a rejection.
func planDoc(c context.Context, d Document) (pl docPlan, err error) {
	defer func() {
		if p := recover(); p != nil {
			pl, err = docPlan{rejection: scan.CorruptPDF(filepath.Base(d.Path))}, nil
		}
	}()
	if d.Rejected != "" {
		return docPlan{rejection: &scan.Rejection{File: filepath.Base(d.Path), Reason: d.Rejected}}, nil
	}
	src, err := openSource(c, d)
	var rej *scan.Rejection
	if errors.As(err, &rej) {
		return docPlan{rejection: rej}, nil
	}
	if err != nil {
		return docPlan{}, err
	}
	defer src.close()
	l, err := layoutDoc(c, src)
	if err != nil {
		if c.Err() != nil {
			return docPlan{}, c.Err()
		}
		return docPlan{rejection: scan.CorruptPDF(filepath.Base(d.Path))}, nil
	}
	pl = docPlan{pages: len(l.pages), objects: l.objects(), bytes: src.size}
	pl.glyphs = textGlyphs(d.Words)
	sizes := map[[2]float64]int{}
	overlays := map[string]bool{}
	for _, p := range l.pages {
		k := sizeKey(p.w, p.h)
		if i, ok := sizes[k]; ok {
			pl.sizes[i].pages++
		} else {
			sizes[k] = len(pl.sizes)
			pl.sizes = append(pl.sizes, sizeUse{key: k, w: p.w, h: p.h, pages: 1})
		}
		if !overlays[p.overlay] {
			overlays[p.overlay] = true
			pl.overlays = append(pl.overlays, p.overlay)
		}
	}
	return pl, nil
}

// inOrder runs work(i) for i in [0, n) on up to workers goroutines and
// hands the results to use in order, holding at most ahead of them. A panic
// in work becomes an error. When it returns early (an error, or c done),
// the results not handed to use are given to discard (if not nil).
func inOrder[T any](c context.Context, n, workers, ahead int, work func(c context.Context, i int) (T, error), use func(i int, v T) error, discard func(T)) (err error) {
	type result struct {
		v   T
		err error
	}
	c, cancel := context.WithCancel(c)
	defer cancel()
	pending := make(chan chan result, ahead)
	sem := make(chan struct{}, workers)
	go func() {
		defer close(pending)
		for i := 0; i < n; i++ {
			ch := make(chan result, 1)
			select {
			case pending <- ch:
			case <-c.Done():
				return
			}
			select {
			case sem <- struct{}{}:
			case <-c.Done():
				ch <- result{err: c.Err()}
				return
			}
			go func(i int) {
				var r result
				defer func() {
					if p := recover(); p != nil {
						r.err = fmt.Errorf("dossier: document %d: panic: %v", i+1, p)
					}
					<-sem
					ch <- r
				}()
				r.v, r.err = work(c, i)
			}(i)
		}
	}()
	defer func() {
		if err != nil { // the producer stops, as c is done: drain what was made
			cancel()
			go func() {
				for ch := range pending {
					if r := <-ch; r.err == nil && discard != nil {
						discard(r.v)
					}
				}
			}()
		}
	}()
	i := 0
	for ch := range pending {
		r := <-ch
		if r.err != nil {
			return r.err
		}
		if err := use(i, r.v); err != nil {
			return err
		}
		i++
	}
	if i != n {
		return c.Err()
	}
	return nil
}

func workers() int { return max(1, runtime.GOMAXPROCS(0)) }

// assemble builds the base dossier of docs and writes it with out (the
// PDF) and then its sidecar.
func assemble(c context.Context, info CaseInfo, docs []Document, out func(write func(io.Writer) error) error, opt AssembleOptions) (Manifest, *Sidecar, error) {
	// The plan: every document read, several at once, only counts kept.
	plans := make([]docPlan, len(docs))
	maxPages, maxBytes := opt.ceilings()
	var inBytes int64
	overlays := map[string]string{} // one copy of each overlay's content
	err := inOrder(c, len(docs), workers(), 4*workers(), func(c context.Context, i int) (docPlan, error) {
		return planDoc(c, docs[i])
	}, func(i int, pl docPlan) error {
		for k, o := range pl.overlays {
			if s, ok := overlays[o]; ok {
				pl.overlays[k] = s
			} else {
				overlays[o] = o
			}
		}
		plans[i] = pl
		inBytes += pl.bytes
		if inBytes > maxBytes {
			return &TooLargeError{Bytes: inBytes, MaxBytes: maxBytes}
		}
		return nil
	}, nil)
	if err != nil {
		return Manifest{}, nil, err
	}
	var rejections []*scan.Rejection
	for i, pl := range plans {
		if rej := pl.rejection; rej != nil {
			if docs[i].Title != "" {
				rej.File = docs[i].Title + "（" + rej.File + "）"
			}
			rejections = append(rejections, rej)
		}
	}
	if len(rejections) > 0 && !opt.Placeholders {
		return Manifest{}, nil, &AssembleError{Rejections: rejections}
	}
	pages := make([]int, len(docs)) // a slip-sheet stands in for a rejected one
	ids := make([]pageid.Doc, len(docs))
	for i, pl := range plans {
		pages[i] = max(pl.pages, 1)
		if pl.rejection != nil {
			pages[i] = 1
		}
		d := docs[i]
		ids[i] = pageid.Doc{Key: d.Key, Replaces: d.Replaces, Volume: d.Volume, Title: d.Title, Pages: pages[i], IDs: d.IDs}
	}
	ledger, err := pageid.Assign(ids, opt.Previous, max(opt.Version, 1))
	if err != nil {
		return Manifest{}, nil, err
	}
	vols := groupVolumes(docs)
	total := 1
	for _, v := range vols {
		v.removed = pageid.RemovedIn(ledger, v.num)
		total += v.tocPageCount()
	}
	for _, n := range pages {
		total += n
	}
	if total > maxPages {
		return Manifest{}, nil, &TooLargeError{Pages: total, MaxPages: maxPages, Bytes: inBytes, MaxBytes: maxBytes}
	}
	b, err := newBaseBuild(info, docs, plans, vols, total)
	if err != nil {
		return Manifest{}, nil, err
	}
	b.ledger, b.opt = ledger, opt
	if err := b.generate(); err != nil {
		return Manifest{}, nil, err
	}
	date := types.DateString(info.Date)
	title := info.Title
	if title == "" {
		title = info.CaseNo
	}
	meta := map[string]string{
		"Title":        title,
		"Subject":      fmt.Sprintf("电子卷宗 案号 %s (case file %s)", info.CaseNo, info.CaseNo),
		"Keywords":     info.CaseNo,
		"Creator":      "yuejuan",
		"Producer":     "yuejuan (pdfcpu " + model.VersionStr + ")",
		"CreationDate": date,
		"ModDate":      date,
	}
	if info.Unit != "" {
		meta["Author"] = info.Unit
	}
	var sc *Sidecar
	err = out(func(w io.Writer) error {
		var err error
		sc, err = b.write(c, meta, w)
		return err
	})
	if err != nil {
		return Manifest{}, nil, err
	}
	return b.man, sc, nil
}

// baseBuild is a base dossier being built: the generated objects in a
// pdfcpu XRefTable, and what is needed to number and write the documents.
type baseBuild struct {
	docs  []Document
	plans []docPlan
	total int
	man   Manifest
	// ledger is each document's identifiers (in docs' order, then the
	// removed), pageIDs each page's printed identifier.
	ledger  []pageid.LedgerEntry
	pageIDs []string
	opt     AssembleOptions

	caseInfo CaseInfo
	xt       *model.XRefTable // the generated objects
	catalog  types.IndirectRef
	root     types.IndirectRef // of the page tree
	tk       *pdftext.Kit
	fontRes  types.IndirectRef
	open     types.IndirectRef
	// overlays are the overlay streams by content, in order of creation.
	overlays     map[string]types.IndirectRef
	overlayOrder []types.IndirectRef
	slots        []*baseSlot
	slotByKey    map[[2]float64]int
	// pgs are the dossier's pages in order: generated ones with their
	// objects, documents' pages with a stand-in reference pageStandIn(i).
	pgs     []*pdfpage.Page
	parents []types.IndirectRef // each page's node in the page tree
	// docFirst is the index in pgs of each document's first page (-1 for
	// one not included or replaced by a slip-sheet).
	docFirst []int
	genPages []int // indexes in pgs of the generated pages
	vols     []*volume
	results  []*docResult
	slips    map[*docResult]types.IndirectRef
}

// In the generated objects, a document's page i (index in pgs) and stamp
// slot j stand in as negative object numbers until their numbers are known.
func (b *baseBuild) pageStandIn(i int) types.IndirectRef {
	return *types.NewIndirectRef(-(1 + i), 0)
}

func (b *baseBuild) slotStandIn(j int) types.IndirectRef {
	return *types.NewIndirectRef(-(1 + b.total + j), 0)
}

func newBaseBuild(info CaseInfo, docs []Document, plans []docPlan, vols []*volume, total int) (*baseBuild, error) {
	pc, err := pdfcpu.CreateContextWithXRefTable(cjkfont.Configuration(), types.PaperSize["A4"])
	if err != nil {
		return nil, err
	}
	xt := pc.XRefTable
	root, err := xt.Pages()
	if err != nil {
		return nil, err
	}
	tk, err := pdftext.NewKit(xt, "base")
	if err != nil {
		return nil, err
	}
	fontRes, err := xt.IndRefForNewObject(types.Dict{"Font": types.Dict{fontKey: tk.Font}})
	if err != nil {
		return nil, err
	}
	open, err := pdffile.NewStream(xt, []byte("q\n"), nil)
	if err != nil {
		return nil, err
	}
	b := &baseBuild{caseInfo: info, docs: docs, plans: plans, total: total, xt: xt, catalog: *pc.Root, root: *root, tk: tk, fontRes: *fontRes, open: open,
		overlays: map[string]types.IndirectRef{}, slotByKey: map[[2]float64]int{}, vols: vols,
		slips: map[*docResult]types.IndirectRef{}, docFirst: make([]int, len(docs))}
	rd, err := xt.DereferenceDict(*root)
	if err != nil {
		return nil, err
	}
	delete(rd, "MediaBox")
	return b, nil
}

// generate lays out the dossier's pages and makes the generated objects:
// the cover, 卷内目录 and slip-sheet pages, the page tree, the bookmarks,
// the page numbers of the generated pages, the overlays, the font.
func (b *baseBuild) generate() error {
	xt := b.xt
	genPage := func() (types.IndirectRef, error) {
		d := types.Dict{
			"Type":      types.Name("Page"),
			"MediaBox":  types.Array{types.Integer(0), types.Integer(0), types.Float(pdfpage.A4.W()), types.Float(pdfpage.A4.H())},
			"Resources": b.fontRes,
		}
		ref, err := xt.IndRefForNewObject(d)
		if err != nil {
			return types.IndirectRef{}, err
		}
		b.genPages = append(b.genPages, len(b.pgs))
		b.pgs = append(b.pgs, &pdfpage.Page{Ref: *ref, Dict: d, Resources: b.fontRes})
		return *ref, nil
	}
	useSize := func(key [2]float64, w, h float64, n int) {
		j, ok := b.slotByKey[key]
		if !ok {
			j = len(b.slots)
			b.slotByKey[key] = j
			b.slots = append(b.slots, &baseSlot{ref: b.slotStandIn(j), w: w, h: h})
		}
		b.slots[j].pages += n
	}

	cover, err := genPage()
	if err != nil {
		return err
	}
	di := 0
	b.pageIDs = make([]string, b.total)
	b.pageIDs[0] = "封面"
	for _, v := range b.vols {
		n := v.tocPageCount()
		for i := 0; i < n; i++ {
			b.pageIDs[len(b.pgs)] = fmt.Sprintf("卷%d-目录", v.num)
			ref, err := genPage()
			if err != nil {
				return err
			}
			v.tocPages = append(v.tocPages, ref)
		}
		for _, d := range v.docs {
			pl := b.plans[di]
			r := &docResult{doc: d, first: len(b.pgs) + 1, rejection: pl.rejection}
			b.results = append(b.results, r)
			b.docFirst[di] = -1
			for k, id := range pageid.IDs(b.ledger[di].Runs) {
				b.pageIDs[len(b.pgs)+k] = id.String()
			}
			di++
			if r.rejection != nil {
				ref, err := genPage()
				if err != nil {
					return err
				}
				b.slips[r] = ref
				r.last = r.first
				continue
			}
			b.docFirst[di-1] = len(b.pgs)
			for k := 0; k < pl.pages; k++ {
				b.pgs = append(b.pgs, &pdfpage.Page{Ref: b.pageStandIn(len(b.pgs))})
			}
			r.last = len(b.pgs)
		}
	}
	if len(b.pgs) != b.total {
		return fmt.Errorf("dossier: %d pages laid out, want %d", len(b.pgs), b.total)
	}
	// Stamp slots in order of first use, as the pages come.
	di = 0
	for i := 0; i < len(b.pgs); {
		if b.pgs[i].Ref.ObjectNumber > 0 {
			useSize(sizeKey(pdfpage.A4.W(), pdfpage.A4.H()), pdfpage.A4.W(), pdfpage.A4.H(), 1)
			i++
			continue
		}
		for b.docFirst[di] != i {
			di++
		}
		for _, s := range b.plans[di].sizes {
			useSize(s.key, s.w, s.h, s.pages)
		}
		i += b.plans[di].pages
	}

	// The manifest.
	b.man = Manifest{Pages: b.total}
	ri := 0
	for _, v := range b.vols {
		ve := VolumeEntry{Volume: v.num, Title: v.title}
		for _, d := range v.docs {
			r := b.results[ri]
			e := TOCEntry{Title: d.Title, FirstPage: r.first, LastPage: r.last, IDs: pageid.Span(b.ledger[ri].Runs, false)}
			if r.rejection != nil {
				e.Placeholder = r.rejection.Reason
			}
			ve.Docs = append(ve.Docs, e)
			ri++
		}
		for _, x := range v.removed {
			ve.Removed = append(ve.Removed, TOCEntry{Title: x.Title, IDs: pageid.Span(x.Runs, false), RemovedIn: x.RemovedIn})
		}
		b.man.Volumes = append(b.man.Volumes, ve)
	}
	b.man.Ledger = b.ledger
	byRef := map[int]int{}
	for _, i := range b.genPages {
		byRef[int(b.pgs[i].Ref.ObjectNumber)] = i + 1
	}
	for i, v := range b.vols {
		b.man.Volumes[i].TOCPage = byRef[int(v.tocPages[0].ObjectNumber)]
	}

	if err := b.pageTree(); err != nil {
		return err
	}

	// The generated pages' text.
	if err := drawCover(xt, b.tk, cover, b.info(), b.opt, len(b.vols), b.total); err != nil {
		return err
	}
	for i, v := range b.vols {
		if err := drawTOC(xt, b.tk, v, b.man.Volumes[i], b.info(), b.pgs); err != nil {
			return err
		}
	}
	for _, r := range b.results {
		if ref, ok := b.slips[r]; ok {
			if err := drawSlip(xt, b.tk, ref, r); err != nil {
				return err
			}
		}
	}

	// Overlays: the generated pages' and the documents'.
	overlay := func(content string) types.IndirectRef {
		ref, ok := b.overlays[content]
		if !ok {
			var err error
			if ref, err = pdffile.NewStream(xt, []byte(content), nil); err != nil {
				panic(err) // pdffile.NewStream fails only on a broken filter
			}
			b.overlays[content] = ref
			b.overlayOrder = append(b.overlayOrder, ref)
		}
		return ref
	}
	for _, i := range b.genPages {
		p := b.pgs[i]
		if d, err := xt.DereferenceDict(p.Ref); err == nil && d != nil {
			p.Dict = d
		}
		w, h := p.DisplaySize()
		form, err := newForm(xt, pageNumber(b.tk, i+1, b.total, b.pageIDs[i], w, h), w, h, b.fontRes)
		if err != nil {
			return err
		}
		slot := b.slots[b.slotByKey[sizeKey(w, h)]].ref
		if _, err := decorate(xt, p, pageRefs{parent: b.parents[i], pn: form, slot: slot, open: b.open, overlay: overlay}); err != nil {
			return err
		}
	}
	for _, pl := range b.plans {
		for _, o := range pl.overlays {
			overlay(o)
		}
	}

	if err := addOutline(xt, b.man, b.pgs); err != nil {
		return err
	}
	b.tk.Hex(pageNumberGlyphs)
	for _, pl := range b.plans {
		b.tk.Hex(pl.glyphs) // the text layers'
	}
	// Making the font subset allocates some 70 MB for a moment (pdfcpu
	// reads the whole font): collected first, the heap holds the generated
	// objects and that, not that on top of the garbage of the layout.
	runtime.GC()
	if err := b.tk.Finish(); err != nil {
		return err
	}
	cat, err := xt.Catalog()
	if err != nil {
		return err
	}
	cat["PageMode"] = types.Name("UseOutlines")
	cat["Lang"] = types.StringLiteral("zh-CN")
	cat["ViewerPreferences"] = types.Dict{"DisplayDocTitle": types.Boolean(true)}
	return nil
}

func (b *baseBuild) info() CaseInfo { return b.caseInfo }

// pageTreeKids is the most kids of a page tree node.
const pageTreeKids = 64

// pageTree makes the page tree: the pages in order under nodes of at most
// pageTreeKids kids, the catalog's /Pages its root.
func (b *baseBuild) pageTree() error {
	xt := b.xt
	level := make([]types.IndirectRef, len(b.pgs))
	counts := make([]int, len(b.pgs))
	for i, p := range b.pgs {
		level[i], counts[i] = p.Ref, 1
	}
	b.parents = make([]types.IndirectRef, len(b.pgs))
	first := true
	setParent := func(kids []types.IndirectRef, from int, parent types.IndirectRef) error {
		for k, kid := range kids {
			if first {
				b.parents[from+k] = parent
				continue
			}
			d, err := xt.DereferenceDict(kid)
			if err != nil {
				return err
			}
			d["Parent"] = parent
		}
		return nil
	}
	for len(level) > pageTreeKids {
		var next []types.IndirectRef
		var nextCounts []int
		for i := 0; i < len(level); i += pageTreeKids {
			j := min(i+pageTreeKids, len(level))
			n := 0
			for _, c := range counts[i:j] {
				n += c
			}
			kids := make(types.Array, 0, j-i)
			for _, k := range level[i:j] {
				kids = append(kids, k)
			}
			ref, err := xt.IndRefForNewObject(types.Dict{"Type": types.Name("Pages"), "Kids": kids, "Count": types.Integer(n)})
			if err != nil {
				return err
			}
			if err := setParent(level[i:j], i, *ref); err != nil {
				return err
			}
			next = append(next, *ref)
			nextCounts = append(nextCounts, n)
		}
		level, counts, first = next, nextCounts, false
	}
	rd, err := xt.DereferenceDict(b.root)
	if err != nil {
		return err
	}
	kids := make(types.Array, 0, len(level))
	for _, k := range level {
		kids = append(kids, k)
	}
	rd["Kids"] = kids
	rd["Count"] = types.Integer(len(b.pgs))
	return setParent(level, 0, b.root)
}

// write writes the base to w and returns its sidecar.
func (b *baseBuild) write(c context.Context, meta map[string]string, w io.Writer) (*Sidecar, error) {
	if len(b.slots) == 0 {
		return nil, errors.New("dossier: base without stamp slots")
	}
	// Number the generated objects depth first from the catalog, as
	// pdffile.Write does; the documents' pages and the slots are stand-ins.
	xt := b.xt
	s := &pdffile.Serializer{XRef: xt, Num: map[int]int{}, Deferred: map[int]bool{}}
	for _, p := range b.pgs {
		if nr := int(p.Ref.ObjectNumber); nr < 0 {
			s.Deferred[nr] = true
		}
	}
	for _, sl := range b.slots {
		s.Deferred[int(sl.ref.ObjectNumber)] = true
	}
	s.Order = append(s.Order, 0)
	for _, r := range append([]types.IndirectRef{b.catalog, b.fontRes, b.open}, b.overlayOrder...) {
		if err := s.Visit(r); err != nil {
			return nil, err
		}
	}
	numOf := func(r types.IndirectRef) (int, error) {
		n, ok := s.Num[int(r.ObjectNumber)]
		if !ok {
			return 0, fmt.Errorf("dossier: object %d not numbered", r.ObjectNumber)
		}
		return n, nil
	}
	// Then the documents, in order, then the slots.
	next := len(s.Order)
	docBase := make([]int, len(b.docs))
	for di, pl := range b.plans {
		if b.docFirst[di] < 0 {
			continue
		}
		docBase[di] = next
		for k := 0; k < pl.pages; k++ {
			s.Num[int(b.pageStandIn(b.docFirst[di]+k).ObjectNumber)] = next + 2*k
		}
		next += pl.objects
	}
	first := next
	for j, sl := range b.slots {
		s.Num[int(sl.ref.ObjectNumber)] = first + j
	}
	catalog, err := numOf(b.catalog)
	if err != nil {
		return nil, err
	}
	sc := &Sidecar{Format: SidecarFormat, Root: catalog, Pages: b.total, InfoDict: meta}
	if !b.opt.Supplement {
		sc.Version, sc.Ledger = b.opt.Version, b.ledger
	}
	for j, sl := range b.slots {
		sc.Slots = append(sc.Slots, SlotInfo{Obj: first + j, W: sl.w, H: sl.h, Pages: sl.pages})
	}
	sc.Info = first + len(b.slots)
	sc.Objects = sc.Info + 1

	out := newPrefixWriter(w, first-1)
	for n := 1; n < len(s.Order); n++ {
		if n%256 == 0 {
			if err := c.Err(); err != nil {
				return nil, err
			}
		}
		o, err := xt.Dereference(*types.NewIndirectRef(s.Order[n], 0))
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", s.Order[n], err)
		}
		out.begin(n)
		if err := s.WriteObject(out.cw, o); err != nil {
			return nil, fmt.Errorf("object %d: %w", s.Order[n], err)
		}
		if err := out.end(); err != nil {
			return nil, err
		}
	}

	// Shared objects the documents' pages use.
	ext := map[int]int{}
	for _, r := range []types.IndirectRef{b.open, b.fontRes} {
		if ext[int(r.ObjectNumber)], err = numOf(r); err != nil {
			return nil, err
		}
	}
	overlayNum := map[string]int{}
	for content, r := range b.overlays {
		if overlayNum[content], err = numOf(r); err != nil {
			return nil, err
		}
	}
	parents := make([]int32, len(b.parents))
	for i, r := range b.parents {
		n, err := numOf(r)
		if err != nil {
			return nil, err
		}
		parents[i] = int32(n)
	}
	// The generated objects are written: let them go (the font's metrics
	// stay, for the page numbers).
	b.xt, b.pgs, b.parents = nil, nil, nil
	b.tk.Release()
	xt, s, numOf = nil, nil, nil
	dw := &docWriter{b: b, out: out, ext: ext, overlayNum: overlayNum, parents: parents,
		slotNum: func(w, h float64) int { return first + b.slotByKey[sizeKey(w, h)] }}
	var used []int
	for di := range b.docs {
		if b.docFirst[di] >= 0 {
			used = append(used, di)
		}
	}
	err = inOrder(c, len(used), workers(), 2*workers(), func(c context.Context, i int) (*openDoc, error) {
		d := b.docs[used[i]]
		src, err := openSource(c, d)
		if err != nil {
			return nil, fmt.Errorf("dossier: %s: %w", d.Path, err)
		}
		l, err := layoutDoc(c, src)
		if err != nil {
			src.close()
			return nil, fmt.Errorf("dossier: %s: %w", d.Path, err)
		}
		return &openDoc{src: src, l: l, words: readWords(d.Words)}, nil
	}, func(i int, od *openDoc) error {
		defer od.src.close()
		di := used[i]
		return dw.write(c, di, docBase[di], od)
	}, func(od *openDoc) { od.src.close() })
	if err != nil {
		return nil, err
	}
	if out.n() != first-1 {
		return nil, fmt.Errorf("dossier: wrote %d objects, want %d", out.n(), first-1)
	}

	// The tail: the slots (empty), the information, xref and trailer.
	sum := out.h.Sum(nil)
	sc.PrefixLen = out.cw.N
	sc.PrefixSHA256 = hex.EncodeToString(sum)
	sc.ID = sc.PrefixSHA256[:32]
	if sc.Offsets, err = encodeOffsets(out.offsets); err != nil {
		return nil, err
	}
	sc.offsets = out.offsets
	tail, err := copyTail(sc, nil)
	if err != nil {
		return nil, err
	}
	out.bw.Write(tail)
	sc.BaseSize = sc.PrefixLen + int64(len(tail))
	if err := out.bw.Flush(); err != nil {
		return nil, err
	}
	return sc, nil
}

type openDoc struct {
	src   *sourcePDF
	l     *docLayout
	words *docWords // its text layer (textlayer.go)
}

// prefixWriter writes the objects before the slots, recording their
// offsets and hashing them.
type prefixWriter struct {
	bw      *bufio.Writer
	h       hash.Hash
	cw      *pdffile.CountWriter
	offsets []int64
	buf     bytes.Buffer
}

func newPrefixWriter(w io.Writer, objects int) *prefixWriter {
	p := &prefixWriter{bw: bufio.NewWriterSize(w, 1<<20), h: sha256.New(), offsets: make([]int64, 0, objects)}
	p.cw = &pdffile.CountWriter{W: io.MultiWriter(p.bw, p.h)}
	io.WriteString(p.cw, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return p
}

// n is the number of objects written.
func (p *prefixWriter) n() int { return len(p.offsets) }

func (p *prefixWriter) begin(n int) {
	if n != len(p.offsets)+1 && p.cw.Err == nil {
		p.cw.Err = fmt.Errorf("dossier: object %d written as object %d", n, len(p.offsets)+1)
	}
	p.offsets = append(p.offsets, p.cw.N)
	p.buf.Reset()
	p.buf.WriteString(strconv.Itoa(n))
	p.buf.WriteString(" 0 obj\n")
	p.cw.Write(p.buf.Bytes())
}

func (p *prefixWriter) end() error {
	io.WriteString(p.cw, "\nendobj\n")
	return p.cw.Err
}

// docWriter writes documents' objects into the base.
type docWriter struct {
	b          *baseBuild
	out        *prefixWriter
	ext        map[int]int // generated objects' numbers: the "q" stream, the font resources
	overlayNum map[string]int
	parents    []int32 // each page's parent in the page tree
	slotNum    func(w, h float64) int
	z          *zlib.Writer
	zbuf       bytes.Buffer
	obj        bytes.Buffer
	copyBuf    []byte
}

// write writes document di, numbered from base: its pages with their
// page-number forms, then its objects.
func (dw *docWriter) write(c context.Context, di, base int, od *openDoc) error {
	b, out, src, l := dw.b, dw.out, od.src, od.l
	pl := b.plans[di]
	if len(l.pages) != pl.pages || l.objects() != pl.objects {
		return fmt.Errorf("dossier: %s changed during assembly", b.docs[di].Path)
	}
	n := len(l.pages)
	s := &pdffile.Serializer{XRef: src.xt, Num: make(map[int]int, 6*n+len(l.objs)+2)}
	for i, p := range l.pages {
		s.Num[p.old] = base + 2*i
	}
	for k, nr := range l.objs {
		s.Num[nr] = base + 2*n + k
	}
	s.Num[extOpen] = dw.ext[int(b.open.ObjectNumber)]
	s.Num[extFontRes] = dw.ext[int(b.fontRes.ObjectNumber)]
	first := b.docFirst[di]
	for i, p := range l.pages {
		parent := int(dw.parents[first+i])
		ov, ok := dw.overlayNum[p.overlay]
		if !ok {
			return fmt.Errorf("dossier: %s changed during assembly", b.docs[di].Path)
		}
		s.Num[int(extPage(i, 0).ObjectNumber)] = parent
		s.Num[int(extPage(i, 1).ObjectNumber)] = base + 2*i + 1
		s.Num[int(extPage(i, 2).ObjectNumber)] = dw.slotNum(p.w, p.h)
		s.Num[int(extPage(i, 3).ObjectNumber)] = ov
	}
	fontRes := *types.NewIndirectRef(extFontRes, 0)
	for i, p := range l.pages {
		if i%64 == 0 && c.Err() != nil {
			return c.Err()
		}
		out.begin(base + 2*i)
		dw.obj.Reset()
		if err := s.Format(&dw.obj, p.dict); err != nil {
			return fmt.Errorf("dossier: %s page %d: %w", b.docs[di].Path, i+1, err)
		}
		out.cw.Write(dw.obj.Bytes())
		if err := out.end(); err != nil {
			return err
		}
		data, err := dw.deflate(withText(pageNumber(b.tk, first+i+1, b.total, b.pageIDs[first+i], p.w, p.h), od.words, i, b.tk, p.w, p.h))
		if err != nil {
			return err
		}
		out.begin(base + 2*i + 1)
		dw.obj.Reset()
		s.Format(&dw.obj, types.Dict{
			"Type":      types.Name("XObject"),
			"Subtype":   types.Name("Form"),
			"BBox":      types.Array{types.Integer(0), types.Integer(0), types.Float(p.w), types.Float(p.h)},
			"Resources": fontRes,
			"Filter":    types.Name("FlateDecode"),
			"Length":    types.Integer(len(data)),
		})
		dw.obj.WriteString("\nstream\n")
		dw.obj.Write(data)
		dw.obj.WriteString("\nendstream")
		out.cw.Write(dw.obj.Bytes())
		if err := out.end(); err != nil {
			return err
		}
	}
	for k, nr := range l.objs {
		if k%256 == 0 && c.Err() != nil {
			return c.Err()
		}
		o, err := src.xt.Dereference(*types.NewIndirectRef(nr, 0))
		if err != nil {
			return fmt.Errorf("dossier: %s object %d: %w", b.docs[di].Path, nr, err)
		}
		out.begin(base + 2*n + k)
		if sd, ok := o.(types.StreamDict); ok && !src.pdfcpu {
			loc, ok := src.streams[nr]
			if !ok {
				return fmt.Errorf("dossier: %s object %d: stream data not found", b.docs[di].Path, nr)
			}
			dw.obj.Reset()
			if err := s.Format(&dw.obj, sd.Dict); err != nil {
				return fmt.Errorf("dossier: %s object %d: %w", b.docs[di].Path, nr, err)
			}
			dw.obj.WriteString("\nstream\n")
			out.cw.Write(dw.obj.Bytes())
			// The data, raw, from the document's file to the base.
			if dw.copyBuf == nil {
				dw.copyBuf = make([]byte, 256<<10)
			}
			if m, err := io.CopyBuffer(out.cw, io.NewSectionReader(src.f, loc.Off, loc.N), dw.copyBuf); err != nil || m != loc.N {
				if err == nil {
					err = io.ErrUnexpectedEOF
				}
				return fmt.Errorf("dossier: %s object %d: %w", b.docs[di].Path, nr, err)
			}
			io.WriteString(out.cw, "\nendstream")
		} else if err := s.WriteObject(out.cw, o); err != nil {
			return fmt.Errorf("dossier: %s object %d: %w", b.docs[di].Path, nr, err)
		}
		if err := out.end(); err != nil {
			return err
		}
	}
	return nil
}

// deflate compresses a page-number form (one compressor for all of them).
func (dw *docWriter) deflate(p []byte) ([]byte, error) {
	dw.zbuf.Reset()
	if dw.z == nil {
		dw.z = zlib.NewWriter(&dw.zbuf)
	} else {
		dw.z.Reset(&dw.zbuf)
	}
	dw.z.Write(p)
	if err := dw.z.Close(); err != nil {
		return nil, err
	}
	return dw.zbuf.Bytes(), nil
}

// sourcePDF is one ingested document open for assembly: its objects (in
// an XRefTable, read by the light reader or, failing that, by pdfcpu) and
// its pages.
type sourcePDF struct {
	xt      *model.XRefTable
	pgs     []*pdfpage.Page
	f       *os.File                  // the file, for streams read by the light reader
	streams map[int]pdffile.StreamLoc // light reader: where each stream's data is
	pdfcpu  bool                      // read by pdfcpu: streams are in memory
	size    int64
}

func (s *sourcePDF) close() {
	if s != nil && s.f != nil {
		s.f.Close()
	}
}

// newForm adds a form XObject of the given size drawn with res.
func newForm(xt *model.XRefTable, content []byte, w, h float64, res types.Object) (types.IndirectRef, error) {
	d := types.Dict{
		"Type":    types.Name("XObject"),
		"Subtype": types.Name("Form"),
		"BBox":    types.Array{types.Integer(0), types.Integer(0), types.Float(w), types.Float(h)},
	}
	if res != nil {
		d["Resources"] = res
	}
	return pdffile.NewStream(xt, content, d)
}
