package scan

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/yuejuan/yuejuan/internal/pdffile"
	"github.com/yuejuan/yuejuan/internal/testpdf"
)

// qpdfEncrypt encrypts in to out with qpdf: args are what goes between
// --encrypt and --, e.g. "" owner 256 --print=none.
func qpdfEncrypt(t *testing.T, in, out string, args ...string) {
	t.Helper()
	a := append([]string{"--allow-weak-crypto", "--encrypt"}, args...)
	testpdf.Run(t, "qpdf", append(a, "--", in, out)...)
	// qpdf --is-encrypted exits 0 for an encrypted file, 2 otherwise.
	if err := exec.Command(testpdf.Tool(t, "qpdf"), "--is-encrypted", out).Run(); err != nil {
		t.Fatalf("qpdf did not encrypt %s: %v", out, err)
	}
}

// PDFs encrypted with an empty user password (an owner password that only
// restricts printing, copying or changes) open in every reader without a
// password: they are accepted and written unencrypted, restrictions removed.
func TestIngestOwnerPasswordOnly(t *testing.T) {
	dir := t.TempDir()
	orig := filepath.Join(dir, "orig.pdf")
	markers := []string{"FIRSTPAGE", "SECONDPAGE", "THIRDPAGE"}
	testpdf.Make(t, orig, testpdf.Page{Marker: markers[0]}, testpdf.Page{Marker: markers[1], Rotate: 90}, testpdf.Page{Marker: markers[2]})
	origText := make([]string, len(markers))
	for i := range markers {
		origText[i] = testpdf.PageText(t, orig, i+1)
		if !strings.Contains(origText[i], markers[i]) {
			t.Fatalf("original page %d lacks its marker: %q", i+1, origText[i])
		}
	}
	restrict := []string{"--print=none", "--modify=none", "--extract=n", "--annotate=n"}
	cases := []struct {
		name string
		args []string // qpdf --encrypt arguments; nil: pdfcpu's own AES-256
	}{
		{"pdfcpu aes256", nil},
		{"aes256", append([]string{"", "owner", "256"}, restrict...)},
		{"aes256 object streams", append([]string{"", "owner", "256", "--cleartext-metadata"}, restrict...)},
		{"aes128", append([]string{"", "owner", "128", "--use-aes=y"}, restrict...)},
		{"rc4 128", append([]string{"", "owner", "128", "--use-aes=n"}, restrict...)},
		{"rc4 40", []string{"", "owner", "40", "--print=n", "--modify=n", "--extract=n", "--annotate=n"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".pdf")
			in := orig
			if strings.Contains(tc.name, "object streams") {
				in = filepath.Join(dir, "objstm.pdf")
				testpdf.Run(t, "qpdf", "--object-streams=generate", orig, in)
			}
			if tc.args == nil {
				conf := model.NewAESConfiguration("", "owner", 256)
				conf.Permissions = model.PermissionsNone
				if err := api.EncryptFile(in, src, conf); err != nil {
					t.Fatal(err)
				}
			} else {
				qpdfEncrypt(t, in, src, tc.args...)
			}
			info, dst, err := ingest(t, src, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(info, Info{Pages: 3, Kind: "pdf", Decrypted: true}) {
				t.Errorf("info = %+v", info)
			}
			testpdf.QPDFCheck(t, dst)
			if err := exec.Command(testpdf.Tool(t, "qpdf"), "--is-encrypted", dst).Run(); err == nil {
				t.Error("the ingested PDF is still encrypted (qpdf --is-encrypted)")
			}
			pc, err := api.ReadContextFile(dst)
			if err != nil {
				t.Fatalf("pdfcpu cannot read the ingested PDF: %v", err)
			}
			if pc.Encrypt != nil || pc.E != nil {
				t.Error("pdfcpu finds the ingested PDF encrypted")
			}
			if pc.PageCount != 3 {
				t.Errorf("pdfcpu counts %d pages", pc.PageCount)
			}
			if got := testpdf.PDFInfo(t, dst, 0)["Pages"]; got != "3" {
				t.Errorf("pdfinfo: %s pages", got)
			}
			if got := testpdf.PDFInfo(t, dst, 0)["Encrypted"]; got != "no" {
				t.Errorf("pdfinfo: Encrypted %q", got)
			}
			for i := range markers {
				if got := testpdf.PageText(t, dst, i+1); got != origText[i] {
					t.Errorf("page %d text %q, want %q", i+1, got, origText[i])
				}
			}
			if got := testpdf.PDFInfo(t, dst, 2)["Page 2 rot"]; got != "90" {
				t.Errorf("page 2 rot = %q", got)
			}
			// The decrypted document is usable like any other: the dossier's
			// light reader takes it (dossier's TestAssembleDecryptedPDF
			// assembles one).
			f, err := os.Open(dst)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := f.Stat()
			_, _, err = pdffile.Read(context.Background(), f, st.Size())
			f.Close()
			if err != nil {
				t.Fatalf("reading the decrypted PDF as the dossier does: %v", err)
			}
		})
	}
}

