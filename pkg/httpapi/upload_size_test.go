package httpapi_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

type problemsOut struct {
	Error struct {
		Code     string `json:"code"`
		Problems []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"problems"`
	} `json:"error"`
}

// The upload routes take the file's size, required and at most the upload
// limit (512 MiB by default): otherwise 422 with a problem on "size" that
// says the limit, listed with the request's other problems.
func TestUploadSizeRequired(t *testing.T) {
	e := newEnv(t)
	lawyer := e.token(auth.Identity{Subject: "11101201910090001", Name: "赵律师", Role: auth.Lawyer})
	const limit = 512 << 20
	material := func(size any) map[string]any {
		m := map[string]any{"volume": 1, "volumeTitle": "诉讼文书卷", "seq": 1, "title": "起诉意见书", "filename": "01.pdf"}
		if size != nil {
			m["size"] = size
		}
		return m
	}
	attachment := func(size any) map[string]any {
		m := map[string]any{"kind": "practice_certificate", "filename": "证.pdf"}
		if size != nil {
			m["size"] = size
		}
		return m
	}
	for _, c := range []struct {
		name string
		size any
		want string
	}{
		{"missing", nil, "请填写文件大小 size"},
		{"zero", 0, "请填写文件大小 size"},
		{"negative", -5, "(size is required: the file's length in bytes, 1 to 536870912, the 512 MiB limit)"},
		{"too large", limit + 1, "文件大小 536870913 字节超过 512 MiB（536870912 字节）上限，请拆分后分别上传 (the file is 536870913 bytes, over the 512 MiB limit of 536870912 bytes; split it into smaller files)"},
	} {
		for _, r := range []struct {
			tok, path string
			body      map[string]any
		}{
			{e.clerk, "/api/v1/cases/" + e.caseID + "/materials", material(c.size)},
			{lawyer, "/api/v1/attachments", attachment(c.size)},
		} {
			var out problemsOut
			e.call(r.tok, "POST", r.path, r.body, http.StatusUnprocessableEntity, &out)
			ps := out.Error.Problems
			if out.Error.Code != "invalid" || len(ps) != 1 || ps[0].Field != "size" || !strings.Contains(ps[0].Message, c.want) {
				t.Errorf("POST %s, size %s: %+v, want one problem on size saying %q", r.path, c.name, out.Error, c.want)
			}
		}
	}
	// Exactly the limit is fine (the URL is issued; nothing is uploaded).
	e.call(lawyer, "POST", "/api/v1/attachments", attachment(limit), http.StatusCreated, nil)
	// The size's problem comes with the others, all at once.
	var out problemsOut
	e.call(e.clerk, "POST", "/api/v1/cases/"+e.caseID+"/materials", map[string]any{"volume": 0, "filename": "a/b.pdf"}, http.StatusUnprocessableEntity, &out)
	fields := map[string]bool{}
	for _, p := range out.Error.Problems {
		fields[p.Field] = true
	}
	for _, f := range []string{"volume", "seq", "title", "filename", "size"} {
		if !fields[f] {
			t.Errorf("material with everything wrong: no problem on %s in %+v", f, out.Error.Problems)
		}
	}
	e.call(lawyer, "POST", "/api/v1/attachments", map[string]any{"kind": "x"}, http.StatusUnprocessableEntity, &out)
	if len(out.Error.Problems) != 3 {
		t.Errorf("attachment with kind, filename and size wrong: %+v, want 3 problems", out.Error.Problems)
	}
	// Not a number: a malformed request.
	e.call(lawyer, "POST", "/api/v1/attachments", attachment("12"), http.StatusBadRequest, nil)
}

// A declared size round-trips: the upload URL carries it, takes exactly
// those bytes (not one more or less, nothing stored when refused), the scan
// is accepted, and a fresh URL for a material still awaiting its upload is
// for the same size.
func TestUploadSizeRoundTrip(t *testing.T) {
	e := newEnv(t)
	data := testpdf.Text("SIZE-ROUND-TRIP")
	var m struct {
		ID        string `json:"id"`
		Size      int64  `json:"size"`
		Status    string `json:"status"`
		UploadURL string `json:"uploadUrl"`
	}
	e.call(e.clerk, "POST", "/api/v1/cases/"+e.caseID+"/materials", map[string]any{
		"volume": 7, "volumeTitle": "证据卷", "seq": 1, "title": "鉴定意见", "filename": "07.pdf", "size": len(data)}, http.StatusCreated, &m)
	if m.Size != int64(len(data)) || sizeOf(t, m.UploadURL) != len(data) {
		t.Fatalf("material %+v: want size %d in the answer and its URL", m, len(data))
	}
	var again struct {
		UploadURL string `json:"uploadUrl"`
	}
	e.call(e.clerk, "GET", "/api/v1/cases/"+e.caseID+"/materials/"+m.ID, nil, http.StatusOK, &again)
	if again.UploadURL == "" || sizeOf(t, again.UploadURL) != len(data) {
		t.Fatalf("fresh upload URL %q: want one for %d bytes", again.UploadURL, len(data))
	}
	put := func(u string, body []byte) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	longer := append(append([]byte{}, data...), '\n')
	if status, msg := put(m.UploadURL, longer); status != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "accepts exactly "+strconv.Itoa(len(data))+" bytes") {
		t.Errorf("PUT of one byte more: %d %s", status, msg)
	}
	if status, msg := put(m.UploadURL, data[:len(data)-1]); status != http.StatusBadRequest || !strings.Contains(msg, "request a new upload URL with the file's real size") {
		t.Errorf("PUT of one byte less: %d %s", status, msg)
	}
	e.call(e.clerk, "GET", "/api/v1/cases/"+e.caseID+"/materials/"+m.ID, nil, http.StatusOK, &m)
	if m.Status != "awaiting_upload" {
		t.Fatalf("after refused PUTs the material is %s, want awaiting_upload", m.Status)
	}
	if status, msg := put(again.UploadURL, data); status != http.StatusOK {
		t.Fatalf("PUT of the declared size: %d %s", status, msg)
	}
	deadline := time.Now().Add(30 * time.Second)
	for m.Status != "accepted" {
		if m.Status == "rejected" || time.Now().After(deadline) {
			t.Fatalf("material after its upload: %s", m.Status)
		}
		time.Sleep(50 * time.Millisecond)
		e.call(e.clerk, "GET", "/api/v1/cases/"+e.caseID+"/materials/"+m.ID, nil, http.StatusOK, &m)
	}

	// A lawyer's document, the same way.
	lawyer := e.token(auth.Identity{Subject: "11101201910090002", Name: "钱律师", Role: auth.Lawyer})
	doc := testpdf.Text("firm_letter")
	var a struct {
		ID        string `json:"id"`
		UploadURL string `json:"uploadUrl"`
		Uploaded  bool   `json:"uploaded"`
		Size      int64  `json:"size"`
	}
	e.call(lawyer, "POST", "/api/v1/attachments", map[string]any{"kind": "firm_letter", "filename": "函.pdf", "size": len(doc)}, http.StatusCreated, &a)
	if status, _ := put(a.UploadURL, append(append([]byte{}, doc...), doc...)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("attachment PUT of twice the size: %d, want 413", status)
	}
	if status, msg := put(a.UploadURL, doc); status != http.StatusOK {
		t.Fatalf("attachment PUT of the declared size: %d %s", status, msg)
	}
	deadline = time.Now().Add(30 * time.Second)
	for !a.Uploaded {
		if time.Now().After(deadline) {
			t.Fatal("the attachment never arrived")
		}
		time.Sleep(50 * time.Millisecond)
		e.call(lawyer, "GET", "/api/v1/attachments/"+a.ID, nil, http.StatusOK, &a)
	}
	if a.Size != int64(len(doc)) {
		t.Errorf("attachment arrived with %d bytes, want %d", a.Size, len(doc))
	}
}

func sizeOf(t *testing.T, u string) int {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(pu.Query().Get("size"))
	return n
}
