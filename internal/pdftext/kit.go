// Package pdftext lays out text in the embedded CJK font (cjkfont) and
// encodes it for PDF content streams: Kit for documents built in a pdfcpu
// XRefTable (pdfcpu subsets the font into one Type0 font per document),
// Subset for objects written without pdfcpu (a minimal subset of our own,
// see truetype). Both choose glyphs and advance widths alike, so text laid
// out by either looks the same; Drawer is what they share.
package pdftext

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/font"
	pdffont "github.com/pdfcpu/pdfcpu/pkg/pdfcpu/font"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/cjkfont"
	"github.com/yuejuan/yuejuan/internal/pdffile"
)

var (
	metricsOnce sync.Once
	ttfMetrics  font.TTFLight
	metricsErr  error
)

// metrics are the font's metrics as pdfcpu has them, read once.
func metrics() (*font.TTFLight, error) {
	metricsOnce.Do(func() {
		ttf, ok, err := font.UserFont(cjkfont.Name)
		if err == nil && !ok {
			err = fmt.Errorf("font %s not installed", cjkfont.Name)
		}
		ttfMetrics, metricsErr = ttf, err
	})
	return &ttfMetrics, metricsErr
}

// Drawer lays out and encodes text in one font: Kit and Subset are one.
type Drawer interface {
	// Width is the width of s at size points.
	Width(s string, size float64) float64
	// Hex encodes s as glyph ids for a Tj operand.
	Hex(s string) string
	// Show writes a text object placing s in font (a resource name) with
	// its baseline start at x, y.
	Show(b *strings.Builder, font string, s string, size, x, y float64)
}

// Kit draws text with one embedded, subset Type0 (Identity-H) font per
// document. Text stays extractable through its ToUnicode map.
type Kit struct {
	xt  *model.XRefTable
	ttf *font.TTFLight
	// Font is the font dictionary, to put in the resources of what draws
	// with the kit; it is made by Finish.
	Font types.IndirectRef
	used map[uint16]rune // glyph id -> the character it was drawn for
	tag  string          // stem of the subset tag, distinguishes base and stamp fonts
}

// NewKit starts a kit drawing into xt. tag distinguishes the subset tags
// of fonts made for different purposes (the base's and a stamp's).
func NewKit(xt *model.XRefTable, tag string) (*Kit, error) {
	ttf, err := metrics()
	if err != nil {
		return nil, err
	}
	// The font dictionary is made once, by finish, when the glyphs are
	// known: pdfcpu reads and subsets the whole font (20 MB) each time it
	// makes or updates one. Until then Font holds an empty dictionary.
	ref, err := xt.IndRefForNewObject(types.Dict{})
	if err != nil {
		return nil, err
	}
	return &Kit{xt: xt, ttf: ttf, Font: *ref, used: map[uint16]rune{}, tag: tag}, nil
}

func (k *Kit) gid(r rune) uint16 {
	if g, ok := k.ttf.Chars[uint32(r)]; ok {
		return g
	}
	if g, ok := k.ttf.Chars['?']; ok {
		return g
	}
	return 0
}

// Width is the width of s at size points.
func (k *Kit) Width(s string, size float64) float64 {
	w := 0
	for _, r := range s {
		w += k.runeWidth(r)
	}
	return float64(w) * size / 1000
}

// runeWidth is r's advance in font units (1000 to the point size).
func (k *Kit) runeWidth(r rune) int {
	if g := int(k.gid(r)); g < len(k.ttf.GlyphWidths) {
		return k.ttf.GlyphWidths[g]
	}
	return 0
}

// fits returns how many of the runes rs, from the start, are at most maxW
// wide at size, given the width already used: a walk that stops at the
// first rune that does not fit, so it costs what fits, not len(rs).
func (k *Kit) fits(rs []rune, used int, size, maxW float64) int {
	w := used
	for i, r := range rs {
		w += k.runeWidth(r)
		if float64(w)*size/1000 > maxW {
			return i
		}
	}
	return len(rs)
}

// Hex encodes s as glyph ids for a Tj operand and records the glyphs used.
func (k *Kit) Hex(s string) string {
	b := make([]byte, 0, 2*len(s))
	for _, r := range s {
		g := k.gid(r)
		if _, ok := k.used[g]; !ok {
			if _, mapped := k.ttf.Chars[uint32(r)]; mapped {
				k.used[g] = r
			} else {
				k.used[g] = '?'
			}
		}
		b = binary.BigEndian.AppendUint16(b, g)
	}
	return "<" + hex.EncodeToString(b) + ">"
}

// Show writes a text object placing s with its baseline start at x, y.
func (k *Kit) Show(b *strings.Builder, font string, s string, size, x, y float64) {
	fmt.Fprintf(b, "BT /%s %s Tf %s %s Td %s Tj ET\n", font, pdffile.FormatFloat(size), pdffile.FormatFloat(x), pdffile.FormatFloat(y), k.Hex(s))
}

// Fit shortens s with an ellipsis so it is at most maxW wide at size (""
// if not even the ellipsis fits). Its cost is the length of what is kept,
// whatever the length of s: a title of any length is cut in one walk.
func (k *Kit) Fit(s string, size, maxW float64) string {
	rs := []rune(s)
	if k.fits(rs, 0, size, maxW) == len(rs) {
		return s
	}
	n := k.fits(rs, k.runeWidth('…'), size, maxW)
	if n == 0 && float64(k.runeWidth('…'))*size/1000 > maxW {
		return ""
	}
	return string(rs[:n]) + "…"
}

