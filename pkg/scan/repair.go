package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/cjkfont"
	"github.com/yuejuan/yuejuan/internal/pdfpage"
)

// Readers (Acrobat, pdf.js, Poppler, MuPDF, qpdf) open many PDFs that
// pdfcpu refuses as they are. readRepairedPDF repairs what can be repaired
// without guessing at content, and lists what it did (Info.Repaired):
//
//   - bytes before the %PDF header (up to 1 KB, as readers allow) are cut
//     off when pdfcpu cannot read the file with them (a PostScript or PJL
//     job header, a mail gateway's headers);
//   - a header version pdfcpu does not know (%PDF-1.8, 1.9, 2.1) is read
//     as 1.7 (2.0 for 2.x), and a catalog /Version it does not know is
//     dropped;
//   - a /Filter array naming its filters through indirect objects is
//     rewritten in place (the same number of bytes) with the names, and
//     indirect /Filter and /DecodeParms are made direct in the output;
//   - a file using features newer than the version it declares (a PDF-1.2
//     file to which an incremental update added a transparency group) is
//     declared 1.7 (2.0 if need be);
//   - a catalog entry that fails validation (an outline root that is a
//     direct dictionary, /Lang as a name, an unknown /PageMode, a broken
//     /Metadata, /AcroForm, /Names tree, ...) is dropped: the dossier uses
//     only the pages (and builds its own outline), so none of them changes
//     what a lawyer sees. The page tree itself is never dropped.
//
// Damaged files stay refused: a page whose content is missing or does not
// decode, a truncated file, a broken page tree.

// maxValidationRepairs bounds the validate-repair-validate loop (each round
// validates the whole file again).
const maxValidationRepairs = 12

// repairLog collects what was repaired, each entry once, in order.
type repairLog []string

func (r *repairLog) add(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	for _, x := range *r {
		if x == s {
			return
		}
	}
	*r = append(*r, s)
}

// patchedFile is a window [base, base+size) of r with some byte ranges
// replaced by others of the same length, as an io.ReadSeeker.
type patchedFile struct {
	r          io.ReaderAt
	base, size int64
	patches    []patch // offsets relative to base
	pos        int64
}

type patch struct {
	off  int64
	data []byte
}

func (p *patchedFile) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= p.size {
		return 0, io.EOF
	}
	want := len(b)
	if rest := p.size - off; int64(want) > rest {
		b = b[:rest]
	}
	n, err := p.r.ReadAt(b, p.base+off)
	for _, pt := range p.patches {
		for i, c := range pt.data {
			if j := pt.off + int64(i) - off; j >= 0 && j < int64(n) {
				b[j] = c
			}
		}
	}
	if err == nil && n < want {
		err = io.EOF
	}
	return n, err
}

func (p *patchedFile) Read(b []byte) (int, error) {
	n, err := p.ReadAt(b, p.pos)
	p.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (p *patchedFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += p.pos
	case io.SeekEnd:
		off += p.size
	default:
		return 0, errors.New("bad whence")
	}
	if off < 0 {
		return 0, errors.New("negative position")
	}
	p.pos = off
	return off, nil
}

// pdfSource is what pdfcpu reads: the file, perhaps without the bytes
// before its header and with a few bytes patched.
type pdfSource struct {
	ra        io.ReaderAt
	size      int64
	headerOff int64 // where %PDF- starts, -1 if not in the first 1 KB
	strip     bool  // hide the bytes before the header
	patches   []patch
}

func (s *pdfSource) reader() io.ReadSeeker {
	base := int64(0)
	if s.strip && s.headerOff > 0 {
		base = s.headerOff
	}
	var ps []patch
	for _, p := range s.patches {
		ps = append(ps, patch{off: p.off - base, data: p.data})
	}
	return &patchedFile{r: s.ra, base: base, size: s.size - base, patches: ps}
}

// knownHeaderVersion reports whether pdfcpu reads a header version.
func knownHeaderVersion(v string) bool {
	if _, err := model.PDFVersion(v); err == nil {
		return true
	}
	return false
}

