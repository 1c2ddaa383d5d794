package dossier

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/font"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/yuejuan/yuejuan/assets/fonts"
)

// FontName is the PostScript name of the font dossiers are drawn with
// (WenQuanYi Zen Hei, face 0 of the embedded collection).
const FontName = "WenQuanYiZenHei"

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
// directory are safe too). Ingest, AssembleBase and StampCopy call Setup with
// DefaultConfigDir if the caller has not.
func Setup(configDir string) error {
	setupMu.Lock()
	defer setupMu.Unlock()
	if configDir == "" {
		return errors.New("dossier: empty pdfcpu config dir")
	}
	abs, err := filepath.Abs(configDir)
	if err != nil {
		return fmt.Errorf("dossier: config dir: %w", err)
	}
	if setupDir != "" {
		if setupDir == abs {
			return nil
		}
		return fmt.Errorf("dossier: pdfcpu already configured at %s, cannot switch to %s", setupDir, abs)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("dossier: config dir: %w", err)
	}
	// This loads abs/pdfcpu/config.yml (writing it when missing), sets
	// font.UserFontDir and makes model.NewDefaultConfiguration return the
	// loaded configuration, so pdfcpu never falls back to os.UserConfigDir.
	if err := api.EnsureDefaultConfigAt(abs); err != nil {
		return fmt.Errorf("dossier: pdfcpu config: %w", err)
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

func ensureSetup() error {
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

// configuration returns a fresh pdfcpu configuration for our work.
func configuration() *model.Configuration {
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
		return errors.New("dossier: pdfcpu user font dir not set")
	}
	gob := filepath.Join(dir, FontName+".gob")
	if _, err := os.Stat(gob); err == nil {
		if err := font.ReloadUserFonts(); err == nil {
			if ok, _ := font.IsUserFont(FontName); ok {
				return nil
			}
		}
	}
	ttf, err := ttcFace(fonts.ZenHeiTTC, 0)
	if err != nil {
		return fmt.Errorf("dossier: extract font: %w", err)
	}
	if err := font.InstallFontFromBytesQuiet(dir, FontName, ttf); err != nil {
		return fmt.Errorf("dossier: install font: %w", err)
	}
	if err := font.ReloadUserFonts(); err != nil {
		return fmt.Errorf("dossier: load fonts: %w", err)
	}
	if ok, err := font.IsUserFont(FontName); err != nil || !ok {
		return fmt.Errorf("dossier: font %s not available after install (%v)", FontName, err)
	}
	return nil
}

// ttcFace extracts face idx of a TrueType collection as a standalone TrueType
// font (pdfcpu installs from bytes only single fonts, and installing the whole
// collection would write all three faces, ~48 MB, into the config dir).
func ttcFace(ttc []byte, idx int) ([]byte, error) {
	be := binary.BigEndian
	if len(ttc) < 12 || string(ttc[:4]) != "ttcf" {
		return nil, errors.New("not a TrueType collection")
	}
	n := int(be.Uint32(ttc[8:12]))
	if idx < 0 || idx >= n || len(ttc) < 12+4*n {
		return nil, fmt.Errorf("no face %d", idx)
	}
	off := int(be.Uint32(ttc[12+4*idx:]))
	if off+12 > len(ttc) {
		return nil, errors.New("bad face offset")
	}
	numTables := int(be.Uint16(ttc[off+4:]))
	if off+12+16*numTables > len(ttc) {
		return nil, errors.New("bad table directory")
	}
	type rec struct {
		tag           [4]byte
		sum, off, len uint32
	}
	recs := make([]rec, numTables)
	size := 12 + 16*numTables
	for i := range recs {
		p := ttc[off+12+16*i:]
		copy(recs[i].tag[:], p[:4])
		recs[i].sum = be.Uint32(p[4:])
		recs[i].off = be.Uint32(p[8:])
		recs[i].len = be.Uint32(p[12:])
		if int(recs[i].off)+int(recs[i].len) > len(ttc) {
			return nil, fmt.Errorf("table %s out of range", recs[i].tag[:])
		}
		size += (int(recs[i].len) + 3) &^ 3
	}
	out := make([]byte, size)
	copy(out[:4], ttc[off:off+4])
	be.PutUint16(out[4:], uint16(numTables))
	sr, es := 1, 0
	for sr*2 <= numTables {
		sr *= 2
		es++
	}
	be.PutUint16(out[6:], uint16(sr*16))
	be.PutUint16(out[8:], uint16(es))
	be.PutUint16(out[10:], uint16(numTables*16-sr*16))
	pos := 12 + 16*numTables
	headAt := -1
	for i, r := range recs {
		p := out[12+16*i:]
		copy(p[:4], r.tag[:])
		be.PutUint32(p[4:], r.sum)
		be.PutUint32(p[8:], uint32(pos))
		be.PutUint32(p[12:], r.len)
		copy(out[pos:], ttc[r.off:r.off+r.len])
		if string(r.tag[:]) == "head" && r.len >= 12 {
			headAt = pos
		}
		pos += (int(r.len) + 3) &^ 3
	}
	if headAt >= 0 { // recompute head.checkSumAdjustment for the new file
		be.PutUint32(out[headAt+8:], 0)
		var sum uint32
		for i := 0; i+4 <= len(out); i += 4 {
			sum += be.Uint32(out[i:])
		}
		be.PutUint32(out[headAt+8:], 0xB1B0AFBA-sum)
	}
	return out, nil
}
