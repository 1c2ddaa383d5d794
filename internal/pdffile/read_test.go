package pdffile

import (
	"bytes"
	"testing"
)

// The file window answers every read as the file does.
func TestFileWindow(t *testing.T) {
	for _, size := range []int{0, 100, windowSize, windowSize + 1, 2*windowSize + 1, 5 * windowSize} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 7)
		}
		r := bytes.NewReader(data)
		w, err := NewWindow(r, int64(size))
		if err != nil {
			t.Fatal(err)
		}
		for _, off := range []int{0, 1, windowSize - 10, windowSize, size / 2, size - windowSize - 5, size - 40, size - 1, size} {
			for _, n := range []int{1, 32, 100, windowSize} {
				if off < 0 {
					continue
				}
				got, want := make([]byte, n), make([]byte, n)
				gn, gerr := w.ReadAt(got, int64(off))
				wn, werr := r.ReadAt(want, int64(off))
				if gn != wn || !bytes.Equal(got[:gn], want[:wn]) || (gerr == nil) != (werr == nil) {
					t.Errorf("size %d: ReadAt(%d bytes, %d) = %d, %v; the file gives %d, %v", size, n, off, gn, gerr, wn, werr)
				}
			}
		}
	}
}
