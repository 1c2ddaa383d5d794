package scan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/yuejuan/yuejuan/internal/testpdf"
)

// repairFixture is a PDF that qpdf --check reads without a warning (and so
// do the other readers) but that pdfcpu, as it is, refuses or would refuse
// (issue 13, letter K), generated here byte by byte.
type repairFixture struct {
	class   string   // the class
	name    string   // the case
	data    []byte   // the file
	markers []string // the text of each page, in order
	repairs []string // substrings of Info.Repaired, in any order; nil: none
}

// Page markers of the fixtures.
var fixtureMarkers = []string{"FIRSTPAGE", "SECONDPAGE", "THIRDPAGE"}

func fixturePages(catalog string) []string {
	return testpdf.Pages(catalog, fixtureMarkers...)
}

func fixtureDoc(catalog string) testpdf.Doc {
	return testpdf.Doc{Objects: fixturePages(catalog), Trailer: "/Root 1 0 R"}
}

// withPage replaces page i's (0-based) dictionary entries: extra is put
// after /Type /Page.
func withPage(objs []string, i int, extra string) []string {
	out := append([]string{}, objs...)
	out[3+2*i] = strings.Replace(out[3+2*i], "/Type /Page ", "/Type /Page "+extra+" ", 1)
	return out
}

func repairFixtures() []repairFixture {
	var fs []repairFixture
	add := func(class, name string, d testpdf.Doc, markers []string, repairs ...string) {
		if markers == nil {
			markers = fixtureMarkers
		}
		fs = append(fs, repairFixture{class: class, name: name, data: d.Bytes(), markers: markers, repairs: repairs})
	}
	three := fixturePages

	// Bytes before %PDF. Offsets count from the header, as qpdf and the
	// other readers take them then.
	for _, p := range []struct{ name, prefix string }{
		{"mail headers", "Content-Type: application/pdf\r\nContent-Transfer-Encoding: binary\r\n\r\n"},
		{"PostScript job header", "%!PS-Adobe-3.0\n%%Title: scan\n"},
		{"PJL job header", "\x1b%-12345X@PJL JOB NAME=\"scan\"\r\n@PJL ENTER LANGUAGE=PDF\r\n"},
		{"MacBinary header", "\x00\x0ascan.pdf" + strings.Repeat("\x00", 118)},
	} {
		add("prefix", p.name, testpdf.Doc{Prefix: p.prefix, OffsetsFromHeader: true, Objects: three(""), Trailer: "/Root 1 0 R"},
			nil, fmt.Sprintf("%d bytes before the %%PDF header removed", len(p.prefix)))
	}
	add("prefix", "PostScript header, xref stream", testpdf.Doc{Prefix: "%!PS-Adobe-3.0\n", OffsetsFromHeader: true, Header: "%PDF-1.5", XRefStream: true,
		Objects: three(""), Trailer: "/Root 1 0 R"}, nil, "15 bytes before the %PDF header removed")

	// Incremental updates.
	newer := three("")
	add("incremental update", "adds transparency to a PDF-1.2 file", testpdf.Doc{Header: "%PDF-1.2", Objects: newer, Trailer: "/Root 1 0 R",
		Updates: []testpdf.Update{{Objects: map[int]string{
			4: withPage(newer, 0, "/Group << /S /Transparency /CS /DeviceRGB >>")[3],
		}, Trailer: "/Root 1 0 R"}}}, nil, "declared PDF version 1.2 raised to 1.7")
	add("incremental update", "adds an annotation to a PDF-1.0 file", testpdf.Doc{Header: "%PDF-1.0", Objects: append(three(""), ""), Trailer: "/Root 1 0 R",
		Updates: []testpdf.Update{{Objects: map[int]string{
			6:  withPage(three(""), 1, "/Annots [10 0 R]")[5],
			10: "<< /Type /Annot /Subtype /Square /Rect [100 100 200 200] /C [1 0 0] >>",
		}, Trailer: "/Root 1 0 R"}}}, nil, "declared PDF version 1.0 raised to 1.7")
	add("incremental update", "replaces a page's content, xref stream, behind bytes before the header", testpdf.Doc{
		Prefix: "%!PS-Adobe-3.0\n", OffsetsFromHeader: true, Header: "%PDF-1.5", Objects: three(""), Trailer: "/Root 1 0 R",
		Updates: []testpdf.Update{
			{Objects: map[int]string{5: testpdf.Stream("", testpdf.TextPage("FIRSTREVISED"))}, Trailer: "/Root 1 0 R", XRefStream: true},
			{Objects: map[int]string{1: "<< /Type /Catalog /Pages 2 0 R /Lang /zh-CN >>"}, Trailer: "/Root 1 0 R"},
		}}, []string{"FIRSTREVISED", "SECONDPAGE", "THIRDPAGE"},
		"15 bytes before the %PDF header removed", "invalid catalog entry /Lang dropped")

	fs = append(fs, repairFixture{class: "incremental update", name: "hybrid: an /XRefStm stream puts the revised page in an object stream (taken as it is)",
		data: hybridFixture(), markers: []string{"FIRSTHYBRID", "SECONDPAGE", "THIRDPAGE"}})

	// /Filter and /DecodeParms as indirect objects.
	filters := three("")
	filters[4] = testpdf.Stream("/Filter [10 0 R]", testpdf.Flate(testpdf.TextPage("FIRSTPAGE")))
	filters[6] = testpdf.Stream("/Filter 11 0 R", testpdf.Flate(testpdf.TextPage("SECONDPAGE")))
	filters[8] = testpdf.Stream("/Filter /FlateDecode /DecodeParms 12 0 R", testpdf.Flate(testpdf.TextPage("THIRDPAGE")))
	filters = append(filters, "/FlateDecode", "[/FlateDecode]", "<< /Predictor 1 >>")
	add("indirect filter", "in a /Filter array, as /Filter, as /DecodeParms", testpdf.Doc{Objects: filters, Trailer: "/Root 1 0 R"}, nil,
		"/Filter array naming its filters through indirect objects rewritten", "indirect /Filter or /DecodeParms made direct")
	hex := three("")
	hexData := fmt.Sprintf("%X>", testpdf.TextPage("FIRSTPAGE"))
	hex[4] = testpdf.Stream("/Filter [11 0 R 10 0 R]", testpdf.Flate(hexData))
	hex = append(hex, "/ASCIIHexDecode", "/FlateDecode")
	add("indirect filter", "two filters in an array, written abbreviated to fit", testpdf.Doc{Objects: hex, Trailer: "/Root 1 0 R"}, nil,
		"/Filter array naming its filters through indirect objects rewritten")

	// Outlines: items as direct dictionaries.
	add("outline", "outline root a direct dictionary", withObjects(fixtureDoc("/Outlines << /Type /Outlines /First 10 0 R /Last 10 0 R /Count 1 >>"),
		"<< /Title (Chapter) /Dest [4 0 R /Fit] >>"), nil, "invalid outline (bookmarks) dropped")
	add("outline", "every item direct", fixtureDoc("/PageMode /UseOutlines /Outlines << /Type /Outlines /First << /Title (A) /Dest [4 0 R /Fit] >> /Last << /Title (A) /Dest [4 0 R /Fit] >> /Count 1 >>"),
		nil, "invalid outline (bookmarks) dropped")
	add("outline", "children direct under indirect items (taken as they are)", withObjects(fixtureDoc("/Outlines 10 0 R"),
		"<< /Type /Outlines /First 11 0 R /Last 11 0 R /Count 2 >>",
		"<< /Title (A) /Parent 10 0 R /Dest [4 0 R /Fit] /First << /Title (B) /Dest [6 0 R /Fit] >> /Count 1 >>"), nil)

	// Versions and extension levels.
	for _, v := range []string{"1.8", "1.9", "2.1"} {
		as := "1.7"
		if v[0] == '2' {
			as = "2.0"
		}
		add("version", "header %PDF-"+v, testpdf.Doc{Header: "%PDF-" + v, Objects: three(""), Trailer: "/Root 1 0 R"}, nil,
			fmt.Sprintf("header version %%PDF-%s read as %s", v, as))
	}
	add("version", "header %PDF-2.0 (taken as it is)", testpdf.Doc{Header: "%PDF-2.0", Objects: three(""), Trailer: "/Root 1 0 R"}, nil)
	add("version", "extension level 8 (taken as it is)", testpdf.Doc{Header: "%PDF-1.7",
		Objects: three("/Extensions << /ADBE << /BaseVersion /1.7 /ExtensionLevel 8 >> >>"), Trailer: "/Root 1 0 R"}, nil)
	add("version", "extension level, header %PDF-1.8, catalog /Version /1.8", testpdf.Doc{Header: "%PDF-1.8",
		Objects: three("/Version /1.8 /Extensions << /ADBE << /BaseVersion /1.8 /ExtensionLevel 3 >> >>"), Trailer: "/Root 1 0 R"}, nil,
		"header version %PDF-1.8 read as 1.7", "catalog /Version /1.8 dropped")
	add("version", "catalog /Version a string", fixtureDoc("/Version (1.7)"), nil, "catalog /Version (1.7) dropped")

	// Catalogs with odd entries.
	for _, c := range []struct{ name, entry, repair string }{
		{"/Lang a name", "/Lang /zh-CN", "/Lang dropped"},
		{"unknown /PageMode", "/PageMode /FullScreenX", "/PageMode dropped"},
		{"unknown /PageLayout", "/PageLayout /Weird", "/PageLayout dropped"},
		{"/ViewerPreferences with bad values", "/ViewerPreferences << /Direction /Up /Duplex 3 >>", "/ViewerPreferences dropped"},
		{"/MarkInfo /Marked a string", "/MarkInfo << /Marked (true) >>", "/MarkInfo dropped"},
		{"/Metadata a dictionary", "/Metadata << /Type /Metadata /Subtype /XML >>", "/Metadata dropped"},
		{"/URI /Base a number", "/URI << /Base 5 >>", "/URI dropped"},
		{"/AcroForm /Fields a number", "/AcroForm << /Fields 3 >>", "/AcroForm dropped"},
		{"/Names with a broken JavaScript tree", "/Names << /JavaScript << /Names [(a) << /S /JavaScript /JS 5 >>] >> >>", "/Names dropped"},
		{"/Dests with a number", "/Dests << /a 7 >>", "/Dests dropped"},
		{"unknown /OpenAction", "/OpenAction << /S /Launch2 >>", "/OpenAction dropped"},
		{"several at once", "/Lang /en /PageMode /Bad /PageLayout /Bad", "/Lang dropped"},
	} {
		add("catalog", c.name, fixtureDoc(c.entry), nil, c.repair)
	}
	wrongType := three("")
	wrongType[0] = strings.Replace(wrongType[0], "/Type /Catalog", "/Type /Catalogue", 1)
	add("catalog", "/Type /Catalogue", testpdf.Doc{Objects: wrongType, Trailer: "/Root 1 0 R"}, nil, "catalog /Type /Catalogue corrected to /Catalog")
	add("catalog", "unknown entries (taken as they are)", fixtureDoc("/FooBar 42 /PieceInfo << /X << /LastModified (D:2020) /Private 1 >> >>"), nil)
	add("catalog", "broken document information dictionary (replaced anyway)",
		testpdf.Doc{Objects: append(three(""), "<< /Title 5 /CreationDate (yesterday) /Trapped /Maybe >>"), Trailer: "/Root 1 0 R /Info 10 0 R"}, nil)
	return fs
}

