// Package scan checks one uploaded material — a clerk's scan as PDF, JPEG,
// PNG or TIFF — and normalises it into the PDF layout the dossier
// assembles (Ingest), refusing with a *Rejection, worded for the clerk, a
// file the clerk has to fix. What readers tolerate in a PDF is repaired
// (repair.go); images become A4 pages. The output is written by pdffile,
// so dossier's light reader takes it.
package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/image/tiff"

	"github.com/yuejuan/yuejuan/internal/cjkfont"
	"github.com/yuejuan/yuejuan/internal/guard"
	"github.com/yuejuan/yuejuan/internal/jpegcheck"
	"github.com/yuejuan/yuejuan/internal/pdffile"
	"github.com/yuejuan/yuejuan/internal/pdfpage"
	"github.com/yuejuan/yuejuan/internal/raster"
)

// Ingest validates the uploaded file at src and writes it to dst as a
// normalised PDF: PDF pages are kept as they are (with their /Rotate and
// boxes); images become A4 pages (landscape A4 for landscape images) showing
// the image at its real size when it has a resolution and fits, otherwise
// scaled to fit; every page of a multi-page TIFF becomes a page (JPEG
// compression included, see raster.TIFFFile.Decode). A PDF encrypted with only an owner
// password (no password needed to open it) is decrypted and written
// unencrypted, Info.Decrypted set; one that needs a password is refused.
//
// A file the clerk has to fix gives a *Rejection (see the Code constants).
// Panics in pdfcpu or the image decoders become rejections too. When ctx is
// done Ingest returns ctx.Err() at once; dst is then left untouched.
func Ingest(ctx context.Context, src string, dst string, lim Limits) (Info, error) {
	if err := cjkfont.Ensure(); err != nil {
		return Info{}, err
	}
	lim = lim.orDefaults()
	name := filepath.Base(src)
	f, err := os.Open(src)
	if err != nil {
		return Info{}, fmt.Errorf("scan: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Info{}, fmt.Errorf("scan: %w", err)
	}
	if st.Size() > lim.MaxBytes {
		return Info{}, reject(name, CodeTooLarge, "文件过大（%s，上限 %s），请拆分后分别上传 (the file is too large: %s, the limit is %s; split it and upload the parts)",
			sizeString(st.Size()), sizeString(lim.MaxBytes), sizeString(st.Size()), sizeString(lim.MaxBytes))
	}
	if st.Size() == 0 {
		return Info{}, reject(name, CodeUnknownFormat, "文件是空的，请重新上传扫描件 (the file is empty; upload the scan again)")
	}
	head := make([]byte, 2048)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return Info{}, fmt.Errorf("scan: %w", err)
	}
	kind := raster.Sniff(head[:n])
	switch {
	case kind == "":
		return Info{}, reject(name, CodeUnknownFormat, "文件不是 PDF、JPEG、PNG 或 TIFF 格式，请上传这些格式的扫描件 (the file is not a PDF, JPEG, PNG or TIFF file; upload the scan in one of these formats)")
	case kind.Unsupported() != "":
		f := kind.Unsupported()
		return Info{}, reject(name, CodeUnsupportedImage, "不支持 %s 格式的图片，请转换为 JPEG、PNG 或 TIFF 后上传 (%s images are not supported; convert the image to JPEG, PNG or TIFF)", f, f)
	}
	info, err := guard.Run(ctx, func(c context.Context) (Info, error) {
		if kind == raster.PDF {
			return ingestPDF(c, f, name, dst, lim)
		}
		return ingestImage(c, f, st.Size(), kind, name, dst, lim)
	})
	if err != nil {
		var pe *guard.PanicError
		if errors.As(err, &pe) {
			if kind == raster.PDF {
				return Info{}, CorruptPDF(name)
			}
			return Info{}, corruptImage(name)
		}
		return Info{}, err
	}
	return info, nil
}

func (l Limits) orDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxPages <= 0 {
		l.MaxPages = d.MaxPages
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	return l
}

func sizeString(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
}

// CorruptPDF refuses a damaged or incomplete PDF.
func CorruptPDF(name string) *Rejection {
	return reject(name, CodeCorruptPDF, "PDF 文件已损坏或不完整，无法读取，请重新扫描或重新上传 (the PDF is damaged or incomplete and cannot be read; rescan it or upload it again)")
}

func corruptImage(name string) *Rejection {
	return reject(name, CodeCorruptImage, "图片文件已损坏或不完整，无法读取，请重新扫描或重新上传 (the image is damaged or incomplete and cannot be read; rescan it or upload it again)")
}

