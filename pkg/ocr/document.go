package ocr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Result is what recognition found in one document: its sidecar, stored
// next to the ingested PDF (WordsKey).
type Result struct {
	DPI   int    `json:"dpi"`
	Pages []Page `json:"pages"`
}

// Page is one page of a Result.
type Page struct {
	N int `json:"n"` // 1-based
	// W and H are the size in pixels of the image the boxes are in: the
	// page as displayed (after Rotate), rendered at the Result's DPI.
	W int `json:"w,omitempty"`
	H int `json:"h,omitempty"`
	// Rotate is how far the page was turned clockwise to be upright (OSD);
	// the ingested PDF's page carries it in /Rotate.
	Rotate int `json:"rotate,omitempty"`
	// Text: the page has a usable text layer of its own and was not
	// recognised.
	Text bool `json:"text,omitempty"`
	// Skew is how far, in degrees counter-clockwise, the page lay askew
	// and was levelled for recognition (Skew, Rotate); the words' boxes
	// are mapped back onto the page as it is.
	Skew  float64 `json:"skew,omitempty"`
	Error string  `json:"error,omitempty"` // why recognition failed on the page
	Words []Word  `json:"words,omitempty"`
	Secs  float64 `json:"secs,omitempty"` // time the page took
}

// Failed lists the pages recognition failed on.
func (r *Result) Failed() []int {
	var out []int
	for _, p := range r.Pages {
		if p.Error != "" {
			out = append(out, p.N)
		}
	}
	return out
}

// Turns maps each page that was turned to its clockwise rotation.
func (r *Result) Turns() map[int]int {
	out := map[int]int{}
	for _, p := range r.Pages {
		if p.Rotate != 0 {
			out[p.N] = p.Rotate
		}
	}
	return out
}

// Rotated lists the pages that were turned.
func (r *Result) Rotated() []int {
	var out []int
	for _, p := range r.Pages {
		if p.Rotate != 0 {
			out = append(out, p.N)
		}
	}
	return out
}

// Marshal is the sidecar's bytes.
func (r *Result) Marshal() ([]byte, error) { return json.Marshal(r) }

// Unmarshal reads a sidecar.
func Unmarshal(data []byte) (*Result, error) {
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("ocr: sidecar: %w", err)
	}
	return &r, nil
}

// ReadFile reads a sidecar file.
func ReadFile(path string) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Unmarshal(data)
}

// poorConf is the mean confidence below which a page is asked for its
// orientation: upright Chinese reads at 85-95, a page upside down or on
// its side at 30-60 (docs/ocr.md). OSD costs as much as recognition, so
// pages that read well are not asked.
const poorConf = 70

// Document recognises the pages of the PDF at path that have no usable
// text of their own, up to Workers at once, each rendered at DPI by
// pdftoppm. A page that fails to render or recognise is recorded with its
// Error and the rest go on: only a missing command, or ctx done, is an
// error of the whole. When ctx is done the Result comes with the error:
// the pages recognised so far, the others with their Error (the ingest
// job keeps what its time budget allowed).
func (e *Engine) Document(ctx context.Context, path string, pages int) (*Result, error) {
	dir, err := os.MkdirTemp("", "ocr-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	texts, err := pageTexts(ctx, path)
	if err != nil {
		return nil, err
	}
	res := &Result{DPI: e.dpi(), Pages: make([]Page, pages)}
	workers := e.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	var fatalMu sync.Mutex
	var fatal error
	for range min(workers, pages) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				start := time.Now()
				p := &res.Pages[i]
				p.N = i + 1
				if i < len(texts) && Usable(texts[i]) {
					p.Text = true
					continue
				}
				if err := e.page(ctx, path, dir, p); err != nil {
					if ctx.Err() != nil || isMissing(err) {
						fatalMu.Lock()
						fatal = err
						fatalMu.Unlock()
						continue
					}
					p.Error = err.Error()
				}
				p.Secs = time.Since(start).Seconds()
			}
		}()
	}
	for i := range pages {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if fatal != nil && ctx.Err() == nil {
		return nil, fatal
	}
	if err := ctx.Err(); err != nil {
		for i := range res.Pages {
			if p := &res.Pages[i]; p.N == 0 || (!p.Text && p.Error == "" && p.Secs == 0) {
				*p = Page{N: i + 1, Error: "not recognised: stopped at the time budget (" + err.Error() + ")"}
			}
		}
		return res, err
	}
	return res, nil
}

func isMissing(err error) bool { return strings.Contains(err.Error(), InstallHint) }

