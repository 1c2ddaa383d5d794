package dossier

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/font"
	pdffont "github.com/pdfcpu/pdfcpu/pkg/pdfcpu/font"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

var (
	metricsOnce sync.Once
	metrics     font.TTFLight
	metricsErr  error
)

func fontMetrics() (*font.TTFLight, error) {
	metricsOnce.Do(func() {
		ttf, ok, err := font.UserFont(FontName)
		if err == nil && !ok {
			err = fmt.Errorf("font %s not installed", FontName)
		}
		metrics, metricsErr = ttf, err
	})
	return &metrics, metricsErr
}

// textKit draws text with one embedded, subset Type0 (Identity-H) font per
// document. Text stays extractable through the ToUnicode map pdfcpu writes.
type textKit struct {
	xt      *model.XRefTable
	ttf     *font.TTFLight
	fontRef types.IndirectRef
	used    map[uint16]rune // glyph id -> the character it was drawn for
	tag     string          // stem of the subset tag, distinguishes base and stamp fonts
}

func newTextKit(xt *model.XRefTable, tag string) (*textKit, error) {
	ttf, err := fontMetrics()
	if err != nil {
		return nil, err
	}
	ref, err := pdffont.EnsureFontDict(xt, FontName, "", "", false, nil)
	if err != nil {
		return nil, fmt.Errorf("font dictionary: %w", err)
	}
	return &textKit{xt: xt, ttf: ttf, fontRef: *ref, used: map[uint16]rune{}, tag: tag}, nil
}

func (k *textKit) gid(r rune) uint16 {
	if g, ok := k.ttf.Chars[uint32(r)]; ok {
		return g
	}
	if g, ok := k.ttf.Chars['?']; ok {
		return g
	}
	return 0
}

// width of s at size points.
func (k *textKit) width(s string, size float64) float64 {
	w := 0
	for _, r := range s {
		g := int(k.gid(r))
		if g < len(k.ttf.GlyphWidths) {
			w += k.ttf.GlyphWidths[g]
		}
	}
	return float64(w) * size / 1000
}

// hex encodes s as glyph ids for a Tj operand and records the glyphs used.
func (k *textKit) hex(s string) string {
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

// show writes a text object placing s with its baseline start at x, y.
func (k *textKit) show(b *strings.Builder, font string, s string, size, x, y float64) {
	fmt.Fprintf(b, "BT /%s %s Tf %s %s Td %s Tj ET\n", font, formatFloat(size), formatFloat(x), formatFloat(y), k.hex(s))
}

// fit shortens s with an ellipsis so it is at most maxW wide at size.
func (k *textKit) fit(s string, size, maxW float64) string {
	if k.width(s, size) <= maxW {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 {
		rs = rs[:len(rs)-1]
		t := string(rs) + "…"
		if k.width(t, size) <= maxW {
			return t
		}
	}
	return ""
}

// wrap breaks s into lines at most maxW wide (any rune boundary, preferring
// spaces for Latin text).
func (k *textKit) wrap(s string, size, maxW float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		rs := []rune(para)
		for len(rs) > 0 {
			n := len(rs)
			for n > 1 && k.width(string(rs[:n]), size) > maxW {
				n--
			}
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
			rs = []rune(strings.TrimLeft(string(rs[n:]), " "))
		}
		if len(para) == 0 {
			lines = append(lines, "")
		}
	}
	return lines
}

// finish writes the font subset and gives it a subset tag derived from the
// glyphs used (pdfcpu picks a random one), keeping the output reproducible.
func (k *textKit) finish() error {
	if len(k.used) == 0 {
		k.used[k.gid(' ')] = ' '
	}
	xt := k.xt
	gids := xt.UsedGIDs[FontName]
	if gids == nil {
		gids = map[uint16]bool{}
		xt.UsedGIDs[FontName] = gids
	}
	for g := range k.used {
		gids[g] = true
	}
	if err := pdffont.UpdateUserfonts(xt, map[string]types.IndirectRef{FontName: k.fontRef}); err != nil {
		return fmt.Errorf("font subset: %w", err)
	}
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
	name := types.Name(string(tag) + "+" + FontName)

	d, err := xt.DereferenceDict(k.fontRef)
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
	cmap, err := newStream(xt, toUnicode(k.used), nil)
	if err != nil {
		return err
	}
	d["ToUnicode"] = cmap
	return nil
}

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
