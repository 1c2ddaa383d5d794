package cjkfont

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/font"
)

func TestMain(m *testing.M) {
	// pdfcpu must not touch the user's config dir: run with a fake HOME and
	// check it stays empty.
	home, err := os.MkdirTemp("", "cjkfont-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("HOME", home)
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	cfg, err := os.MkdirTemp("", "cjkfont-pdfcpu-")
	if err != nil {
		panic(err)
	}
	if err := Setup(cfg); err != nil {
		panic(err)
	}
	code := m.Run()
	if ents, _ := os.ReadDir(home); len(ents) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: something wrote to $HOME: %v\n", ents)
		code = 1
	}
	os.RemoveAll(home)
	os.RemoveAll(cfg)
	os.Exit(code)
}

func TestSetupIdempotent(t *testing.T) {
	dir := setupDir
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- Setup(dir)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := Setup(t.TempDir()); err == nil {
		t.Error("switching the pdfcpu config dir should fail")
	}
	if _, err := os.Stat(filepath.Join(dir, "pdfcpu", "fonts", Name+".gob")); err != nil {
		t.Errorf("font not installed in the config dir: %v", err)
	}
	if font.UserFontDir != filepath.Join(dir, "pdfcpu", "fonts") {
		t.Errorf("pdfcpu font dir %s", font.UserFontDir)
	}
}

// Face reads the font as pdfcpu reads the font Setup installed: the same
// glyphs and advance widths, so text laid out with either is laid out alike.
func TestFaceMatchesPdfcpu(t *testing.T) {
	f, err := Face()
	if err != nil {
		t.Fatal(err)
	}
	ttf, ok, err := font.UserFont(Name)
	if err != nil || !ok {
		t.Fatalf("pdfcpu has no %s: %v", Name, err)
	}
	for _, r := range "卷内目录第页共 /0123456789?仅供律师阅卷使用·执业证号申请号AZaz" {
		g, ok := f.Glyph(r)
		pg, pok := ttf.Chars[uint32(r)]
		if ok != pok || g != pg {
			t.Errorf("%q: glyph %d (%v), pdfcpu %d (%v)", r, g, ok, pg, pok)
			continue
		}
		if a, pa := f.Advance(g), ttf.GlyphWidths[g]; a != pa {
			t.Errorf("%q: advance %d, pdfcpu %d", r, a, pa)
		}
	}
}