// inspectHeader finds the header and patches a version pdfcpu does not know.
func (s *pdfSource) inspectHeader(rep *repairLog) {
	head := make([]byte, 1024+16)
	n, _ := s.ra.ReadAt(head, 0)
	head = head[:n]
	i := bytes.Index(head, []byte("%PDF-"))
	if i < 0 || i >= 1024 {
		s.headerOff = -1
		return
	}
	s.headerOff = int64(i)
	if i+8 > len(head) {
		return
	}
	v := string(head[i+5 : i+8])
	if knownHeaderVersion(v) {
		return
	}
	as := "1.7"
	if v[0] >= '2' && v[0] <= '9' {
		as = "2.0"
	}
	s.patches = append(s.patches, patch{off: int64(i + 5), data: []byte(as)})
	rep.add("header version %%PDF-%s read as %s", printable(v), as)
}

func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

// readRepairedPDF reads and checks a PDF as ReadPDF does, repairing what
// readers tolerate (see above); rep lists the repairs.
func readRepairedPDF(c context.Context, rs io.ReadSeeker, name string, lim Limits) (*model.Context, []*pdfpage.Page, repairLog, error) {
	var rep repairLog
	ra, ok := rs.(io.ReaderAt)
	if !ok {
		b, err := readAllSeeker(rs)
		if err != nil {
			return nil, nil, nil, err
		}
		ra = bytes.NewReader(b)
	}
	size, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, nil, nil, err
	}
	src := &pdfSource{ra: ra, size: size}
	src.inspectHeader(&rep)

	conf := cjkfont.Configuration()
	conf.Limits.MaxImagePixels = lim.MaxPixels
	// An encrypted PDF is opened with the empty user password, as every
	// reader does: one with only an owner password (restricting printing or
	// copying) reads decrypted; one that needs a password gives
	// ErrWrongPassword.
	conf.UserPW, conf.OwnerPW = "", ""
	read := func() (*model.Context, error) {
		return pdfcpu.ReadWithContext(c, src.reader(), conf)
	}
	pc, err := read()
	if err != nil && c.Err() == nil && !errors.Is(err, pdfcpu.ErrWrongPassword) {
		// Retry with what can be repaired before reading.
		retry := false
		if src.headerOff > 0 {
			src.strip = true
			retry = true
		}
		var ps []patch
		if strings.Contains(err.Error(), "stream") {
			ps = indirectFilterPatches(ra, size)
		}
		if len(ps) > 0 {
			src.patches = append(src.patches, ps...)
			retry = true
		}
		if retry {
			if pc2, err2 := read(); err2 == nil {
				pc, err = pc2, nil
				if len(ps) > 0 {
					rep.add("/Filter array naming its filters through indirect objects rewritten with the names")
				}
			}
		}
	}
	if err != nil {
		if c.Err() != nil {
			return nil, nil, nil, c.Err()
		}
		if errors.Is(err, pdfcpu.ErrWrongPassword) {
			return nil, nil, nil, passwordPDF(name)
		}
		if trailerHasEncrypt(rs) {
			return nil, nil, nil, encryptedPDF(name)
		}
		return nil, nil, nil, CorruptPDF(name)
	}
	if src.headerOff > 0 {
		rep.add("%d bytes before the %%PDF header removed", src.headerOff)
	}
	// Validation changes the model as it goes (and leaves it half changed
	// when it fails), so each round of repairs starts from a fresh read.
	var fix catalogFix
	for round := 0; ; round++ {
		if round > 0 {
			if pc, err = read(); err != nil {
				if c.Err() != nil {
					return nil, nil, nil, c.Err()
				}
				return nil, nil, nil, CorruptPDF(name)
			}
		}
		if pc.Encrypt != nil && !dropCryptFilters(pc.XRefTable) {
			return nil, nil, nil, encryptedPDF(name)
		}
		if directFilters(pc.XRefTable) {
			rep.add("indirect /Filter or /DecodeParms made direct")
		}
		// The document information dictionary is replaced by our own when
		// the file is written, so a broken one does not matter.
		pc.XRefTable.Info = nil
		root, err := pc.Catalog()
		if err != nil {
			return nil, nil, nil, CorruptPDF(name)
		}
		fix.apply(root)
		err = api.ValidateContext(pc)
		if err == nil {
			break
		}
		if c.Err() != nil {
			return nil, nil, nil, c.Err()
		}
		if round == maxValidationRepairs || !fix.learn(err, pc.XRefTable, root, &rep) {
			return nil, nil, nil, CorruptPDF(name)
		}
	}
	pgs, err := checkedPages(c, pc, name, lim)
	if err != nil {
		return nil, nil, nil, err
	}
	return pc, pgs, rep, nil
}

