// Package cjkfont is the CJK font PDF text is drawn with, WenQuanYi Zen
// Hei, embedded in the binary (assets/fonts): its face for our own subsets
// (Face), and its installation where pdfcpu finds it (Setup), which fixes
// pdfcpu's configuration directory for the process; Configuration is the
// pdfcpu configuration this module's PDF work uses.
package cjkfont

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/font"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/yuejuan/yuejuan/assets/fonts"
	"github.com/yuejuan/yuejuan/internal/truetype"
)

// Name is the PostScript name of the font (WenQuanYi Zen Hei, face 0 of
// the embedded collection).
const Name = "WenQuanYiZenHei"

// Face is the embedded font's face, parsed once per process.
var Face = sync.OnceValues(func() (*truetype.Face, error) {
	f, err := truetype.Parse(fonts.ZenHeiTTC, 0)
	if err != nil {
		return nil, fmt.Errorf("cjkfont: embedded font: %w", err)
	}
	return f, nil
})

var (
	setupMu  sync.Mutex
	setupDir string
)

// Setup prepares pdfcpu for this process: it points pdfcpu's configuration
// directory at configDir/pdfcpu (created if missing) and installs the embedded
// WenQuanYi Zen Hei font there. On AWS Lambda pass a directory under /tmp.
//
// Setup is idempotent and safe for concurrent use; pdfcpu's configuration is
// process-wide, so once it succeeded a call with a different directory is an
// error. An installed font found in configDir is reused (installing writes
// through a temporary file and a rename, so concurrent processes sharing the
// directory are safe too). Ensure calls Setup with DefaultConfigDir if the
// caller has not; scan.Ingest and dossier.AssembleBase call Ensure.
func Setup(configDir string) error {
	setupMu.Lock()
	defer setupMu.Unlock()
	if configDir == "" {
		return errors.New("cjkfont: empty pdfcpu config dir")
	}
	abs, err := filepath.Abs(configDir)
	if err != nil {
		return fmt.Errorf("cjkfont: config dir: %w", err)
	}
	if setupDir != "" {
		if setupDir == abs {
			return nil
		}
		return fmt.Errorf("cjkfont: pdfcpu already configured at %s, cannot switch to %s", setupDir, abs)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("cjkfont: config dir: %w", err)
	}
	// This loads abs/pdfcpu/config.yml (writing it when missing), sets
	// font.UserFontDir and makes model.NewDefaultConfiguration return the
	// loaded configuration, so pdfcpu never falls back to os.UserConfigDir.
	if err := api.EnsureDefaultConfigAt(abs); err != nil {
		return fmt.Errorf("cjkfont: pdfcpu config: %w", err)
	}
	if err := ensureFontInstalled(); err != nil {
		return err
	}
	setupDir = abs
	return nil
}

// DefaultConfigDir is where Setup is pointed when the caller did not call it:
// os.UserConfigDir()/yuejuan if that is writable, else os.TempDir()/yuejuan-pdfcpu.
func DefaultConfigDir() string {
	if d, err := os.UserConfigDir(); err == nil && d != "" {
		dir := filepath.Join(d, "yuejuan")
		if err := os.MkdirAll(dir, 0o755); err == nil {
			if f, err := os.CreateTemp(dir, ".probe-"); err == nil {
				name := f.Name()
				f.Close()
				os.Remove(name)
				return dir
			}
		}
	}
	return filepath.Join(os.TempDir(), "yuejuan-pdfcpu")
}

// Ensure makes sure Setup has succeeded, calling it with DefaultConfigDir
// if it has not been called.
func Ensure() error {
	setupMu.Lock()
	done := setupDir != ""
	setupMu.Unlock()
	if done {
		return nil
	}
	err := Setup(DefaultConfigDir())
	if err != nil && setupDone() {
		return nil // someone else won the race with another directory
	}
	return err
}

func setupDone() bool {
	setupMu.Lock()
	defer setupMu.Unlock()
	return setupDir != ""
}

// Configuration returns a fresh pdfcpu configuration for our work.
func Configuration() *model.Configuration {
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.CreateBookmarks = false
	conf.Optimize = true
	conf.OptimizeBeforeWriting = true
	conf.OptimizeDuplicateContentStreams = false
	// Plain objects and a classic xref table: the info dictionary and trailer
	// stay in clear text so we can make the output deterministic, and a later
	// re-stamp can append objects cheaply.
	conf.WriteObjectStream = false
	conf.WriteXRefStream = false
	conf.Offline = true
	return conf
}

func ensureFontInstalled() error {
	dir := font.UserFontDir
	if dir == "" {
		return errors.New("cjkfont: pdfcpu user font dir not set")
	}
	gob := filepath.Join(dir, Name+".gob")
	if _, err := os.Stat(gob); err == nil {
		if err := font.ReloadUserFonts(); err == nil {
			if ok, _ := font.IsUserFont(Name); ok {
				return nil
			}
		}
	}
	ttf, err := truetype.ExtractFace(fonts.ZenHeiTTC, 0)
	if err != nil {
		return fmt.Errorf("cjkfont: extract font: %w", err)
	}
	if err := font.InstallFontFromBytesQuiet(dir, Name, ttf); err != nil {
		return fmt.Errorf("cjkfont: install font: %w", err)
	}
	if err := font.ReloadUserFonts(); err != nil {
		return fmt.Errorf("cjkfont: load fonts: %w", err)
	}
	if ok, err := font.IsUserFont(Name); err != nil || !ok {
		return fmt.Errorf("cjkfont: font %s not available after install (%v)", Name, err)
	}
	return nil
}