// passwordPDF refuses a PDF that needs a password to open (a user
// password). PDFs encrypted with an empty user password (an owner password
// that only restricts printing or copying) open without one and are accepted.
func passwordPDF(name string) *Rejection {
	return reject(name, CodeEncrypted, "文件设有打开密码，无法读取，请向发送方索取未加密的文件，或索取密码解除加密后重新上传 (the file is protected by an opening password; ask the sender for an unprotected copy, or for the password to remove the protection, and upload it again)")
}

// encryptedPDF refuses a PDF encrypted in a way pdfcpu cannot open (a
// certificate, an unknown security handler or a damaged encryption
// dictionary).
func encryptedPDF(name string) *Rejection {
	return reject(name, CodeEncrypted, "文件使用了无法读取的加密方式（如证书加密），请向发送方索取未加密的文件 (the PDF is encrypted in a way that cannot be read, e.g. with a certificate; ask the sender for an unprotected copy)")
}

func noPages(name string) *Rejection {
	return reject(name, CodeNoPages, "文件中没有任何页面，请检查扫描件后重新上传 (the file has no pages; check the scan and upload it again)")
}

func tooManyPages(name string, max int) *Rejection {
	return reject(name, CodeTooManyPages, "页数过多（超过 %d 页的上限），请拆分后分别上传 (too many pages: the limit is %d; split the file and upload the parts)", max, max)
}

func tooManyPixels(name string, w, h int, max int64) *Rejection {
	return reject(name, CodeTooManyPixels, "图片尺寸过大（%d×%d 像素，上限 %d 万像素），请用较低的分辨率重新扫描 (the image is too large: %d×%d pixels, the limit is %.0f megapixels; rescan at a lower resolution)",
		w, h, max/10000, w, h, float64(max)/1e6)
}

// ReadPDF reads and checks a PDF as Ingest does, in memory, and lists its
// pages. Problems with the file come back as a *Rejection. What readers
// tolerate is repaired (see readRepairedPDF).
func ReadPDF(c context.Context, rs io.ReadSeeker, name string, lim Limits) (*model.Context, []*pdfpage.Page, error) {
	pc, pgs, _, err := readRepairedPDF(c, rs, name, lim)
	return pc, pgs, err
}

// checkedPages lists the pages of a validated PDF, checking their number
// and that every page's content is there and decodes.
func checkedPages(c context.Context, pc *model.Context, name string, lim Limits) ([]*pdfpage.Page, error) {
	pgs, err := pdfpage.Pages(pc.XRefTable)
	if err != nil {
		return nil, CorruptPDF(name)
	}
	if len(pgs) == 0 {
		return nil, noPages(name)
	}
	if len(pgs) > lim.MaxPages {
		return nil, tooManyPages(name, lim.MaxPages)
	}
	// A truncated file can still parse (pdfcpu repairs the xref table), so
	// make sure every page's content is there and decodes.
	for i, p := range pgs {
		if i%64 == 0 && c.Err() != nil {
			return nil, c.Err()
		}
		if err := checkContents(pc.XRefTable, p); err != nil {
			if errors.Is(err, filter.ErrDecodeLimitExceeded) {
				return nil, reject(name, CodeTooLarge, "第 %d 页的内容解压后超过 %d MB，文件异常，请重新扫描 (page %d's content decompresses to more than %d MB: the file is abnormal; rescan it)",
					i+1, maxContentBytes>>20, i+1, maxContentBytes>>20)
			}
			return nil, CorruptPDF(name)
		}
	}
	pc.PageCount = len(pgs)
	return pgs, nil
}

