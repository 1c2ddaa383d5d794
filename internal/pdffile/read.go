package pdffile

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Read reads the files Write writes without loading their streams: every
// object is parsed, with pdfcpu's object parser, except stream data, of
// which only the place in the file is kept (dossier's base assembly copies
// that data raw from the file). A file it cannot take (an older or foreign
// layout, damage) gives ErrLayout; its caller reads it with pdfcpu.

// StreamLoc is where a stream's data is in its file.
type StreamLoc struct{ Off, N int64 }

// ErrLayout means Read cannot read a file: it is not in the layout Write
// writes (the layout of scan.Ingest's output, hence the message).
var ErrLayout = errors.New("not in the layout Ingest writes")

// maxLightObject bounds one object's text (a stream's dictionary without
// its data); bigger ones go to pdfcpu.
const maxLightObject = 16 << 20

// Read reads f (size bytes): the cross-reference table and every object,
// streams without their data (streams says where each one's data is). The
// objects are in an XRefTable so that pdfcpu's dereferencing works on them.
func Read(c context.Context, f io.ReaderAt, size int64) (xt *model.XRefTable, streams map[int]StreamLoc, err error) {
	defer func() {
		if p := recover(); p != nil { // pdfcpu's parser on unexpected input
			xt, streams, err = nil, nil, fmt.Errorf("%w: %v", ErrLayout, p)
		}
	}()
	xref, err := startXRef(f, size)
	if err != nil {
		return nil, nil, err
	}
	offs, trailer, err := readXRefTable(c, f, size, xref)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range []string{"Prev", "Encrypt", "XRefStm"} {
		if _, ok := trailer[k]; ok {
			return nil, nil, fmt.Errorf("%w: trailer has /%s", ErrLayout, k)
		}
	}
	root, ok := trailer["Root"].(types.IndirectRef)
	if !ok {
		return nil, nil, fmt.Errorf("%w: no /Root", ErrLayout)
	}
	zero := 0
	xt = &model.XRefTable{Table: map[int]*model.XRefTableEntry{}, Root: &root}
	streams = map[int]StreamLoc{}
	buf := make([]byte, 1024)
	for nr, off := range offs {
		if off <= 0 {
			continue
		}
		if nr%256 == 0 {
			if err := c.Err(); err != nil {
				return nil, nil, err
			}
		}
		var o types.Object
		var loc *StreamLoc
		o, loc, buf, err = readObject(f, size, nr, off, buf)
		if err != nil {
			return nil, nil, err
		}
		if loc != nil {
			streams[nr] = *loc
			o = types.StreamDict{Dict: o.(types.Dict)}
		}
		xt.Table[nr] = &model.XRefTableEntry{Object: o, Offset: &offs[nr], Generation: &zero}
	}
	size32 := len(offs)
	xt.Size = &size32
	return xt, streams, nil
}

// Window serves reads of a file's first and last windowSize bytes from
// memory. Read reads small pieces — the objects (at the start
// of an ingested file, before the image data), the end of stream data, the
// xref table and trailer (at its end) — and a system call for each costs
// more than parsing them.
type Window struct {
	r          io.ReaderAt
	size       int64
	head, tail []byte // the file's first and last bytes
}

const windowSize = 16 << 10

