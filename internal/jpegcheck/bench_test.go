package jpegcheck

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

// A 150 dpi gray A4 scan (1240 × 1754) and a colour one at 4:2:0: the full
// decode against Check.
func BenchmarkCheck(b *testing.B) {
	for _, c := range []struct {
		name string
		m    image.Image
	}{{"gray-150dpi", page(1240, 1754, false, 1)}, {"colour-150dpi", page(1240, 1754, true, 2)}} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, c.m, &jpeg.Options{Quality: 70}); err != nil {
			b.Fatal(err)
		}
		data := buf.Bytes()
		b.Run(c.name+"/decode", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/check", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := Check(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
