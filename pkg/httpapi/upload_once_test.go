package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/ingest"
)

// put sends data to an upload URL with the headers the API gave for it.
func (e *env) put(u string, hdr map[string]string, data []byte) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader(data))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *env) waitFor(what string, ok func() bool) {
	e.t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// Issue 13 H: a second PUT to an accepted material's upload URL (same size,
// within the URL's hour) replaced the stored original silently — its hash
// changed, the material stayed accepted with the old PDF, and nothing was
// recorded. Upload URLs are now write-once: the second PUT, and one to an
// attachment's URL, is refused with 412 and changes nothing.
func TestUploadURLsAreWriteOnce(t *testing.T) {
	e := newEnv(t)
	orig := testpdf.Text("WRITE-ONCE-ORIGINAL")
	evil := bytes.Clone(orig)
	copy(evil[len(evil)/2:], "REPLACED")
	type upload struct {
		ID            string            `json:"id"`
		Status        string            `json:"status"`
		UploadURL     string            `json:"uploadUrl"`
		UploadHeaders map[string]string `json:"uploadHeaders"`
		ContentType   string            `json:"contentType"`
		Uploaded      bool              `json:"uploaded"`
	}
	var m upload
	e.call(e.clerk, "POST", "/api/v1/cases/"+e.caseID+"/materials", map[string]any{
		"volume": 9, "volumeTitle": "证据卷", "seq": 1, "title": "鉴定意见", "filename": "09.pdf", "size": len(orig)}, http.StatusCreated, &m)
	if m.UploadHeaders["If-None-Match"] != "*" {
		t.Errorf("uploadHeaders = %v, want If-None-Match: * (the URL is write-once)", m.UploadHeaders)
	}
	if st, body := e.put(m.UploadURL, m.UploadHeaders, orig); st != http.StatusOK {
		t.Fatalf("first PUT: %d %s", st, body)
	}
	path := "/api/v1/cases/" + e.caseID + "/materials/" + m.ID
	e.waitFor("the material to be accepted", func() bool {
		var got upload
		e.call(e.clerk, "GET", path, nil, http.StatusOK, &got)
		return got.Status == "accepted"
	})
	key := ingest.MaterialUploadKey(e.caseID, m.ID)
	stored := func() [32]byte {
		b, err := e.s.Uploads.ReadAll(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	before := stored()
	for _, hdr := range []map[string]string{m.UploadHeaders, nil} {
		st, body := e.put(m.UploadURL, hdr, evil)
		if st != http.StatusPreconditionFailed || !strings.Contains(body, "此文件已上传") || !strings.Contains(body, "never replaces it") {
			t.Errorf("second PUT to the accepted material's URL (headers %v): %d %s, want 412 saying it was uploaded", hdr, st, body)
		}
	}
	if stored() != before {
		t.Fatal("the accepted material's original was replaced")
	}
	var got upload
	e.call(e.clerk, "GET", path, nil, http.StatusOK, &got)
	if got.Status != "accepted" || got.UploadURL != "" {
		t.Errorf("material after the refused PUT: %s, upload URL %q; want accepted, no URL", got.Status, got.UploadURL)
	}
	// The record follows the accepted status (ingest writes the verdict
	// first), so wait for it rather than read it at once.
	e.waitFor("the material.accept record", func() bool {
		return len(e.events(audit.Filter{Action: "material.accept", CaseID: e.caseID})) > 0
	})

	// A lawyer's attachment: the practice certificate cannot be swapped
	// for something else after it arrived.
	lawyer := e.token(auth.Identity{Subject: "11101201910019999", Name: "钱律师", Role: auth.Lawyer})
	cert := testpdf.Text("CERTIFICATE")
	var a upload
	e.call(lawyer, "POST", "/api/v1/attachments", map[string]any{"kind": "practice_certificate", "filename": "cert.pdf", "size": len(cert)}, http.StatusCreated, &a)
	if st, body := e.put(a.UploadURL, a.UploadHeaders, cert); st != http.StatusOK {
		t.Fatalf("attachment PUT: %d %s", st, body)
	}
	e.waitFor("the attachment", func() bool {
		var got upload
		e.call(lawyer, "GET", "/api/v1/attachments/"+a.ID, nil, http.StatusOK, &got)
		return got.Uploaded
	})
	html := []byte("<html><script>alert(1)</script>" + strings.Repeat(" ", len(cert)-38) + "</html>")
	if st, _ := e.put(a.UploadURL, a.UploadHeaders, html); st != http.StatusPreconditionFailed {
		t.Errorf("second PUT to the attachment's URL: %d, want 412", st)
	}
	if b, err := e.s.Uploads.ReadAll(t.Context(), ingest.AttachmentUploadKey(a.ID)); err != nil || !bytes.Equal(b, cert) {
		t.Errorf("the attachment was replaced (%v)", err)
	}
}