// withObjects appends objects to d (numbered from 10 on, after the three
// pages).
func withObjects(d testpdf.Doc, objs ...string) testpdf.Doc {
	d.Objects = append(d.Objects, objs...)
	return d
}

// hybridFixture is the classic-table update of a PDF-1.5 file whose
// /XRefStm stream puts a revised page in an object stream (what Word
// writes), for the incremental-update class (pdfcpu reads it as it is).
func hybridFixture() []byte {
	base := testpdf.Doc{Header: "%PDF-1.5", Objects: append(fixturePages(""), "null"), Trailer: "/Root 1 0 R"}.Bytes()
	i := bytes.LastIndex(base, []byte("startxref\n"))
	var prev int
	fmt.Sscanf(string(base[i+10:]), "%d", &prev)
	b := bytes.NewBuffer(base)
	offs := map[int]int{}
	page := "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 12 0 R >>"
	offs[11] = b.Len()
	fmt.Fprintf(b, "11 0 obj\n%s\nendobj\n", testpdf.Stream("/Type /ObjStm /N 1 /First 4", "4 0 "+page))
	offs[12] = b.Len()
	fmt.Fprintf(b, "12 0 obj\n%s\nendobj\n", testpdf.Stream("", testpdf.TextPage("FIRSTHYBRID")))
	offs[13] = b.Len()
	row := binary.BigEndian.AppendUint32([]byte{2}, 11)
	row = append(row, 0)
	fmt.Fprintf(b, "13 0 obj\n%s\nendobj\n", testpdf.Stream("/Type /XRef /Size 14 /W [1 4 1] /Index [4 1]", string(row)))
	x := b.Len()
	fmt.Fprintf(b, "xref\n0 1\n0000000000 65535 f \n11 3\n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \n", offs[11], offs[12], offs[13])
	fmt.Fprintf(b, "trailer\n<< /Size 14 /Root 1 0 R /Prev %d /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n", prev, offs[13], x)
	return b.Bytes()
}