// page renders page p.N and recognises it: levelled when it lies askew
// (Skew, Rotate), despeckled, turned first when it reads poorly and OSD
// says it lies on its side or upside down, and read again in LatinLangs
// when it reads as mostly Latin letters. The words' boxes are on
// the page as displayed (after Rotate), not levelled.
func (e *Engine) page(ctx context.Context, pdf, dir string, p *Page) error {
	stem := filepath.Join(dir, "p"+strconv.Itoa(p.N))
	dpi := e.dpi()
	// Grey PGM, not PNG: pdftoppm spent 13 s of CPU compressing one noisy
	// page as PNG, and 0.15 s writing it raw.
	cmd := exec.CommandContext(ctx, "pdftoppm", "-r", strconv.Itoa(dpi), "-gray", "-f", strconv.Itoa(p.N), "-l", strconv.Itoa(p.N), "-singlefile", pdf, stem)
	if out, err := cmd.CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ee *exec.Error
		if errors.As(err, &ee) {
			return fmt.Errorf("ocr: %v; install with: %s", err, InstallHint)
		}
		return fmt.Errorf("page %d could not be rendered: %v: %s", p.N, err, bytes.TrimSpace(out))
	}
	rendered := stem + ".pgm"
	defer os.Remove(rendered)
	m, err := readPGM(rendered)
	if err != nil {
		return err
	}
	img := stem + "-clean.pgm"
	defer os.Remove(img)
	skew, err := prepare(m, dpi, img)
	if err != nil {
		return err
	}
	words, err := e.Recognize(ctx, img, dpi)
	if err != nil {
		return err
	}
	read := img // the image the words were read on
	w, h := m.Rect.Dx(), m.Rect.Dy()
	if MeanConf(words) < poorConf {
		rot, _, err := e.Orientation(ctx, img, dpi)
		if err != nil {
			return err
		}
		if rot != 0 {
			// The scan turned, then levelled afresh: a page on its side
			// has no level lines to measure until it is turned.
			turned := Turn(m, rot)
			timg := stem + "-turned.pgm"
			defer os.Remove(timg)
			tskew, err := prepare(turned, dpi, timg)
			if err != nil {
				return err
			}
			again, err := e.Recognize(ctx, timg, dpi)
			if err != nil {
				return err
			}
			// Kept only if it reads better: OSD guesses on pages with
			// little text (a photograph, a form).
			if MeanConf(again) > MeanConf(words) {
				words, p.Rotate, skew, read = again, rot, tskew, timg
				w, h = turned.Rect.Dx(), turned.Rect.Dy()
			}
		}
	}
	if MostlyLatin(words) {
		if err := e.readLatin(ctx, read, dpi, &words); err != nil {
			return err
		}
	}
	words = dropSpecks(words)
	if skew != 0 {
		unrotateWords(words, w, h, skew)
	}
	p.W, p.H, p.Words, p.Skew = w, h, words, skew
	return nil
}

// readLatin reads the image at path again in the engine's LatinLangs, a
// page whose first reading is mostly Latin letters, and keeps that
// reading in *words when it reads better.
func (e *Engine) readLatin(ctx context.Context, path string, dpi int, words *[]Word) error {
	again, err := e.recognize(ctx, path, dpi, e.latinLangs())
	if err != nil {
		return err
	}
	if MeanConf(again) > MeanConf(*words) {
		*words = again
	}
	return nil
}

// dropSpecks leaves out the words that are specks read as punctuation:
// a full stop, a quotation mark, a dash or a bar alone, read with a
// confidence under speckConf. Specks beside a line of text survive
// despeckling (they could be its punctuation) and Tesseract reads them so,
// at the start or end of a line, with confidences of 16-55; punctuation
// that is there reads at 70-93. Chinese puts no ASCII full stop or
// straight quote on its own (its full stop is 。), and a comma or colon,
// which can read low and be there, is kept.
func dropSpecks(words []Word) []Word {
	out := words[:0]
	for _, w := range words {
		if w.Conf < speckConf && strings.Trim(w.Text, ".'\"`“”‘’-_|~") == "" {
			continue
		}
		out = append(out, w)
	}
	return out
}

// speckConf is the confidence under which lone punctuation is taken for
// a speck (dropSpecks).
const speckConf = 60

// minSkew is the skew, in degrees, from which a page is levelled before
// recognition. Below it a line drifts less than a fifth of its height
// across an A4 page at 300 dpi (13 pixels), which Tesseract's own line
// finding takes in stride; the ground truth's level pages measure within
// 0.1° of level, so they are not turned by a measuring error.
const minSkew = 0.3