// NewWindow reads the first and last bytes of r (size bytes).
func NewWindow(r io.ReaderAt, size int64) (*Window, error) {
	w := &Window{r: r, size: size, head: make([]byte, min(size, windowSize))}
	if _, err := r.ReadAt(w.head, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if size > windowSize {
		w.tail = make([]byte, min(size-windowSize, windowSize))
		if _, err := r.ReadAt(w.tail, size-int64(len(w.tail))); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
	}
	return w, nil
}

// Head is the file's first bytes (up to 16 KB).
func (w *Window) Head() []byte { return w.head }

// ReadAt implements io.ReaderAt.
func (w *Window) ReadAt(p []byte, off int64) (int, error) {
	end := min(off+int64(len(p)), w.size)
	tailStart := w.size - int64(len(w.tail))
	var n int
	switch {
	case off < 0:
		return 0, errors.New("negative offset")
	case off >= w.size:
		return 0, io.EOF
	case end <= int64(len(w.head)):
		n = copy(p, w.head[off:end])
	case off >= tailStart && w.tail != nil:
		n = copy(p, w.tail[off-tailStart:end-tailStart])
	default:
		return w.r.ReadAt(p, off)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// startXRef finds the offset of the cross-reference table.
func startXRef(f io.ReaderAt, size int64) (int64, error) {
	n := min(size, 512)
	tail := make([]byte, n)
	if _, err := f.ReadAt(tail, size-n); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, fmt.Errorf("%w: no startxref", ErrLayout)
	}
	fields := bytes.Fields(tail[i+len("startxref"):])
	if len(fields) == 0 {
		return 0, fmt.Errorf("%w: bad startxref", ErrLayout)
	}
	off, err := strconv.ParseInt(string(fields[0]), 10, 64)
	if err != nil || off <= 0 || off >= size {
		return 0, fmt.Errorf("%w: bad startxref", ErrLayout)
	}
	return off, nil
}

// readXRefTable reads a classic cross-reference table at off and its
// trailer: offs[n] is object n's offset (0: free or missing).
func readXRefTable(c context.Context, f io.ReaderAt, size, off int64) ([]int64, types.Dict, error) {
	r := bufio.NewReaderSize(io.NewSectionReader(f, off, size-off), 4<<10)
	line := func() (string, error) {
		l, err := r.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && l != "") {
			return "", fmt.Errorf("%w: xref: %v", ErrLayout, err)
		}
		return string(bytes.TrimRight([]byte(l), "\r\n \t")), nil
	}
	if l, err := line(); err != nil || l != "xref" {
		return nil, nil, fmt.Errorf("%w: no xref table", ErrLayout)
	}
	var offs []int64
	entry := make([]byte, 20)
	for {
		l, err := line()
		if err != nil {
			return nil, nil, err
		}
		if l == "trailer" || bytes.HasPrefix([]byte(l), []byte("trailer")) {
			rest := l[len("trailer"):]
			more, _ := io.ReadAll(io.LimitReader(r, 64<<10))
			s := rest + "\n" + string(more)
			o, err := model.ParseObjectContext(c, &s, 0)
			d, ok := o.(types.Dict)
			if err != nil || !ok {
				return nil, nil, fmt.Errorf("%w: bad trailer", ErrLayout)
			}
			if n, ok := d["Size"].(types.Integer); !ok || int(n) != len(offs) {
				return nil, nil, fmt.Errorf("%w: trailer /Size does not match the table", ErrLayout)
			}
			return offs, d, nil
		}
		var start, count int
		if _, err := fmt.Sscanf(l, "%d %d", &start, &count); err != nil || start < 0 || count < 0 ||
			start != len(offs) || int64(start+count)*20 > size {
			return nil, nil, fmt.Errorf("%w: bad xref subsection %q", ErrLayout, l)
		}
		for i := 0; i < count; i++ {
			if i%4096 == 0 && c.Err() != nil {
				return nil, nil, c.Err()
			}
			if _, err := io.ReadFull(r, entry); err != nil {
				return nil, nil, fmt.Errorf("%w: xref entry: %v", ErrLayout, err)
			}
			o, err1 := strconv.ParseInt(string(entry[:10]), 10, 64)
			g, err2 := strconv.Atoi(string(entry[11:16]))
			switch {
			case err1 != nil || err2 != nil || entry[10] != ' ' || entry[16] != ' ':
				return nil, nil, fmt.Errorf("%w: bad xref entry %q", ErrLayout, entry)
			case entry[17] == 'f':
				offs = append(offs, 0)
			case entry[17] == 'n' && g == 0 && o > 0 && o < size:
				offs = append(offs, o)
			default:
				return nil, nil, fmt.Errorf("%w: xref entry %q", ErrLayout, entry)
			}
		}
	}
}

// readObject parses object nr at off. For a stream it returns the
// dictionary and where the data is, having checked that endstream follows
// it. buf is a scratch buffer, returned (possibly grown) for reuse.
func readObject(f io.ReaderAt, size int64, nr int, off int64, buf []byte) (types.Object, *StreamLoc, []byte, error) {
	bad := func(what string) error { return fmt.Errorf("%w: object %d: %s", ErrLayout, nr, what) }
	for {
		n := int(min(int64(len(buf)), size-off))
		k, err := f.ReadAt(buf[:n], off)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, buf, err
		}
		whole := off+int64(k) >= size // the buffer reaches the end of the file
		o, loc, err := parseObjectAt(buf[:k], nr, off, whole)
		if err == nil {
			if loc != nil {
				if loc.Off+loc.N > size {
					return nil, nil, buf, bad("stream data past the end of the file")
				}
				var end [32]byte
				m, _ := f.ReadAt(end[:], loc.Off+loc.N)
				e := bytes.TrimLeft(end[:m], "\r\n \t")
				if !bytes.HasPrefix(e, []byte("endstream")) {
					return nil, nil, buf, bad("no endstream after /Length bytes")
				}
			}
			return o, loc, buf, nil
		}
		if !errors.Is(err, errShort) || whole || len(buf) >= maxLightObject {
			return nil, nil, buf, bad(err.Error())
		}
		buf = make([]byte, len(buf)*4)
	}
}

