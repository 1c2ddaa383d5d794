// Package ocr recognises the text of scanned pages with Tesseract (chi_sim
// and eng), run as a command: the words with their boxes and confidences
// (TSV output), and the page's orientation (OSD) when a page reads badly
// the way it lies. Document does a whole ingested PDF, page by page in
// parallel, and gives the words of every page that had no usable text of
// its own: the material's sidecar (Result), from which the dossier draws
// its invisible text layer. Why a command and not cgo bindings:
// docs/ocr.md.
package ocr

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// InstallHint is what to run when Tesseract or its language data is missing.
const InstallHint = "apt-get update && apt-get install -y tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-osd poppler-utils"

// Engine runs Tesseract. The zero value uses the defaults.
type Engine struct {
	Tesseract string // the tesseract command; "tesseract" when empty
	// Langs are the Tesseract languages a page is read in first;
	// DefaultLangs when empty.
	Langs string
	// LatinLangs are those a page is read in again when that first
	// reading is mostly Latin letters (kept if it reads better);
	// DefaultLatinLangs when empty.
	LatinLangs string
	// PSM is Tesseract's page segmentation mode: 0 takes DefaultPSM.
	PSM int
	// DPI is the resolution pages are rendered at for recognition; 0
	// takes DefaultDPI.
	DPI int
	// Workers is how many pages are recognised at once; 0 takes the
	// number of CPUs.
	Workers int
}

// DefaultPSM is page segmentation mode 6, one uniform block of text:
// on the ground truth it kept the headings that the automatic layout
// analysis (3) dropped as non-text, at the same error rate elsewhere
// (docs/ocr.md).
const DefaultPSM = 6

// DefaultDPI is the rendering resolution: Tesseract reads 10.5-12 pt
// Chinese best with strokes some 30-40 pixels high.
const DefaultDPI = 300

func (e *Engine) bin() string {
	if e.Tesseract != "" {
		return e.Tesseract
	}
	return "tesseract"
}

// DefaultLangs is Simplified Chinese alone. Its model reads Latin
// letters, digits and English words too; with English beside it
// (chi_sim+eng), Tesseract gave lines of a noisy Chinese page to the
// English model, which read them as Latin gibberish (答：没有了，我愿意退赔
// 被害人的损失。 as ":RT,RBIAMR."): on the noisy ground truth chi_sim alone
// nearly halved the error rate, and costs about a third less
// (docs/ocr.md).
const DefaultLangs = "chi_sim"

// DefaultLatinLangs is what a page that reads mostly as Latin letters is
// read in again: English beside Chinese reads English text better (a
// witness statement in English: 0.72 % against 0.97 % CER, confidence 95
// against 87).
const DefaultLatinLangs = "chi_sim+eng"

func (e *Engine) langs() string {
	if e.Langs != "" {
		return e.Langs
	}
	return DefaultLangs
}

func (e *Engine) latinLangs() string {
	if e.LatinLangs != "" {
		return e.LatinLangs
	}
	return DefaultLatinLangs
}

func (e *Engine) psm() int {
	if e.PSM > 0 {
		return e.PSM
	}
	return DefaultPSM
}

func (e *Engine) dpi() int {
	if e.DPI > 0 {
		return e.DPI
	}
	return DefaultDPI
}