// prepare writes to path the page m as Tesseract is to read it: levelled
// when it lies askew by minSkew or more, and despeckled. It returns the
// skew it levelled (0 when it did not).
func prepare(m *image.Gray, dpi int, path string) (float64, error) {
	skew := Skew(m)
	if math.Abs(skew) < minSkew {
		skew = 0
	} else {
		m = Rotate(m, skew)
	}
	return skew, writePGM(path, Despeckle(m, dpi))
}

// readPGM reads a binary grey PGM (P5, 8 bits) as pdftoppm -gray writes it.
func readPGM(path string) (*image.Gray, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var fields []int
	i := 2
	if len(data) < 2 || string(data[:2]) != "P5" {
		return nil, fmt.Errorf("ocr: rendered page %s: not a binary PGM", path)
	}
	for len(fields) < 3 && i < len(data) {
		switch c := data[i]; {
		case c == '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
		case c >= '0' && c <= '9':
			j := i
			for j < len(data) && data[j] >= '0' && data[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(string(data[i:j]))
			fields = append(fields, n)
			i = j
			continue
		}
		i++
	}
	i++ // the one white space character after the maximum value
	if len(fields) < 3 || fields[2] != 255 {
		return nil, fmt.Errorf("ocr: rendered page %s: PGM header %v", path, fields)
	}
	w, h := fields[0], fields[1]
	if len(data)-i < w*h {
		return nil, fmt.Errorf("ocr: rendered page %s: %d bytes of pixels, want %d", path, len(data)-i, w*h)
	}
	return &image.Gray{Pix: data[i : i+w*h], Stride: w, Rect: image.Rect(0, 0, w, h)}, nil
}

// writePGM writes g as a binary PGM, which Tesseract (Leptonica) reads.
func writePGM(path string, g *image.Gray) error {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	buf := make([]byte, 0, w*h+32)
	buf = fmt.Appendf(buf, "P5\n%d %d\n255\n", w, h)
	for y := range h {
		buf = append(buf, g.Pix[y*g.Stride:y*g.Stride+w]...)
	}
	return os.WriteFile(path, buf, 0o600)
}

// Turn returns m turned clockwise by deg (a multiple of 90), as grey.
func Turn(m image.Image, deg int) *image.Gray {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	deg = ((deg % 360) + 360) % 360
	ow, oh := w, h
	if deg == 90 || deg == 270 {
		ow, oh = h, w
	}
	out := image.NewGray(image.Rect(0, 0, ow, oh))
	gray, _ := m.(*image.Gray)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var v uint8
			if gray != nil {
				v = gray.Pix[(y)*gray.Stride+x]
			} else {
				r, g, bb, _ := m.At(b.Min.X+x, b.Min.Y+y).RGBA()
				v = uint8((19595*r + 38470*g + 7471*bb + 1<<15) >> 24)
			}
			var nx, ny int
			switch deg {
			case 90:
				nx, ny = h-1-y, x
			case 180:
				nx, ny = w-1-x, h-1-y
			case 270:
				nx, ny = y, w-1-x
			default:
				nx, ny = x, y
			}
			out.Pix[ny*out.Stride+nx] = v
		}
	}
	return out
}

// pageTexts is the text layer of each page of the PDF (pdftotext, pages
// separated by form feeds).
func pageTexts(ctx context.Context, pdf string) ([]string, error) {
	out, err := exec.CommandContext(ctx, "pdftotext", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ee *exec.Error
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("ocr: %v; install with: %s", err, InstallHint)
		}
		// A text layer pdftotext cannot read is as good as none.
		return nil, nil
	}
	return strings.Split(string(out), "\f"), nil
}

// Usable says whether a page's own text layer is worth keeping instead of
// recognising the page: at least 10 letters, digits or Han characters,
// and at most one character in ten undecodable (U+FFFD, private use,
// control characters: what a font without a ToUnicode map extracts as).
func Usable(text string) bool {
	good, bad := 0, 0
	for _, r := range text {
		switch {
		case r == unicode.ReplacementChar || unicode.Is(unicode.Co, r) || (unicode.IsControl(r) && !unicode.IsSpace(r)):
			bad++
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			good++
		}
	}
	return good >= 10 && bad*10 <= good+bad
}

// WordsKey is where the words recognised in material id's PDF are kept (a
// Result as JSON), next to the PDF in the uploads bucket: the dossier draws
// its text layer from them, and the lawyer's search reads them.
func WordsKey(caseID, id string) string {
	return "materials/" + caseID + "/" + id + ".words.json"
}
