package pdftext

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/cjkfont"
)

func TestMain(m *testing.M) {
	// Kit measures with the font pdfcpu has installed.
	dir, err := os.MkdirTemp("", "pdftext-pdfcpu-")
	if err != nil {
		panic(err)
	}
	if err := cjkfont.Setup(dir); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cycle is n characters taken in turn from s.
func cycle(s string, n int) string {
	rs := []rune(s)
	out := make([]rune, n)
	for i := range out {
		out[i] = rs[i%len(rs)]
	}
	return string(out)
}

const sampleText = "张某某等人组织领导参加黑社会性质组织寻衅滋事敲诈勒索非法拘禁故意伤害开设赌场强迫交易案"

// WrapN and Fit lay out as the former quadratic code did (the same lines
// for any text), and stop at their line count.
func TestWrapMatchesReference(t *testing.T) {
	ttf, err := metrics()
	if err != nil {
		t.Fatal(err)
	}
	k := &Kit{ttf: ttf, used: map[uint16]rune{}}
	// The code before: measure every prefix from the longest down.
	refWrap := func(s string, size, maxW float64) []string {
		var lines []string
		for _, para := range strings.Split(s, "\n") {
			rs := []rune(para)
			for len(rs) > 0 {
				n := len(rs)
				for n > 1 && k.Width(string(rs[:n]), size) > maxW {
					n--
				}
				if n < len(rs) {
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
	refFit := func(s string, size, maxW float64) string {
		if k.Width(s, size) <= maxW {
			return s
		}
		rs := []rune(s)
		for len(rs) > 0 {
			rs = rs[:len(rs)-1]
			if t := string(rs) + "…"; k.Width(t, size) <= maxW {
				return t
			}
		}
		return ""
	}
	alphabet := []rune("盗窃案 abc Wide 的（）。、\n12")
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		rs := make([]rune, rnd.IntN(120))
		for j := range rs {
			rs[j] = alphabet[rnd.IntN(len(alphabet))]
		}
		s := string(rs)
		size, maxW := 8+float64(rnd.IntN(10)), 5+float64(rnd.IntN(300))
		if got, want := k.Wrap(s, size, maxW), refWrap(s, size, maxW); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("case %d: wrap(%q, %v, %v)\n got %q\nwant %q", i, s, size, maxW, got, want)
		}
		if got, want := k.Fit(s, size, maxW), refFit(s, size, maxW); got != want {
			t.Fatalf("case %d: fit(%q, %v, %v) = %q, want %q", i, s, size, maxW, got, want)
		}
		n := 1 + rnd.IntN(4)
		got, all := k.WrapN(s, size, maxW, n), refWrap(s, size, maxW)
		switch {
		case len(all) <= n:
			if strings.Join(got, "|") != strings.Join(all, "|") {
				t.Fatalf("case %d: wrapN(%q, %d) = %q, want %q", i, s, n, got, all)
			}
		case len(got) != n || strings.Join(got[:n-1], "|") != strings.Join(all[:n-1], "|"):
			t.Fatalf("case %d: wrapN(%q, %d) = %q; all lines %q", i, s, n, got, all)
		}
		for _, l := range got {
			if k.Width(l, size) > maxW && len([]rune(l)) > 1 {
				t.Fatalf("case %d: line %q wider than %v", i, l, maxW)
			}
		}
	}
	// Linear: a 340,000-character text in a blink.
	long := cycle(sampleText, 340_000)
	start := time.Now()
	lines := k.WrapN(long, 15, 330, 10)
	fit := k.Fit(long, 11, 346)
	all := k.Wrap(long, 15, 330)
	t.Logf("340,000 characters: 10 lines, a fit and all %d lines in %v", len(all), time.Since(start))
	if len(lines) != 10 || !strings.HasSuffix(lines[9], "…") || !strings.HasSuffix(fit, "…") || strings.Join(all, "") != long {
		t.Errorf("wrapN: %d lines, last %q; fit %q", len(lines), lines[len(lines)-1], fit)
	}
}

// Subset measures as Kit does, so a stamp drawn by either is laid out
// alike.
func TestSubsetMeasuresAsKit(t *testing.T) {
	ttf, err := metrics()
	if err != nil {
		t.Fatal(err)
	}
	k := &Kit{ttf: ttf, used: map[uint16]rune{}}
	s, err := NewSubset()
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{sampleText, "仅供 张三 律师阅卷使用 · 执业证号 11101200010123456 · 申请号 YJ-1 · 2025-03-02", "\u00e9\u2603 ?"} {
		if a, b := k.Width(text, 10), s.Width(text, 10); a != b {
			t.Errorf("%q: Kit %v, Subset %v", text, a, b)
		}
	}
}

func BenchmarkWrapN(b *testing.B) {
	ttf, err := metrics()
	if err != nil {
		b.Fatal(err)
	}
	k := &Kit{ttf: ttf, used: map[uint16]rune{}}
	title := cycle(sampleText, 4000)
	for b.Loop() {
		k.WrapN(title, 15, 330, 10)
	}
}