// Check reports, with the command that installs them, what recognition
// lacks: the tesseract command, its chi_sim, eng and osd data, and
// Poppler's pdftoppm and pdftotext (pages are rendered and their own
// text read with them).
func (e *Engine) Check(ctx context.Context) error {
	var missing []string
	for _, c := range []string{e.bin(), "pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(c); err != nil {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		out, err := exec.CommandContext(ctx, e.bin(), "--list-langs").CombinedOutput()
		if err != nil {
			return fmt.Errorf("ocr: %s --list-langs: %v: %s", e.bin(), err, bytes.TrimSpace(out))
		}
		have := map[string]bool{}
		for _, l := range strings.Fields(string(out)) {
			have[l] = true
		}
		for _, l := range slices.Concat(strings.Split(e.langs(), "+"), strings.Split(e.latinLangs(), "+"), []string{"osd"}) {
			if !have[l] {
				missing = append(missing, "tesseract language data "+l)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("ocr: missing %s; install with: %s (or switch OCR off with YUEJUAN_OCR=off)", strings.Join(missing, ", "), InstallHint)
	}
	return nil
}

// Word is one recognised word: its text, its box in the page image's
// pixels (x0, y0 top left, x1, y1 bottom right), Tesseract's confidence
// (0-100) and the line it belongs to (numbered on the page, in reading
// order).
type Word struct {
	Text string  `json:"t"`
	Box  [4]int  `json:"b"`
	Conf float64 `json:"c"`
	Line int     `json:"l"`
}

// Recognize reads the words of the image at path (a file Tesseract
// reads: PNG, JPEG, TIFF) rendered at dpi, in the engine's first
// languages (Langs).
func (e *Engine) Recognize(ctx context.Context, path string, dpi int) ([]Word, error) {
	return e.recognize(ctx, path, dpi, e.langs())
}

func (e *Engine) recognize(ctx context.Context, path string, dpi int, langs string) ([]Word, error) {
	// Sauvola's local thresholding (thresholding_method=2, Tesseract 5)
	// instead of its global Otsu: on the despeckled ground truth it read
	// clean and skewed pages better (clean 300 dpi 1.03 → 0.45 % mean CER)
	// and noisy ones about as well (docs/ocr.md, what was tried).
	args := []string{path, "-", "-l", langs, "--psm", strconv.Itoa(e.psm()), "-c", "preserve_interword_spaces=1", "-c", "thresholding_method=2"}
	if dpi > 0 {
		args = append(args, "--dpi", strconv.Itoa(dpi))
	}
	out, err := e.run(ctx, append(args, "tsv")...)
	if err != nil {
		return nil, err
	}
	return ParseTSV(bytes.NewReader(out))
}

// Orientation asks Tesseract's OSD how far the image at path must be
// turned clockwise to be upright (0, 90, 180 or 270), and how sure it is.
// A page with too little text to tell gives 0 and no error.
func (e *Engine) Orientation(ctx context.Context, path string, dpi int) (rotate int, conf float64, err error) {
	args := []string{path, "-", "--psm", "0"}
	if dpi > 0 {
		args = append(args, "--dpi", strconv.Itoa(dpi))
	}
	out, err := e.run(ctx, args...)
	if err != nil {
		if strings.Contains(err.Error(), "Too few characters") {
			return 0, 0, nil
		}
		return 0, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Rotate":
			rotate, err = strconv.Atoi(v)
			if err != nil {
				return 0, 0, fmt.Errorf("ocr: osd: %q", sc.Text())
			}
		case "Orientation confidence":
			conf, _ = strconv.ParseFloat(v, 64)
		}
	}
	return rotate, conf, nil
}

// run runs tesseract with one thread: pages run in parallel instead,
// which uses the cores better than Tesseract's OpenMP threads (their
// waiting costs more CPU than it saves on a busy machine).
func (e *Engine) run(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, e.bin(), args...)
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 300 {
			msg = msg[len(msg)-300:]
		}
		var ee *exec.Error
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("ocr: %v; install with: %s", err, InstallHint)
		}
		return nil, fmt.Errorf("ocr: tesseract: %v: %s", err, msg)
	}
	return out, nil
}

// ParseTSV reads Tesseract's TSV output: the words (level 5) with text,
// in reading order, lines numbered across the page.
func ParseTSV(r io.Reader) ([]Word, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var words []Word
	type lineKey struct{ block, par, line int }
	lines := map[lineKey]int{}
	first := true
	for sc.Scan() {
		if first {
			first = false
			if strings.HasPrefix(sc.Text(), "level") {
				continue
			}
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 12 {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			return nil, fmt.Errorf("ocr: tsv: %d fields in %q", len(f), sc.Text())
		}
		if f[0] != "5" {
			continue
		}
		text := strings.TrimSpace(strings.Join(f[11:], "\t"))
		if text == "" {
			continue
		}
		var n [10]int
		for i := 1; i <= 9; i++ {
			v, err := strconv.Atoi(f[i])
			if err != nil {
				return nil, fmt.Errorf("ocr: tsv: field %d of %q", i+1, sc.Text())
			}
			n[i] = v
		}
		conf, err := strconv.ParseFloat(f[10], 64)
		if err != nil {
			return nil, fmt.Errorf("ocr: tsv: confidence of %q", sc.Text())
		}
		k := lineKey{n[2], n[3], n[4]}
		ln, ok := lines[k]
		if !ok {
			ln = len(lines) + 1
			lines[k] = ln
		}
		left, top, w, h := n[6], n[7], n[8], n[9]
		words = append(words, Word{Text: text, Box: [4]int{left, top, left + w, top + h}, Conf: conf, Line: ln})
	}
	return words, sc.Err()
}

// MostlyLatin says whether the words have more Latin letters than Han
// characters, and at least minLatin of them: a page in English, or one a
// Chinese model read as gibberish. A page with a few letters on it (a
// photograph, a stamp) is not worth a second reading.
func MostlyLatin(words []Word) bool {
	latin, han := 0, 0
	for _, w := range words {
		for _, r := range w.Text {
			switch {
			case unicode.Is(unicode.Han, r):
				han++
			case unicode.Is(unicode.Latin, r):
				latin++
			}
		}
	}
	return latin >= minLatin && latin > han
}

// minLatin is how many Latin letters make a page MostlyLatin at least: a
// line of English.
const minLatin = 20

// MeanConf is the words' mean confidence weighted by their length, 0 for
// none.
func MeanConf(words []Word) float64 {
	var sum, n float64
	for _, w := range words {
		k := float64(len([]rune(w.Text)))
		sum += w.Conf * k
		n += k
	}
	if n == 0 {
		return 0
	}
	return sum / n
}