// Wrap breaks s into lines at most maxW wide (any rune boundary, preferring
// spaces for Latin text).
func (k *Kit) Wrap(s string, size, maxW float64) []string {
	return k.WrapN(s, size, maxW, 0)
}

// WrapN is Wrap that makes at most maxLines lines (0: no limit): when more
// text follows the last of them, that line ends in an ellipsis. Each line
// costs its own length, so laying out a text is linear in its length (it
// used to measure every prefix of the rest of the text again for each line,
// which made a 4,000-character title take 12 s).
func (k *Kit) WrapN(s string, size, maxW float64, maxLines int) []string {
	var lines []string
	paras := strings.Split(s, "\n")
	for pi, para := range paras {
		rs := []rune(para)
		for len(rs) > 0 {
			if maxLines > 0 && len(lines) == maxLines-1 && (pi < len(paras)-1 || k.fits(rs, 0, size, maxW) < len(rs)) {
				// The last line, and more follows: as much as fits, then "…".
				rest := string(rs)
				if pi < len(paras)-1 {
					rest += " " + strings.Join(paras[pi+1:], " ")
				}
				return append(lines, k.Fit(rest, size, maxW))
			}
			n := max(1, k.fits(rs, 0, size, maxW))
			if n < len(rs) {
				// prefer breaking after a space if one is in the second half
				for i := n; i > n/2; i-- {
					if rs[i-1] == ' ' {
						n = i
						break
					}
				}
			}
			lines = append(lines, strings.TrimRight(string(rs[:n]), " "))
			rs = rs[n:]
			for len(rs) > 0 && rs[0] == ' ' {
				rs = rs[1:]
			}
		}
		if len(para) == 0 {
			if maxLines > 0 && len(lines) == maxLines {
				break
			}
			lines = append(lines, "")
		}
		if maxLines > 0 && len(lines) == maxLines {
			break
		}
	}
	return lines
}

// Finish writes the font subset and gives it a subset tag derived from the
// glyphs used (pdfcpu picks a random one), keeping the output reproducible.
func (k *Kit) Finish() error {
	if len(k.used) == 0 {
		k.used[k.gid(' ')] = ' '
	}
	xt := k.xt
	gids := map[uint16]bool{}
	for g := range k.used {
		gids[g] = true
	}
	xt.UsedGIDs[cjkfont.Name] = gids
	ref, err := pdffont.EnsureFontDict(xt, cjkfont.Name, "", "", false, nil)
	if err != nil {
		return fmt.Errorf("font dictionary: %w", err)
	}
	// Into the place of the placeholder (the object pdfcpu made is left
	// unreferenced, so it is not written).
	fd, err := xt.DereferenceDict(*ref)
	if err != nil || fd == nil {
		return fmt.Errorf("font dictionary: %v", err)
	}
	e, ok := xt.FindTableEntryLight(int(k.Font.ObjectNumber))
	if !ok {
		return errors.New("font dictionary: placeholder missing")
	}
	e.Object = fd
	list := make([]int, 0, len(k.used))
	for g := range k.used {
		list = append(list, int(g))
	}
	sort.Ints(list)
	h := sha256.New()
	h.Write([]byte(k.tag))
	for _, g := range list {
		binary.Write(h, binary.BigEndian, uint16(g))
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	name := types.Name(string(tag) + "+" + cjkfont.Name)

	d, err := xt.DereferenceDict(k.Font)
	if err != nil || d == nil {
		return fmt.Errorf("font dictionary: %v", err)
	}
	d["BaseFont"] = name
	if df, ok := d.Find("DescendantFonts"); ok {
		arr, err := xt.DereferenceArray(df)
		if err == nil && len(arr) > 0 {
			if cd, err := xt.DereferenceDict(arr[0]); err == nil && cd != nil {
				cd["BaseFont"] = name
				if fd, err := xt.DereferenceDict(cd["FontDescriptor"]); err == nil && fd != nil {
					fd["FontName"] = name
				}
			}
		}
	}
	// pdfcpu's ToUnicode CMap lists only the first 100 glyphs (bf() in
	// pdfcpu/font/fontDict.go stops after one bfchar block), which makes
	// the rest of the text unextractable: write a complete one.
	cmap, err := pdffile.NewStream(xt, toUnicode(k.used), nil)
	if err != nil {
		return err
	}
	d["ToUnicode"] = cmap
	return nil
}

// Release lets the document go: the kit still measures and encodes text
// (Width, Hex, Show) but can no longer Finish.
func (k *Kit) Release() { k.xt = nil }

// toUnicode writes a ToUnicode CMap for an Identity-H font.
func toUnicode(used map[uint16]rune) []byte {
	gids := make([]int, 0, len(used))
	for g := range used {
		gids = append(gids, int(g))
	}
	sort.Ints(gids)
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for len(gids) > 0 {
		n := min(len(gids), 100)
		fmt.Fprintf(&b, "%d beginbfchar\n", n)
		for _, g := range gids[:n] {
			fmt.Fprintf(&b, "<%04X> <", g)
			for _, u := range utf16.Encode([]rune{used[uint16(g)]}) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
		gids = gids[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return []byte(b.String())
}
