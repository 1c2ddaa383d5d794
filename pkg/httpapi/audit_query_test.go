package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/width"

	"github.com/yuejuan/yuejuan/pkg/audit"
)

type eventsPage struct {
	Events []audit.Event
	Next   string
}

// TestAuditQueryByLawyer: the auditor finds a lawyer's records by name or
// by certificate number (typed with full-width digits too): those the
// lawyer wrote and the downloads of the lawyer's link, which the link's
// holder writes; another lawyer's records stay out.
func TestAuditQueryByLawyer(t *testing.T) {
	e := newEnv(t)
	r, other := e.ready(3, time.Hour), e.ready(3, time.Hour)
	for _, x := range []*ready{r, other} {
		if resp, _ := e.get("GET", x.url, nil); resp.StatusCode != http.StatusFound {
			t.Fatal(resp.Status)
		}
	}
	own, err := e.s.API.Audit.Append(t.Context(), audit.Event{Actor: r.license, Role: "lawyer", Action: audit.OpinionSubmit,
		CaseID: e.caseID, Result: audit.OK})
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{r.app.Lawyer.Name, r.license, width.Widen.String(r.license), " " + r.license[:8] + " " + r.license[8:]} {
		var page eventsPage
		e.call(e.auditor, "GET", "/api/v1/audit/events?lawyer="+url.QueryEscape(ref), nil, http.StatusOK, &page)
		var download, wrote bool
		for _, ev := range page.Events {
			switch {
			case ev.Action == audit.LinkDownload && ev.Detail["linkOwner"] == r.license:
				download = true
			case ev.Seq == own.Seq:
				wrote = true
			case ev.Actor != r.license:
				t.Errorf("lawyer=%s: record %d (%s by %s, linkOwner %q) is not this lawyer's", ref, ev.Seq, ev.Action, ev.Actor, ev.Detail["linkOwner"])
			}
		}
		if !download || !wrote {
			t.Errorf("lawyer=%s: the download through the link found %v, the lawyer's own record %v; want both (%d records)", ref, download, wrote, len(page.Events))
		}
	}
	// A name nobody has finds nothing, not everything.
	var page eventsPage
	e.call(e.auditor, "GET", "/api/v1/audit/events?lawyer="+url.QueryEscape("无此律师"), nil, http.StatusOK, &page)
	if len(page.Events) != 0 {
		t.Errorf("an unknown name found %d records", len(page.Events))
	}
	// The export takes the same filter.
	resp, body := e.export(e.auditor, "format=ndjson&lawyer="+url.QueryEscape(r.app.Lawyer.Name))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"linkOwner":"`+r.license+`"`) || strings.Contains(string(body), other.license) {
		t.Errorf("export by lawyer name: %s: %s", resp.Status, body)
	}
}

// TestAuditQueryByCaseNo: the case filter takes the 案号 however it is
// typed (other brackets around the year, full-width digits, spaces), and
// finds what the case's id finds, in the events list and the export.
func TestAuditQueryByCaseNo(t *testing.T) {
	e := newEnv(t)
	e.ready(1, time.Hour)
	var byID eventsPage
	e.call(e.auditor, "GET", "/api/v1/audit/events?limit=1000&case="+e.caseID, nil, http.StatusOK, &byID)
	if len(byID.Events) == 0 {
		t.Fatal("the case has no records")
	}
	typed := strings.NewReplacer("〔", "（", "〕", "） ", "7", "７").Replace(e.caseNo) // 京检刑诉（2026） ７号
	for _, ref := range []string{e.caseNo, typed} {
		var byNo eventsPage
		e.call(e.auditor, "GET", "/api/v1/audit/events?limit=1000&case="+url.QueryEscape(ref), nil, http.StatusOK, &byNo)
		if len(byNo.Events) != len(byID.Events) {
			t.Errorf("case=%s found %d records, case=<its id> %d", ref, len(byNo.Events), len(byID.Events))
		}
		for _, ev := range byNo.Events {
			if ev.CaseID != e.caseID {
				t.Errorf("case=%s: record %d is of case %q", ref, ev.Seq, ev.CaseID)
			}
		}
	}
	resp, body := e.export(e.auditor, "format=ndjson&case="+url.QueryEscape(typed))
	if n := strings.Count(string(body), "\n"); resp.StatusCode != http.StatusOK || n != len(byID.Events) {
		t.Errorf("export case=%s: %s, %d records, want %d", typed, resp.Status, n, len(byID.Events))
	}
}

// TestAuditQueryNewestFirst: order=desc pages the log newest first, each
// page going on below the last; the default stays chain order, and a
// cursor of one order is refused in the other.
func TestAuditQueryNewestFirst(t *testing.T) {
	e := newEnv(t)
	var seqs []int64
	for range 5 {
		ev, err := e.s.API.Audit.Append(t.Context(), audit.Event{Actor: "newest-first", Role: "system", Action: "order.test", Result: audit.OK})
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, ev.Seq)
	}
	var got []int64
	q := "/api/v1/audit/events?actor=newest-first&order=desc&limit=2"
	var page eventsPage
	for i := 0; i < 5; i++ {
		cursor := ""
		if page.Next != "" {
			cursor = "&cursor=" + url.QueryEscape(page.Next)
		}
		page = eventsPage{}
		e.call(e.auditor, "GET", q+cursor, nil, http.StatusOK, &page)
		for _, ev := range page.Events {
			got = append(got, ev.Seq)
		}
		if page.Next == "" {
			break
		}
	}
	want := []int64{seqs[4], seqs[3], seqs[2], seqs[1], seqs[0]}
	if len(got) != len(want) {
		t.Fatalf("newest first: %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("newest first: %v, want %v", got, want)
		}
	}
	var asc eventsPage
	e.call(e.auditor, "GET", "/api/v1/audit/events?actor=newest-first&limit=2", nil, http.StatusOK, &asc)
	if len(asc.Events) != 2 || asc.Events[0].Seq != seqs[0] || asc.Next == "" {
		t.Fatalf("the default order: %+v", asc)
	}
	e.call(e.auditor, "GET", "/api/v1/audit/events?actor=newest-first&order=desc&cursor="+url.QueryEscape(asc.Next), nil, http.StatusBadRequest, nil)
	e.call(e.auditor, "GET", "/api/v1/audit/events?order=sideways", nil, http.StatusBadRequest, nil)
}
