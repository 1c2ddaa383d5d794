package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/config"
	"github.com/yuejuan/yuejuan/pkg/ocr"
	"github.com/yuejuan/yuejuan/pkg/server"
)

// TestStartNeedsTesseract: with text recognition on (the default), a
// server on a machine without Tesseract refuses to start, before it sets
// anything up, and says how to install it or switch recognition off.
// (Switched off, every other test's server starts without it.)
func TestStartNeedsTesseract(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no tesseract, no pdftoppm
	data := t.TempDir()
	cfg, err := config.FromEnv(func(k string) string { return map[string]string{"YUEJUAN_DATA": data}[k] })
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(cfg, nil)
	if err == nil {
		s.Close()
		t.Fatal("the server started without Tesseract")
	}
	for _, want := range []string{ocr.InstallHint, "YUEJUAN_OCR=off", "tesseract"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal %q does not say %q", err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "pdfcpu")); !os.IsNotExist(err) {
		t.Errorf("the refused server set up %s (%v)", filepath.Join(data, "pdfcpu"), err)
	}
}
