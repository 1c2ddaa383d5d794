package dossier

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/pdffile"
	"github.com/yuejuan/yuejuan/internal/pdftext"
)

// A per-lawyer copy costs O(pages), not O(bytes): every page of a base
// dossier draws a stamp slot, a form XObject that the base leaves empty and
// writes after all other page content. A copy is the base's unchanged byte
// prefix followed by a new tail — the slots redefined under their numbers
// with the lawyer's stamp, the stamp's font and graphics states, the
// lawyer's document information, a cross-reference table covering the whole
// file and a trailer. The copy is a single revision (no incremental update,
// no /Prev), so no reader can fall back to the unstamped file. The tail is
// computed from the Sidecar alone; the base is never parsed.

// baseSlot is a stamp slot while the base is being built.
type baseSlot struct {
	ref   types.IndirectRef
	w, h  float64
	pages int
}

// writeFileAtomic writes dst through a temporary file beside it.
func writeFileAtomic(c context.Context, dst string, write func(io.Writer) error) (err error) {
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
	if err = write(f); err != nil {
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

// MakeCopy returns the tail of the copy of the base described by sc stamped
// for s: the copy is the base's first prefixLen bytes followed by tail. It
// reads nothing but sc and the embedded font (parsed once per process), so
// its cost depends on the number of pages (the cross-reference table) and
// not on the size of the base.
//
// The stamp is drawn on top of every page, semi-transparent, in the page's
// displayed orientation and visible box: three diagonal lines and a footer
// line reading Stamp.Text() (stampContent); the document information carries
// the lawyer's identity (Keywords, Subject and Yuejuan* entries). It is the
// stamp the old, whole-file StampCopy drew, which the tests keep as the
// reference. A zero Stamp gives a copy with empty slots, which is byte for
// byte the base itself.
func MakeCopy(ctx context.Context, sc *Sidecar, s Stamp) (tail []byte, prefixLen int64, err error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	if sc == nil || sc.offsets == nil {
		return nil, 0, errors.New("dossier: MakeCopy needs a sidecar from ParseSidecar, ReadSidecar or AssembleBase")
	}
	var st *Stamp
	if s != (Stamp{}) {
		if s.Name == "" || s.License == "" || s.Ref == "" {
			return nil, 0, errors.New("dossier: stamp needs name, licence number and reference")
		}
		st = &s
	}
	tail, err = copyTail(sc, st)
	if err != nil {
		return nil, 0, fmt.Errorf("dossier: copy: %w", err)
	}
	return tail, sc.PrefixLen, nil
}

// copyTail writes everything after the prefix: the slots (stamped for s,
// or empty when s is nil), new objects numbered from sc.Objects, the
// information dictionary, the cross-reference table and the trailer.
func copyTail(sc *Sidecar, s *Stamp) ([]byte, error) {
	var b bytes.Buffer
	cw := &pdffile.CountWriter{W: &b}
	ser := &pdffile.Serializer{Identity: true}
	size := sc.Objects
	tailOffs := map[int]int64{}
	put := func(n int, o types.Object) error {
		tailOffs[n] = sc.PrefixLen + cw.N
		fmt.Fprintf(cw, "%d 0 obj\n", n)
		if err := ser.WriteObject(cw, o); err != nil {
			return fmt.Errorf("object %d: %w", n, err)
		}
		io.WriteString(cw, "\nendobj\n")
		return cw.Err
	}
	info := map[string]string{}
	for k, v := range sc.InfoDict {
		info[k] = v
	}
	id2 := sc.ID
	if s == nil {
		for _, sl := range sc.Slots {
			if err := put(sl.Obj, emptyForm(sl.W, sl.H)); err != nil {
				return nil, err
			}
		}
	} else {
		kit, err := pdftext.NewSubset()
		if err != nil {
			return nil, err
		}
		text := s.Text()
		// New objects: the resources, two graphics states, the font (5).
		res, gsDiag, gsFoot, font := size, size+1, size+2, size+3
		ref := func(n int) types.IndirectRef { return *types.NewIndirectRef(n, 0) }
		for _, sl := range sc.Slots {
			form, err := pdffile.FlateStream([]byte(stampContent(kit, text, sl.W, sl.H)), types.Dict{
				"Type":      types.Name("XObject"),
				"Subtype":   types.Name("Form"),
				"BBox":      types.Array{types.Integer(0), types.Integer(0), types.Float(sl.W), types.Float(sl.H)},
				"Resources": ref(res),
			})
			if err != nil {
				return nil, err
			}
			if err := put(sl.Obj, form); err != nil {
				return nil, err
			}
		}
		fontObjs, err := kit.FontObjects(font)
		if err != nil {
			return nil, err
		}
		objs := []types.Object{
			types.Dict{"Font": types.Dict{fontKey: ref(font)}, "ExtGState": types.Dict{"G0": ref(gsDiag), "G1": ref(gsFoot)}},
			types.Dict{"Type": types.Name("ExtGState"), "ca": types.Float(0.22), "CA": types.Float(0.22)},
			types.Dict{"Type": types.Name("ExtGState"), "ca": types.Float(0.75), "CA": types.Float(0.75)},
		}
		objs = append(objs, fontObjs...)
		for i, o := range objs {
			if err := put(size+i, o); err != nil {
				return nil, err
			}
		}
		size += len(objs)
		stampInfo(info, *s)
	}
	d := types.Dict{}
	for k, v := range info {
		d[k] = pdffile.TextString(v)
	}
	if err := put(sc.Info, d); err != nil {
		return nil, err
	}
	if s != nil {
		h := sha256.New()
		h.Write([]byte(sc.ID))
		h.Write(b.Bytes())
		id2 = hex.EncodeToString(h.Sum(nil)[:16])
	}

	xref := sc.PrefixLen + cw.N
	bw := bufio.NewWriterSize(cw, 64<<10)
	fmt.Fprintf(bw, "xref\n0 %d\n0000000000 65535 f \n", size)
	line := []byte("0000000000 00000 n \n")
	entry := func(off int64) {
		d := strconv.AppendInt(nil, off, 10)
		for i := range 10 {
			line[i] = '0'
		}
		copy(line[10-len(d):], d)
		bw.Write(line)
	}
	for _, off := range sc.offsets {
		entry(off)
	}
	for n := len(sc.offsets) + 1; n < size; n++ {
		off, ok := tailOffs[n]
		if !ok {
			return nil, fmt.Errorf("object %d not written", n)
		}
		entry(off)
	}
	fmt.Fprintf(bw, "trailer\n<</Size %d/Root %d 0 R/Info %d 0 R/ID[<%s><%s>]>>\nstartxref\n%d\n%%%%EOF\n",
		size, sc.Root, sc.Info, sc.ID, id2, xref)
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	return b.Bytes(), cw.Err
}

// emptyForm is an empty stamp slot of w × h points.
func emptyForm(w, h float64) types.StreamDict {
	return types.StreamDict{Dict: types.Dict{
		"Type":    types.Name("XObject"),
		"Subtype": types.Name("Form"),
		"BBox":    types.Array{types.Integer(0), types.Integer(0), types.Float(w), types.Float(h)},
	}, Raw: []byte{}}
}

// stampInfo adds the lawyer's identity to a copy's document information,
// as the reference StampCopy does.
func stampInfo(info map[string]string, s Stamp) {
	text := s.Text()
	if old := info["Subject"]; old != "" {
		info["Subject"] = old + " · " + text
	} else {
		info["Subject"] = text
	}
	day := s.Date.Format("2006-01-02")
	info["Keywords"] = fmt.Sprintf("%s; 律师 %s; 执业证号 %s; 申请号 %s; %s", info["Keywords"], s.Name, s.License, s.Ref, day)
	info["YuejuanLawyer"] = s.Name
	info["YuejuanLicense"] = s.License
	info["YuejuanRef"] = s.Ref
	info["YuejuanStampDate"] = day
	info["ModDate"] = types.DateString(s.Date)
}

// ErrBaseMismatch means a base dossier and a sidecar do not belong
// together.
var ErrBaseMismatch = errors.New("dossier: the base does not match its sidecar (rebuilt or replaced?)")

// CheckBase makes sure the base r (size bytes) is the one sc describes,
// reading only its last bytes and the bytes where the prefix ends: a
// sidecar left over from another build is refused with ErrBaseMismatch.
func CheckBase(r io.ReaderAt, size int64, sc *Sidecar) error {
	if size != sc.BaseSize {
		return fmt.Errorf("%w: the base is %d bytes, the sidecar says %d", ErrBaseMismatch, size, sc.BaseSize)
	}
	head := []byte(fmt.Sprintf("%d 0 obj\n", sc.Slots[0].Obj))
	got := make([]byte, len(head))
	if _, err := r.ReadAt(got, sc.PrefixLen); err != nil {
		return fmt.Errorf("dossier: reading the base: %w", err)
	}
	n := min(size, 512)
	end := make([]byte, n)
	if _, err := r.ReadAt(end, size-n); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("dossier: reading the base: %w", err)
	}
	if !bytes.Equal(got, head) || !bytes.Contains(end, []byte("/ID[<"+sc.ID+"><"+sc.ID+">]")) {
		return ErrBaseMismatch
	}
	return nil
}

// CopyStats says what making a copy moved.
type CopyStats struct {
	PrefixLen int64 // bytes copied from the base, file to file (not through this process)
	TailLen   int   // bytes written by this process
}

// CopyFile writes dst, the copy of the base dossier at base stamped for s
// (a zero Stamp: empty slots), from the sidecar at SidecarPath(base): the
// base's prefix is copied file to file (copy_file_range on Linux, a reflink
// on filesystems that share extents), never parsed; the tail is appended.
// dst appears complete or not at all.
func CopyFile(ctx context.Context, base, dst string, s Stamp) (CopyStats, error) {
	sc, err := ReadSidecar(SidecarPath(base))
	if err != nil {
		return CopyStats{}, err
	}
	f, err := os.Open(base)
	if err != nil {
		return CopyStats{}, fmt.Errorf("dossier: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return CopyStats{}, fmt.Errorf("dossier: %w", err)
	}
	if err := CheckBase(f, st.Size(), sc); err != nil {
		return CopyStats{}, err
	}
	tail, prefixLen, err := MakeCopy(ctx, sc, s)
	if err != nil {
		return CopyStats{}, err
	}
	err = writeFileAtomic(ctx, dst, func(w io.Writer) error {
		// *os.File to *os.File through io.LimitedReader: copy_file_range.
		n, err := io.CopyN(w, f, prefixLen)
		if errors.Is(err, io.EOF) || (err == nil && n != prefixLen) {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return fmt.Errorf("copying the prefix: %w", err)
		}
		_, err = w.Write(tail)
		return err
	})
	if err != nil {
		return CopyStats{}, fmt.Errorf("dossier: %w", err)
	}
	return CopyStats{PrefixLen: prefixLen, TailLen: len(tail)}, nil
}