// dropCryptFilters removes the Crypt filter from every stream of a PDF read
// decrypted. In an encrypted file it marks streams left in clear (the
// Identity crypt filter, e.g. for metadata); once the file is written
// unencrypted it means nothing, and readers may refuse the stream. It
// reports false for a stream under a named crypt filter other than
// Identity, which pdfcpu leaves encrypted.
func dropCryptFilters(xt *model.XRefTable) bool {
	for _, e := range xt.Table {
		if e == nil || e.Free {
			continue
		}
		sd, ok := e.Object.(types.StreamDict)
		if !ok {
			continue
		}
		var kept []types.PDFFilter
		for _, f := range sd.FilterPipeline {
			if f.Name != "Crypt" {
				kept = append(kept, f)
				continue
			}
			if n, ok := f.DecodeParms["Name"].(types.Name); ok && n != "Identity" {
				return false
			}
		}
		if len(kept) == len(sd.FilterPipeline) {
			continue
		}
		sd.FilterPipeline = kept
		switch f := sd.Dict["Filter"].(type) {
		case types.Name:
			delete(sd.Dict, "Filter")
			delete(sd.Dict, "DecodeParms")
		case types.Array:
			parms, _ := sd.Dict["DecodeParms"].(types.Array)
			var nf, np types.Array
			for i, n := range f {
				if n, ok := n.(types.Name); ok && n == "Crypt" {
					continue
				}
				nf = append(nf, n)
				if i < len(parms) {
					np = append(np, parms[i])
				}
			}
			delete(sd.Dict, "Filter")
			delete(sd.Dict, "DecodeParms")
			if len(nf) > 0 {
				sd.Dict["Filter"] = nf
			}
			if len(np) > 0 {
				sd.Dict["DecodeParms"] = np
			}
		}
		e.Object = sd
	}
	return true
}

// maxContentBytes caps one page content stream once decompressed. Scanned
// pages have content streams of a few hundred bytes; pdfcpu's own cap is
// 512 MB, which a 1 MB "zip bomb" reaches, using gigabytes of memory.
const maxContentBytes = 64 << 20

func checkContents(xt *model.XRefTable, p *pdfpage.Page) error {
	c, ok := p.Dict.Find("Contents")
	if !ok || c == nil {
		return nil // a blank page
	}
	var refs types.Array
	switch v := c.(type) {
	case types.IndirectRef:
		o, err := xt.Dereference(v)
		if err != nil {
			return err
		}
		switch o := o.(type) {
		case types.Array:
			refs = o
		case types.StreamDict:
			refs = types.Array{v}
		default:
			return errors.New("missing content stream")
		}
	case types.Array:
		refs = v
	default:
		return errors.New("bad contents")
	}
	for _, r := range refs {
		sd, _, err := xt.DereferenceStreamDict(r)
		if err != nil {
			return err
		}
		if sd == nil {
			return errors.New("missing content stream")
		}
		cp := *sd
		if err := cp.DecodeWithLimit(maxContentBytes); err != nil {
			return err
		}
	}
	return nil
}

// trailerHasEncrypt looks for an /Encrypt entry near the end of the file,
// for PDFs pdfcpu cannot open at all.
func trailerHasEncrypt(rs io.ReadSeeker) bool {
	end, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return false
	}
	off := end - 8192
	if off < 0 {
		off = 0
	}
	if _, err := rs.Seek(off, io.SeekStart); err != nil {
		return false
	}
	b, _ := io.ReadAll(io.LimitReader(rs, 8192))
	return bytes.Contains(b, []byte("/Encrypt"))
}

func ingestPDF(c context.Context, f *os.File, name, dst string, lim Limits) (Info, error) {
	pc, pgs, rep, err := readRepairedPDF(c, f, name, lim)
	if err != nil {
		return Info{}, err
	}
	root, err := pc.Catalog()
	if err != nil {
		return Info{}, CorruptPDF(name)
	}
	// Scans have no business running code when a lawyer opens the dossier.
	delete(root, "OpenAction")
	delete(root, "AA")
	info := types.Dict{"Producer": pdffile.TextString("yuejuan")}
	if err := pdffile.WriteFile(c, pc.XRefTable, *pc.Root, info, dst); err != nil {
		return Info{}, err
	}
	// An encrypted PDF got this far only if it opens with the empty user
	// password (pdfcpu's default): its objects are decrypted in memory and
	// pdffile.Write writes no /Encrypt, so the restrictions are gone.
	return Info{Pages: len(pgs), Kind: raster.PDF, Decrypted: pc.Encrypt != nil, Repaired: rep}, nil
}