func readAllSeeker(rs io.ReadSeeker) ([]byte, error) {
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(rs)
}

var (
	catalogEntryErr = regexp.MustCompile(`^document catalog: catalog ([A-Za-z0-9_]+):`)
	rootTypeErr     = regexp.MustCompile(`^document catalog: dict=rootDict entry=Type `)
)

// catalogFix is what validation failures taught about the catalog.
type catalogFix struct {
	drop    []string // entries to drop
	typ     bool     // set /Type /Catalog
	version string   // set /Version
}

func (f *catalogFix) apply(root types.Dict) {
	for _, k := range f.drop {
		delete(root, k)
	}
	if f.typ {
		root["Type"] = types.Name("Catalog")
	}
	if f.version != "" {
		root["Version"] = types.Name(f.version)
	}
}

// learn adds the repair for a validation error to f, reporting false if
// there is none.
func (f *catalogFix) learn(err error, xt *model.XRefTable, root types.Dict, rep *repairLog) bool {
	msg := err.Error()
	drop := func(k string) bool {
		if _, ok := root[k]; !ok || k == "Pages" {
			return false
		}
		f.drop = append(f.drop, k)
		return true
	}
	switch {
	case strings.Contains(msg, "unsupported in version"):
		// Writers add features without raising the version (an incremental
		// update adding transparency to a PDF-1.2 file).
		v := xt.Version()
		to := "1.7"
		if v >= model.V17 {
			to = "2.0"
		}
		if v == model.V20 || f.version == to {
			return false
		}
		f.version = to
		rep.add("declared PDF version %s raised to %s (the file uses newer features)", v, to)
		return true
	case strings.HasPrefix(msg, "catalog version:"):
		rep.add("catalog /Version %s dropped (not a PDF version)", objectString(root["Version"]))
		return drop("Version")
	case strings.HasPrefix(msg, "metadata/info order:"):
		rep.add("invalid catalog entry /Metadata dropped")
		return drop("Metadata")
	case rootTypeErr.MatchString(msg):
		if f.typ {
			return false
		}
		rep.add("catalog /Type %s corrected to /Catalog", objectString(root["Type"]))
		f.typ = true
		return true
	}
	m := catalogEntryErr.FindStringSubmatch(msg)
	if m == nil || !drop(m[1]) {
		return false
	}
	if m[1] == "Outlines" {
		rep.add("invalid outline (bookmarks) dropped")
	} else {
		rep.add("invalid catalog entry /%s dropped", m[1])
	}
	return true
}

func objectString(o types.Object) string {
	if o == nil {
		return "null"
	}
	s := o.PDFString()
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return printable(s)
}