var errShort = errors.New("object longer than the buffer")

// parseObjectAt parses "nr 0 obj … endobj" or "nr 0 obj <<…>> stream" at
// the start of b (read from off); whole says b ends where the file does.
func parseObjectAt(b []byte, nr int, off int64, whole bool) (types.Object, *StreamLoc, error) {
	short := func(what string) error {
		if whole {
			return errors.New(what)
		}
		return errShort
	}
	i := 0
	skip := func() {
		for i < len(b) && isPDFSpace(b[i]) {
			i++
		}
	}
	word := func() string {
		skip()
		j := i
		for i < len(b) && !isPDFSpace(b[i]) && !isPDFDelim(b[i]) {
			i++
		}
		return string(b[j:i])
	}
	num, gen, kw := word(), word(), word()
	if i >= len(b) {
		return nil, nil, short("truncated object header")
	}
	if num != strconv.Itoa(nr) || gen != "0" || kw != "obj" {
		return nil, nil, fmt.Errorf("header %q %q %q", num, gen, kw)
	}
	s := string(b[i:])
	o, err := model.ParseObjectContext(context.Background(), &s, 0)
	if err != nil {
		return nil, nil, short(err.Error())
	}
	// The parser leaves the unparsed suffix of its input.
	i = len(b) - len(s)
	skip()
	rest := b[i:]
	switch {
	case bytes.HasPrefix(rest, []byte("endobj")):
		return o, nil, nil
	case bytes.HasPrefix(rest, []byte("stream")):
		d, ok := o.(types.Dict)
		if !ok {
			return nil, nil, errors.New("stream without a dictionary")
		}
		rest = rest[len("stream"):]
		eol := 0
		switch {
		case bytes.HasPrefix(rest, []byte("\r\n")):
			eol = 2
		case bytes.HasPrefix(rest, []byte("\n")):
			eol = 1
		case len(rest) < 2:
			return nil, nil, short("truncated stream keyword")
		default:
			return nil, nil, errors.New("no end of line after stream")
		}
		length, ok := d["Length"].(types.Integer)
		if !ok || length < 0 {
			return nil, nil, errors.New("stream /Length is not a direct number")
		}
		dataOff := off + int64(len(b)-len(rest)) + int64(eol)
		return d, &StreamLoc{Off: dataOff, N: int64(length)}, nil
	case len(rest) < len("endobj"):
		return nil, nil, short("truncated object")
	}
	return nil, nil, errors.New("neither endobj nor stream after the object")
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}
