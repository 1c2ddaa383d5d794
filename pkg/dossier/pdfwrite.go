package dossier

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// writePDF serialises the objects reachable from root and info, renumbered
// 1..n in depth-first order (dictionary keys sorted), as a PDF with a classic
// xref table and no object streams. The file ID is the MD5 of the body, so
// equal inputs give equal bytes. Unreachable objects are dropped.
func writePDF(c context.Context, xt *model.XRefTable, root types.IndirectRef, info types.Dict, w io.Writer) error {
	s := &serializer{xt: xt, num: map[int]int{}}
	s.order = append(s.order, 0) // placeholder for object 0
	if err := s.visit(root, 0); err != nil {
		return err
	}
	infoNr := len(s.order)
	s.order = append(s.order, -1) // info dict, written from info
	if err := s.visit(info, 0); err != nil {
		return err
	}

	bw := bufio.NewWriterSize(w, 1<<20)
	h := md5.New()
	cw := &countWriter{w: io.MultiWriter(bw, h)}
	cw.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int64, len(s.order))
	for n := 1; n < len(s.order); n++ {
		if n%256 == 0 {
			if err := c.Err(); err != nil {
				return err
			}
		}
		offsets[n] = cw.n
		var o types.Object
		if s.order[n] == -1 {
			o = info
		} else {
			var err error
			if o, err = xt.Dereference(*types.NewIndirectRef(s.order[n], 0)); err != nil {
				return fmt.Errorf("object %d: %w", s.order[n], err)
			}
		}
		fmt.Fprintf(cw, "%d 0 obj\n", n)
		if err := s.writeObject(cw, o); err != nil {
			return fmt.Errorf("object %d: %w", s.order[n], err)
		}
		cw.WriteString("\nendobj\n")
		if cw.err != nil {
			return cw.err
		}
	}
	xref := cw.n
	id := hex.EncodeToString(h.Sum(nil))
	fmt.Fprintf(bw, "xref\n0 %d\n0000000000 65535 f \n", len(s.order))
	for n := 1; n < len(s.order); n++ {
		fmt.Fprintf(bw, "%010d 00000 n \n", offsets[n])
	}
	fmt.Fprintf(bw, "trailer\n<</Size %d/Root %d 0 R/Info %d 0 R/ID[<%s><%s>]>>\nstartxref\n%d\n%%%%EOF\n",
		len(s.order), s.num[int(root.ObjectNumber)], infoNr, id, id, xref)
	if cw.err != nil {
		return cw.err
	}
	return bw.Flush()
}