// directFilters replaces indirect /Filter and /DecodeParms values (and
// indirect elements of their arrays) of every stream by the objects they
// refer to, so strict readers take the output. It reports whether it
// changed anything.
func directFilters(xt *model.XRefTable) bool {
	changed := false
	resolve := func(o types.Object) (types.Object, bool) {
		ch := false
		if r, ok := o.(types.IndirectRef); ok {
			d, err := xt.Dereference(r)
			if err != nil {
				return o, false
			}
			o, ch = d, true
		}
		if a, ok := o.(types.Array); ok {
			na := make(types.Array, len(a))
			for i, e := range a {
				na[i] = e
				if r, ok := e.(types.IndirectRef); ok {
					if d, err := xt.Dereference(r); err == nil {
						na[i], ch = d, true
					}
				}
			}
			if ch {
				o = na
			}
		}
		return o, ch
	}
	for _, e := range xt.Table {
		if e == nil || e.Free {
			continue
		}
		sd, ok := e.Object.(types.StreamDict)
		if !ok {
			continue
		}
		for _, k := range []string{"Filter", "DecodeParms"} {
			if v, ok := sd.Dict[k]; ok {
				if nv, ch := resolve(v); ch {
					sd.Dict[k] = nv
					changed = true
				}
			}
		}
	}
	return changed
}

var (
	filterArray = regexp.MustCompile(`/Filter\s*\[([^\]]{0,400})\]`)
	indRef      = regexp.MustCompile(`(\d+)\s+(\d+)\s+R`)
)

// filterAbbrev maps filter names to their abbreviations (which pdfcpu
// reads in relaxed mode), for patches that must fit in a reference.
var filterAbbrev = map[string]string{
	"FlateDecode":     "Fl",
	"ASCIIHexDecode":  "AHx",
	"ASCII85Decode":   "A85",
	"LZWDecode":       "LZW",
	"RunLengthDecode": "RL",
	"CCITTFaxDecode":  "CCF",
	"DCTDecode":       "DCT",
}

// The scan for indirect filter names reads the whole file, and looks each
// name object up: done only when pdfcpu failed on a stream, for files up to
// maxFilterScan bytes naming at most maxFilterObjects filter objects.
const (
	maxFilterScan    = 128 << 20
	maxFilterObjects = 32
)

// indirectFilterPatches finds /Filter arrays whose elements are indirect
// references to names (pdfcpu cannot read them) and returns patches
// writing each name, or its abbreviation, over its reference, padded with
// spaces. A reference that is not to a name, or whose name does not fit,
// gives no patches at all.
func indirectFilterPatches(ra io.ReaderAt, size int64) []patch {
	if size > maxFilterScan {
		return nil
	}
	data := make([]byte, size)
	if n, _ := ra.ReadAt(data, 0); int64(n) != size {
		return nil
	}
	var out []patch
	names := map[[2]int]string{}
	for _, m := range filterArray.FindAllSubmatchIndex(data, -1) {
		inner := data[m[2]:m[3]]
		for _, r := range indRef.FindAllSubmatchIndex(inner, -1) {
			num, _ := strconv.Atoi(string(inner[r[2]:r[3]]))
			gen, _ := strconv.Atoi(string(inner[r[4]:r[5]]))
			key := [2]int{num, gen}
			name, ok := names[key]
			if !ok {
				if len(names) == maxFilterObjects {
					return nil
				}
				if name, ok = nameObject(data, num, gen); !ok {
					return nil
				}
				names[key] = name
			}
			width := r[1] - r[0]
			if len(name)+1 > width {
				a, ok := filterAbbrev[name]
				if !ok || len(a)+1 > width {
					return nil
				}
				name = a
			}
			b := []byte("/" + name + strings.Repeat(" ", width-len(name)-1))
			out = append(out, patch{off: int64(m[2] + r[0]), data: b})
		}
	}
	return out
}

// nameObject finds the last definition of object num gen in data and
// returns the name it holds.
func nameObject(data []byte, num, gen int) (string, bool) {
	re, err := regexp.Compile(fmt.Sprintf(`(?:^|[^0-9])%d\s+%d\s+obj\s*/([A-Za-z0-9]+)`, num, gen))
	if err != nil {
		return "", false
	}
	all := re.FindAllSubmatch(data, -1)
	if len(all) == 0 {
		return "", false
	}
	return string(all[len(all)-1][1]), true
}
