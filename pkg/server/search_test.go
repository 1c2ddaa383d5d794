package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/ocr"
)

// TestSearchDossier: the lawyer whose dossier is ready finds a witness's
// name in its recognised text — spaces of either side ignored — and gets the
// page's printed identifier, its document and the text around it; a name
// not in it finds nothing; nobody else may search (another lawyer 404, a
// clerk 403); each search is audited with what was asked.
func TestSearchDossier(t *testing.T) {
	ts := newTsrv(t)
	w := ts.world()
	// What the ingest job's recognition keeps for the scan (ocr.Result):
	// the server's harness runs without Tesseract's cost, so the words are
	// put where ingest puts them.
	res := ocr.Result{DPI: 300, Pages: []ocr.Page{{N: 1, W: 2480, H: 3508, Words: []ocr.Word{
		{Text: "讯问笔录", Box: [4]int{900, 200, 1500, 280}, Line: 1},
		{Text: "被害人", Box: [4]int{200, 400, 500, 460}, Line: 2},
		{Text: "李秀英", Box: [4]int{520, 400, 800, 460}, Line: 2},
		{Text: "称其手提包于", Box: [4]int{820, 400, 1400, 460}, Line: 2},
		{Text: "2026年3月14日", Box: [4]int{1420, 400, 2000, 460}, Line: 2},
		{Text: "被盗", Box: [4]int{2020, 400, 2200, 460}, Line: 2},
	}}}}
	data, err := res.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.s.API.Uploads.WriteAll(context.Background(), ocr.WordsKey(w.caseID, w.materialID), data, nil); err != nil {
		t.Fatal(err)
	}
	search := func(tok, q string, want int) map[string]any {
		t.Helper()
		var got map[string]any
		a := ts.call(tok, "GET", "/api/v1/applications/"+w.appID+"/search?"+url.Values{"q": {q}}.Encode(), nil)
		if a.status != want {
			t.Fatalf("search %q: %d, want %d: %s", q, a.status, want, a.body)
		}
		if want == http.StatusOK {
			ts.must(tok, "GET", "/api/v1/applications/"+w.appID+"/search?"+url.Values{"q": {q}}.Encode(), nil, http.StatusOK, &got)
		}
		return got
	}
	got := search(w.lawyerA, "李 秀英", http.StatusOK)
	hits, _ := got["hits"].([]any)
	if len(hits) != 1 {
		t.Fatalf("李秀英 found on %d pages, want 1: %v", len(hits), got)
	}
	h := hits[0].(map[string]any)
	if h["page"] != "卷1-0001" || h["title"] != "起诉意见书" || !strings.Contains(h["snippet"].(string), "被害人李秀英称其手提包") {
		t.Errorf("the hit reads %v; want page 卷1-0001 of 起诉意见书 with the text around the name", h)
	}
	if got["version"] == nil || got["unread"] != float64(0) {
		t.Errorf("the answer says version %v, unread %v", got["version"], got["unread"])
	}
	if got := search(w.lawyerA, "王五", http.StatusOK); len(got["hits"].([]any)) != 0 {
		t.Errorf("a name not in the dossier found %v", got["hits"])
	}
	search(w.lawyerA, "  ", http.StatusUnprocessableEntity)
	search(w.lawyerB, "李秀英", http.StatusNotFound)
	search(w.clerkA, "李秀英", http.StatusForbidden)
	found := false
	for _, e := range ts.events() {
		if e.Action == "dossier.search" && e.ApplicationID == w.appID && e.Detail["query"] == "李 秀英" && e.Detail["found"] == "1" {
			found = true
		}
	}
	if !found {
		t.Error("no dossier.search record with the query and the pages found")
	}
}