func ingestImage(c context.Context, f *os.File, size int64, kind raster.Kind, name, dst string, lim Limits) (Info, error) {
	conf := cjkfont.Configuration()
	pc, err := pdfcpu.CreateContextWithXRefTable(conf, types.PaperSize["A4"])
	if err != nil {
		return Info{}, err
	}
	xt := pc.XRefTable
	var n int
	var rep repairLog
	switch kind {
	case raster.JPEG, raster.PNG:
		data, err := io.ReadAll(io.NewSectionReader(f, 0, size))
		if err != nil {
			return Info{}, err
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || format != string(kind) {
			return Info{}, corruptImage(name)
		}
		if int64(cfg.Width)*int64(cfg.Height) > lim.MaxPixels {
			return Info{}, tooManyPixels(name, cfg.Width, cfg.Height, lim.MaxPixels)
		}
		fr := raster.Frame{W: cfg.Width, H: cfg.Height, Orient: 1}
		var img types.Object
		if kind == raster.JPEG {
			var s *raster.JPEGStream
			s, fr, err = raster.ReadJPEG(data)
			if err != nil {
				return Info{}, corruptImage(name)
			}
			// The scan is embedded as it is (DCTDecode) and decoded only to
			// refuse a damaged one: jpegcheck fails exactly where the decode
			// does, with its error, without making the pixels (about half
			// of the decode's time; docs/benchmarks.md).
			if err := jpegcheck.Check(bytes.NewReader(data)); err != nil {
				return Info{}, imageDecodeRejection(name, err)
			}
			img, err = jpegXObject(xt, s)
			if err != nil {
				return Info{}, err
			}
		} else {
			fr.DPIX, fr.DPIY = raster.PNGDensity(data)
			m, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				return Info{}, imageDecodeRejection(name, err)
			}
			if img, err = rawXObject(xt, m); err != nil {
				return Info{}, err
			}
		}
		if err := addImagePage(pc, img, fr); err != nil {
			return Info{}, err
		}
		n = 1
	case raster.TIFF:
		tf, err := raster.ReadTIFF(f, size, lim.MaxPages)
		if errors.Is(err, raster.ErrTooManyPages) {
			return Info{}, tooManyPages(name, lim.MaxPages)
		}
		if err != nil {
			return Info{}, corruptImage(name)
		}
		frames := tf.Frames()
		if len(frames) == 0 {
			return Info{}, noPages(name)
		}
		// Check every page's size before decoding any of them.
		for _, p := range frames {
			if int64(p.W)*int64(p.H) > lim.MaxPixels {
				return Info{}, tooManyPixels(name, p.W, p.H, lim.MaxPixels)
			}
		}
		for i, p := range frames {
			if err := c.Err(); err != nil {
				return Info{}, err
			}
			m, err := tf.Decode(c, i)
			if err != nil {
				if c.Err() != nil {
					return Info{}, c.Err()
				}
				if errors.Is(err, raster.ErrOldJPEG) {
					return Info{}, reject(name, CodeUnsupportedImage, "TIFF 图片使用了旧式 JPEG 压缩（压缩方式 6），无法读取，请在扫描软件中改存为 PDF、JPEG 或新式 JPEG/无压缩 TIFF 后上传 (the TIFF uses old-style JPEG compression (compression 6), which cannot be read; save the scan as PDF, JPEG, or a TIFF with new-style JPEG or no compression, and upload it)")
				}
				return Info{}, imageDecodeRejection(name, err)
			}
			for _, n := range m.Converted {
				rep.add("%s", n)
			}
			var img types.Object
			if m.JPEG != nil {
				img, err = jpegXObject(xt, m.JPEG)
			} else {
				img, err = rawXObject(xt, m.Pixels)
			}
			if err != nil {
				return Info{}, err
			}
			if err := addImagePage(pc, img, p); err != nil {
				return Info{}, err
			}
		}
		n = len(frames)
	}
	info := types.Dict{"Producer": pdffile.TextString("yuejuan")}
	if err := pdffile.WriteFile(c, xt, *pc.Root, info, dst); err != nil {
		return Info{}, err
	}
	return Info{Pages: n, Kind: kind, Repaired: rep}, nil
}

func imageDecodeRejection(name string, err error) error {
	var ue tiff.UnsupportedError
	if errors.As(err, &ue) || strings.Contains(err.Error(), "unsupported") {
		return reject(name, CodeUnsupportedImage, "图片使用了不支持的编码（%s），请转换为 JPEG、PNG 或普通 TIFF 后上传 (the image uses an unsupported encoding: %s; convert it to JPEG, PNG or a plain TIFF)", err, err)
	}
	return corruptImage(name)
}