// writePDFFile writes to a temporary file next to dst and renames it into
// place, so dst is either complete or untouched.
func writePDFFile(c context.Context, xt *model.XRefTable, root types.IndirectRef, info types.Dict, dst string) (err error) {
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = writePDF(c, xt, root, info, f); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = c.Err(); err != nil {
		return err
	}
	return os.Rename(f.Name(), dst)
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

func (c *countWriter) WriteString(s string) {
	c.Write([]byte(s))
}

type serializer struct {
	xt    *model.XRefTable
	num   map[int]int // old object number -> new
	order []int       // new number -> old object number (0: none, -1: info)
	// deferred objects are not numbered by visit (the stamp slots, which
	// the base writer places after everything else, and the documents'
	// pages, which it numbers itself; see assemble_stream.go).
	deferred map[int]bool
	// identity writes references with their own numbers (for objects that
	// are already numbered as they are to appear, see copyTail).
	identity bool
}

const maxDepth = 4000

func (s *serializer) visit(o types.Object, depth int) error {
	if depth > maxDepth {
		return errors.New("object graph too deep")
	}
	switch o := o.(type) {
	case types.IndirectRef:
		nr := int(o.ObjectNumber)
		if _, ok := s.num[nr]; ok || s.deferred[nr] {
			return nil
		}
		obj, err := s.xt.Dereference(o)
		if err != nil {
			return fmt.Errorf("object %d: %w", nr, err)
		}
		if obj == nil {
			return nil // reference to a missing object: written as null
		}
		switch obj.(type) {
		case types.ObjectStreamDict, types.XRefStreamDict:
			return nil
		}
		s.num[nr] = len(s.order)
		s.order = append(s.order, nr)
		return s.visit(obj, depth+1)
	case types.Dict:
		for _, k := range sortedKeys(o) {
			if err := s.visit(o[k], depth+1); err != nil {
				return err
			}
		}
	case types.StreamDict:
		return s.visit(o.Dict, depth)
	case types.Array:
		for _, v := range o {
			if err := s.visit(v, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys(d types.Dict) []string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (s *serializer) writeObject(w *countWriter, o types.Object) error {
	sd, ok := o.(types.StreamDict)
	if !ok {
		var b bytes.Buffer
		if err := s.format(&b, o); err != nil {
			return err
		}
		w.Write(b.Bytes())
		return nil
	}
	if sd.Raw == nil && sd.Content != nil {
		if err := sd.Encode(); err != nil {
			return err
		}
	}
	d := types.Dict{}
	for k, v := range sd.Dict {
		d[k] = v
	}
	d["Length"] = types.Integer(len(sd.Raw))
	var b bytes.Buffer
	if err := s.format(&b, d); err != nil {
		return err
	}
	b.WriteString("\nstream\n")
	w.Write(b.Bytes())
	w.Write(sd.Raw)
	w.WriteString("\nendstream")
	return nil
}

func (s *serializer) format(b *bytes.Buffer, o types.Object) error {
	switch o := o.(type) {
	case nil:
		b.WriteString("null")
	case types.IndirectRef:
		if s.identity {
			b.WriteString(strconv.Itoa(int(o.ObjectNumber)))
			b.WriteString(" 0 R")
		} else if n, ok := s.num[int(o.ObjectNumber)]; ok {
			b.WriteString(strconv.Itoa(n))
			b.WriteString(" 0 R")
		} else {
			b.WriteString("null")
		}
	case types.Dict:
		b.WriteString("<<")
		for _, k := range sortedKeys(o) {
			b.WriteString(types.Name(k).PDFString())
			v := o[k]
			switch v.(type) {
			case types.Name, types.Dict, types.Array, types.StringLiteral, types.HexLiteral:
			default:
				b.WriteByte(' ')
			}
			if err := s.format(b, v); err != nil {
				return err
			}
		}
		b.WriteString(">>")
	case types.Array:
		b.WriteByte('[')
		for i, v := range o {
			if i > 0 {
				b.WriteByte(' ')
			}
			if err := s.format(b, v); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case types.Name:
		b.WriteString(o.PDFString())
	case types.Integer:
		b.WriteString(strconv.Itoa(int(o)))
	case types.Float:
		b.WriteString(formatFloat(float64(o)))
	case types.Boolean:
		b.WriteString(strconv.FormatBool(bool(o)))
	case types.StringLiteral:
		b.WriteString(o.PDFString())
	case types.HexLiteral:
		b.WriteString(o.PDFString())
	case types.StreamDict:
		return errors.New("stream object used as a direct object")
	case types.LazyObjectStreamObject:
		obj, err := o.DecodedObject(context.Background())
		if err != nil {
			return err
		}
		return s.format(b, obj)
	default:
		return fmt.Errorf("cannot serialise %T", o)
	}
	return nil
}

func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', 5, 64)
	if bytes.IndexByte([]byte(s), '.') >= 0 {
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		s = trimSuffixByte(s, '.')
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func trimSuffixByte(s string, c byte) string {
	if len(s) > 0 && s[len(s)-1] == c {
		return s[:len(s)-1]
	}
	return s
}

// textString is a PDF text string: ASCII stays a literal, anything else
// becomes UTF-16BE with a byte order mark.
func textString(s string) types.Object {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			ascii = false
			break
		}
	}
	if ascii {
		if esc, err := types.Escape(s); err == nil {
			return types.StringLiteral(*esc)
		}
	}
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2, 2+2*len(u))
	b[0], b[1] = 0xFE, 0xFF
	for _, r := range u {
		b = append(b, byte(r>>8), byte(r))
	}
	return types.HexLiteral(hex.EncodeToString(b))
}
