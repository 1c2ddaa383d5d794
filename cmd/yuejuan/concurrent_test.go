package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/yuejuan/yuejuan/internal/testpdf"
)

// Fifty parallel submissions of the same application by the same lawyer
// make one application: one 201, forty-nine 200 answering with the same id.
// The per-lawyer rate limit is off here: it would answer most with 429.
func TestFiftyParallelSubmissionsMakeOne(t *testing.T) {
	in := start(t, "YUEJUAN_RATE_APPLICATIONS=0")
	clerk := in.token("--role", "clerk", "--sub", "clerk01", "--name", "王书记员", "--unit", "市检察院")
	lawyer := in.token("--role", "lawyer", "--sub", license, "--name", "张律师")
	var c struct {
		ID     string `json:"id"`
		CaseNo string `json:"caseNo"`
	}
	in.call(clerk, "POST", "/api/v1/cases", map[string]any{
		"caseNo": "京检刑诉〔2026〕7号", "title": "李某某诈骗案", "stage": "prosecution_review", "onlineReview": true,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"李某某"},
	}, http.StatusCreated, &c)
	var atts []string
	for _, kind := range []string{"practice_certificate", "firm_letter", "legal_aid_letter"} {
		var a upload
		in.call(lawyer, "POST", "/api/v1/attachments", map[string]any{"kind": kind, "filename": kind + ".pdf", "size": len(testpdf.Text(kind))}, http.StatusCreated, &a)
		in.put(a.UploadURL, testpdf.Text(kind))
		atts = append(atts, a.ID)
	}
	for _, id := range atts {
		waitFor(t, "attachment to arrive", func() bool {
			var a struct{ Uploaded bool }
			in.call(lawyer, "GET", "/api/v1/attachments/"+id, nil, http.StatusOK, &a)
			return a.Uploaded
		})
	}
	body, _ := json.Marshal(map[string]any{"caseNo": c.CaseNo, "client": "李某某", "attachments": atts,
		"lawyer": map[string]string{"name": "张律师", "license": license, "firm": "北京某某律师事务所", "phone": "13800000000"}})

	const n = 50
	type answer struct {
		status int
		id     string
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, _ := http.NewRequest("POST", in.url+"/api/v1/applications", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+lawyer)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var out struct{ ID string }
			_ = json.Unmarshal(raw, &out)
			answers[i] = answer{resp.StatusCode, out.ID}
		}()
	}
	close(start)
	wg.Wait()
	created, same := 0, 0
	first := ""
	for _, a := range answers {
		if a.status == http.StatusCreated {
			created++
			first = a.id
		}
	}
	for _, a := range answers {
		if a.status == http.StatusOK && a.id == first {
			same++
		}
	}
	if created != 1 || same != n-1 {
		t.Fatalf("50 parallel submissions: %d created, %d answered with that application; answers %+v", created, same, answers)
	}
	var list struct{ Applications []struct{ ID string } }
	in.call(lawyer, "GET", "/api/v1/applications", nil, http.StatusOK, &list)
	if len(list.Applications) != 1 || list.Applications[0].ID != first {
		t.Errorf("the lawyer's list holds %d applications, want exactly the one", len(list.Applications))
	}
}