// jpegXObject embeds a JPEG stream as it is, as a DCTDecode image.
func jpegXObject(xt *model.XRefTable, s *raster.JPEGStream) (types.Object, error) {
	cs, comps := "DeviceRGB", 3
	switch s.Model {
	case color.GrayModel:
		cs, comps = "DeviceGray", 1
	case color.CMYKModel:
		cs, comps = "DeviceCMYK", 4
	}
	d := types.Dict{
		"Type":             types.Name("XObject"),
		"Subtype":          types.Name("Image"),
		"Width":            types.Integer(s.Width),
		"Height":           types.Integer(s.Height),
		"BitsPerComponent": types.Integer(8),
		"ColorSpace":       types.Name(cs),
		"Filter":           types.Name("DCTDecode"),
	}
	if s.Invert {
		dec := make([]int, 0, 2*comps)
		for range comps {
			dec = append(dec, 1, 0)
		}
		d["Decode"] = types.NewIntegerArray(dec...)
	}
	if s.RGB {
		d["DecodeParms"] = types.Dict{"ColorTransform": types.Integer(0)}
	}
	sd := types.StreamDict{Dict: d, Raw: s.Data, FilterPipeline: []types.PDFFilter{{Name: "DCTDecode", DecodeParms: d.DictEntry("DecodeParms")}}}
	ref, err := xt.IndRefForNewObject(sd)
	if err != nil {
		return nil, err
	}
	return *ref, nil
}

// rawXObject stores img's samples, flattened onto white, as an image.
func rawXObject(xt *model.XRefTable, img image.Image) (types.Object, error) {
	px := raster.Flatten(img)
	cs := "DeviceRGB"
	if px.Gray {
		cs = "DeviceGray"
	}
	b := img.Bounds()
	d := types.Dict{
		"Type":             types.Name("XObject"),
		"Subtype":          types.Name("Image"),
		"Width":            types.Integer(b.Dx()),
		"Height":           types.Integer(b.Dy()),
		"BitsPerComponent": types.Integer(px.Bits),
		"ColorSpace":       types.Name(cs),
	}
	ref, err := pdffile.NewStream(xt, px.Data, d)
	if err != nil {
		return nil, err
	}
	return ref, nil
}

// imagePlacement computes the page size (A4, landscape for landscape
// images) and the image matrix for a frame.
func imagePlacement(fr raster.Frame) (pw, ph float64, m [6]float64) {
	swap := fr.Orient >= 5 && fr.Orient <= 8
	// Displayed size in pixels and the resolution along each displayed axis.
	dw, dh := float64(fr.W), float64(fr.H)
	rx, ry := fr.DPIX, fr.DPIY
	if swap {
		dw, dh = dh, dw
		rx, ry = ry, rx
	}
	pw, ph = pdfpage.A4.W(), pdfpage.A4.H()
	if dw > dh {
		pw, ph = ph, pw
	}
	var W, H float64 // displayed size in points
	if rx >= 50 && ry >= 50 && rx <= 4800 && ry <= 4800 {
		W, H = dw/rx*72, dh/ry*72
		// Real size, scaled down only if it does not fit.
		if W > pw || H > ph {
			s := math.Min(pw/W, ph/H)
			W, H = W*s, H*s
		}
	} else {
		s := math.Min(pw/dw, ph/dh)
		W, H = dw*s, dh*s
	}
	x, y := (pw-W)/2, (ph-H)/2
	switch fr.Orient {
	case 2:
		m = [6]float64{-W, 0, 0, H, x + W, y}
	case 3:
		m = [6]float64{-W, 0, 0, -H, x + W, y + H}
	case 4:
		m = [6]float64{W, 0, 0, -H, x, y + H}
	case 5:
		m = [6]float64{0, -H, -W, 0, x + W, y + H}
	case 6:
		m = [6]float64{0, -H, W, 0, x, y + H}
	case 7:
		m = [6]float64{0, H, W, 0, x, y}
	case 8:
		m = [6]float64{0, H, -W, 0, x + W, y}
	default:
		m = [6]float64{W, 0, 0, H, x, y}
	}
	return pw, ph, m
}

func addImagePage(pc *model.Context, img types.Object, fr raster.Frame) error {
	xt := pc.XRefTable
	pw, ph, m := imagePlacement(fr)
	content := fmt.Sprintf("q %s cm /Im0 Do Q\n", pdfpage.MatrixString(m))
	cref, err := pdffile.NewStream(xt, []byte(content), nil)
	if err != nil {
		return err
	}
	_, err = pdfpage.Append(pc, types.Dict{
		"Type":      types.Name("Page"),
		"MediaBox":  types.Array{types.Integer(0), types.Integer(0), types.Float(pw), types.Float(ph)},
		"Resources": types.Dict{"XObject": types.Dict{"Im0": img}},
		"Contents":  cref,
	})
	return err
}
