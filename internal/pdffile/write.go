// Package pdffile writes PDF files of one layout — a classic
// cross-reference table, plain objects, no object streams, no encryption,
// direct stream lengths — deterministically (Write: objects renumbered in a
// fixed order, the file ID derived from the content, so equal inputs give
// equal bytes; pdfcpu's writer orders objects by map iteration and stamps
// the current time), and reads files of that layout back without loading
// their stream data (Read). Objects are pdfcpu's (types, model.XRefTable).
package pdffile

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

// Write serialises the objects reachable from root and info, renumbered
// 1..n in depth-first order (dictionary keys sorted), as a PDF with a classic
// xref table and no object streams. The file ID is the MD5 of the body, so
// equal inputs give equal bytes. Unreachable objects are dropped.
func Write(c context.Context, xt *model.XRefTable, root types.IndirectRef, info types.Dict, w io.Writer) error {
	s := &Serializer{XRef: xt, Num: map[int]int{}}
	s.Order = append(s.Order, 0) // placeholder for object 0
	if err := s.Visit(root); err != nil {
		return err
	}
	infoNr := len(s.Order)
	s.Order = append(s.Order, -1) // info dict, written from info
	if err := s.Visit(info); err != nil {
		return err
	}

	bw := bufio.NewWriterSize(w, 1<<20)
	h := md5.New()
	cw := &CountWriter{W: io.MultiWriter(bw, h)}
	io.WriteString(cw, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int64, len(s.Order))
	for n := 1; n < len(s.Order); n++ {
		if n%256 == 0 {
			if err := c.Err(); err != nil {
				return err
			}
		}
		offsets[n] = cw.N
		var o types.Object
		if s.Order[n] == -1 {
			o = info
		} else {
			var err error
			if o, err = xt.Dereference(*types.NewIndirectRef(s.Order[n], 0)); err != nil {
				return fmt.Errorf("object %d: %w", s.Order[n], err)
			}
		}
		fmt.Fprintf(cw, "%d 0 obj\n", n)
		if err := s.WriteObject(cw, o); err != nil {
			return fmt.Errorf("object %d: %w", s.Order[n], err)
		}
		io.WriteString(cw, "\nendobj\n")
		if cw.Err != nil {
			return cw.Err
		}
	}
	xref := cw.N
	id := hex.EncodeToString(h.Sum(nil))
	fmt.Fprintf(bw, "xref\n0 %d\n0000000000 65535 f \n", len(s.Order))
	for n := 1; n < len(s.Order); n++ {
		fmt.Fprintf(bw, "%010d 00000 n \n", offsets[n])
	}
	fmt.Fprintf(bw, "trailer\n<</Size %d/Root %d 0 R/Info %d 0 R/ID[<%s><%s>]>>\nstartxref\n%d\n%%%%EOF\n",
		len(s.Order), s.Num[int(root.ObjectNumber)], infoNr, id, id, xref)
	if cw.Err != nil {
		return cw.Err
	}
	return bw.Flush()
}

// WriteFile writes to a temporary file next to dst and renames it into
// place, so dst is either complete or untouched.
func WriteFile(c context.Context, xt *model.XRefTable, root types.IndirectRef, info types.Dict, dst string) (err error) {
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
	if err = Write(c, xt, root, info, f); err != nil {
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

// CountWriter counts the bytes written to W (the offset of what comes
// next) and keeps the first error, after which it writes nothing.
type CountWriter struct {
	W   io.Writer
	N   int64
	Err error
}

// Write implements io.Writer.
func (c *CountWriter) Write(p []byte) (int, error) {
	if c.Err != nil {
		return 0, c.Err
	}
	n, err := c.W.Write(p)
	c.N += int64(n)
	c.Err = err
	return n, err
}

// Serializer writes objects of an XRefTable in PDF syntax, each reference
// under the number Num gives its object (or null if it has none).
type Serializer struct {
	XRef  *model.XRefTable
	Num   map[int]int // object number in XRef -> number written
	Order []int       // number written -> object number in XRef (0: none, -1: info)
	// Deferred objects are not numbered by Visit (a writer that numbers
	// some objects itself, as dossier's base writer does, lists them here).
	Deferred map[int]bool
	// Identity writes references with their own numbers (for objects that
	// are already numbered as they are to appear).
	Identity bool
}

// MaxDepth bounds the nesting of the objects a walk of an object graph
// follows.
const MaxDepth = 4000

// Visit numbers the objects reachable from o that are not numbered yet, in
// depth-first order (dictionary keys sorted), appending them to Order.
func (s *Serializer) Visit(o types.Object) error { return s.visit(o, 0) }

func (s *Serializer) visit(o types.Object, depth int) error {
	if depth > MaxDepth {
		return errors.New("object graph too deep")
	}
	switch o := o.(type) {
	case types.IndirectRef:
		nr := int(o.ObjectNumber)
		if _, ok := s.Num[nr]; ok || s.Deferred[nr] {
			return nil
		}
		obj, err := s.XRef.Dereference(o)
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
		s.Num[nr] = len(s.Order)
		s.Order = append(s.Order, nr)
		return s.visit(obj, depth+1)
	case types.Dict:
		for _, k := range SortedKeys(o) {
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

// SortedKeys are d's keys in order, the order objects are written and
// visited in.
func SortedKeys(d types.Dict) []string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// WriteObject writes o, a stream with its Length and its encoded data
// (encoding Content if it has no Raw data). Write errors are left to w (a
// CountWriter keeps the first).
func (s *Serializer) WriteObject(w io.Writer, o types.Object) error {
	sd, ok := o.(types.StreamDict)
	if !ok {
		var b bytes.Buffer
		if err := s.Format(&b, o); err != nil {
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
	if err := s.Format(&b, d); err != nil {
		return err
	}
	b.WriteString("\nstream\n")
	w.Write(b.Bytes())
	w.Write(sd.Raw)
	io.WriteString(w, "\nendstream")
	return nil
}

// Format appends o in PDF syntax to b. A stream cannot be formatted (it is
// an indirect object: see WriteObject).
func (s *Serializer) Format(b *bytes.Buffer, o types.Object) error {
	switch o := o.(type) {
	case nil:
		b.WriteString("null")
	case types.IndirectRef:
		if s.Identity {
			b.WriteString(strconv.Itoa(int(o.ObjectNumber)))
			b.WriteString(" 0 R")
		} else if n, ok := s.Num[int(o.ObjectNumber)]; ok {
			b.WriteString(strconv.Itoa(n))
			b.WriteString(" 0 R")
		} else {
			b.WriteString("null")
		}
	case types.Dict:
		b.WriteString("<<")
		for _, k := range SortedKeys(o) {
			b.WriteString(types.Name(k).PDFString())
			v := o[k]
			switch v.(type) {
			case types.Name, types.Dict, types.Array, types.StringLiteral, types.HexLiteral:
			default:
				b.WriteByte(' ')
			}
			if err := s.Format(b, v); err != nil {
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
			if err := s.Format(b, v); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case types.Name:
		b.WriteString(o.PDFString())
	case types.Integer:
		b.WriteString(strconv.Itoa(int(o)))
	case types.Float:
		b.WriteString(FormatFloat(float64(o)))
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
		return s.Format(b, obj)
	default:
		return fmt.Errorf("cannot serialise %T", o)
	}
	return nil
}

// FormatFloat writes a number as PDF syntax: at most five decimals, no
// trailing zeros, no negative zero.
func FormatFloat(f float64) string {
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

// TextString is a PDF text string: ASCII stays a literal, anything else
// becomes UTF-16BE with a byte order mark.
func TextString(s string) types.Object {
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