// PDFs that need a password to open stay refused, with a reason that says
// so and what to do.
func TestIngestUserPasswordRefused(t *testing.T) {
	dir := t.TempDir()
	orig := filepath.Join(dir, "orig.pdf")
	testpdf.Make(t, orig, testpdf.Page{Marker: "SECRET"})
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"aes256", []string{"user", "owner", "256"}},
		{"aes128", []string{"user", "owner", "128", "--use-aes=y"}},
		{"rc4 128", []string{"user", "owner", "128", "--use-aes=n"}},
		{"rc4 40", []string{"user", "owner", "40"}},
		{"same passwords", []string{"pw", "pw", "256"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".pdf")
			qpdfEncrypt(t, orig, src, tc.args...)
			_, dst, err := ingest(t, src, Limits{})
			var rej *Rejection
			if !errors.As(err, &rej) {
				t.Fatalf("want a *Rejection, got %v", err)
			}
			if rej.Code != CodeEncrypted {
				t.Errorf("code %s (%s), want %s", rej.Code, rej.Reason, CodeEncrypted)
			}
			for _, w := range []string{"打开密码", "未加密", "opening password", "unprotected copy", "the password"} {
				if !strings.Contains(rej.Reason, w) {
					t.Errorf("reason %q lacks %q", rej.Reason, w)
				}
			}
			if _, err := os.Stat(dst); !os.IsNotExist(err) {
				t.Errorf("a refused file left output %s", dst)
			}
		})
	}
	// pdfcpu's own encryption, with a user password.
	src := filepath.Join(dir, "pdfcpu-user.pdf")
	if err := api.EncryptFile(orig, src, model.NewAESConfiguration("secret", "owner", 256)); err != nil {
		t.Fatal(err)
	}
	_, _, err := ingest(t, src, Limits{})
	var rej *Rejection
	if !errors.As(err, &rej) || rej.Code != CodeEncrypted || !strings.Contains(rej.Reason, "opening password") {
		t.Errorf("pdfcpu-encrypted with a user password: %v", err)
	}
}

// A PDF encrypted for certificates (public-key security handler) cannot be
// opened at all: refused as encrypted, saying to ask for an unprotected copy.
func TestIngestCertificateEncryptionRefused(t *testing.T) {
	src := filepath.Join(t.TempDir(), "pubsec.pdf")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
		"<< /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /R 4 /Length 128 /Recipients [<3003020100>] >>",
	}
	var b strings.Builder
	b.WriteString("%PDF-1.6\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		b.WriteString(itoa(i+1) + " 0 obj\n" + o + "\nendobj\n")
	}
	xref := b.Len()
	b.WriteString("xref\n0 5\n0000000000 65535 f \n")
	for _, o := range offs {
		s := itoa(o)
		b.WriteString(strings.Repeat("0", 10-len(s)) + s + " 00000 n \n")
	}
	b.WriteString("trailer\n<< /Size 5 /Root 1 0 R /Encrypt 4 0 R /ID [<0123456789abcdef0123456789abcdef><0123456789abcdef0123456789abcdef>] >>\nstartxref\n" + itoa(xref) + "\n%%EOF\n")
	testpdf.WriteFile(t, src, []byte(b.String()))
	_, _, err := ingest(t, src, Limits{})
	var rej *Rejection
	if !errors.As(err, &rej) || rej.Code != CodeEncrypted {
		t.Fatalf("got %v, want a rejection %s", err, CodeEncrypted)
	}
	for _, w := range []string{"加密", "未加密", "unprotected copy"} {
		if !strings.Contains(rej.Reason, w) {
			t.Errorf("reason %q lacks %q", rej.Reason, w)
		}
	}
}

// Streams left in clear in an encrypted file (the Identity crypt filter)
// lose the Crypt filter once the file is decrypted; a stream under another
// crypt filter, which pdfcpu leaves encrypted, makes the file unreadable.
func TestDropCryptFilters(t *testing.T) {
	pc, err := pdfcpu.CreateContextWithXRefTable(nil, types.PaperSize["A4"])
	if err != nil {
		t.Fatal(err)
	}
	xt := pc.XRefTable
	identity := types.Dict{"Name": types.Name("Identity")}
	add := func(d types.Dict, pipe ...types.PDFFilter) int {
		ref, err := xt.IndRefForNewObject(types.StreamDict{Dict: d, Raw: []byte("x"), FilterPipeline: pipe})
		if err != nil {
			t.Fatal(err)
		}
		return int(ref.ObjectNumber)
	}
	only := add(types.Dict{"Filter": types.Name("Crypt"), "DecodeParms": identity}, types.PDFFilter{Name: "Crypt", DecodeParms: identity})
	chain := add(types.Dict{"Filter": types.Array{types.Name("Crypt"), types.Name("FlateDecode")}, "DecodeParms": types.Array{identity, nil}},
		types.PDFFilter{Name: "Crypt", DecodeParms: identity}, types.PDFFilter{Name: "FlateDecode"})
	flate := add(types.Dict{"Filter": types.Name("FlateDecode")}, types.PDFFilter{Name: "FlateDecode"})
	if !dropCryptFilters(xt) {
		t.Fatal("identity crypt filters refused")
	}
	get := func(n int) types.StreamDict { return xt.Table[n].Object.(types.StreamDict) }
	if sd := get(only); sd.Dict["Filter"] != nil || sd.Dict["DecodeParms"] != nil || len(sd.FilterPipeline) != 0 {
		t.Errorf("Crypt only: %v %v", sd.Dict, sd.FilterPipeline)
	}
	if sd := get(chain); !reflect.DeepEqual(sd.Dict["Filter"], types.Array{types.Name("FlateDecode")}) || len(sd.FilterPipeline) != 1 || sd.FilterPipeline[0].Name != "FlateDecode" {
		t.Errorf("Crypt, FlateDecode: %v %v", sd.Dict, sd.FilterPipeline)
	}
	if sd := get(flate); sd.Dict["Filter"] != types.Name("FlateDecode") || len(sd.FilterPipeline) != 1 {
		t.Errorf("FlateDecode: %v %v", sd.Dict, sd.FilterPipeline)
	}
	std := types.Dict{"Name": types.Name("StdCF")}
	add(types.Dict{"Filter": types.Name("Crypt"), "DecodeParms": std}, types.PDFFilter{Name: "Crypt", DecodeParms: std})
	if dropCryptFilters(xt) {
		t.Error("a stream under the StdCF crypt filter must make the file unreadable")
	}
}
