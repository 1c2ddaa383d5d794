package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
)

// exportGet fetches an export as the auditor and returns the response, the
// body and the trailers (read after the body).
func (e *env) export(tok, query string) (*http.Response, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+"/api/v1/audit/export?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := e.noRedirect.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, body
}

func TestAuditExportCSV(t *testing.T) {
	e := newEnv(t)
	r := e.ready(3, time.Hour)
	if resp, _ := e.get("GET", r.url, map[string]string{"User-Agent": "Mozilla/5.0 (Windows NT 10.0)"}); resp.StatusCode != http.StatusFound {
		t.Fatal(resp.Status)
	}
	// A record with everything a CSV writer can get wrong: Chinese, commas,
	// quotes, a line break, and a caller-controlled value that a
	// spreadsheet would run as a formula.
	tricky, err := e.s.API.Audit.Append(t.Context(), audit.Event{Actor: "张三", Role: "clerk", Action: "application.decide",
		CaseID: e.caseID, ApplicationID: r.app.ID, IP: "192.0.2.1", UserAgent: `=HYPERLINK("http://evil.test","点我")`,
		Result: audit.OK, Detail: map[string]string{"reason": "委托手续不全，\"授权委托书\"缺页,\n请补正"}})
	if err != nil {
		t.Fatal(err)
	}
	want := e.events(audit.Filter{CaseID: e.caseID})
	exportsBefore := len(e.events(audit.Filter{Action: "audit.export"}))

	resp, body := e.export(e.auditor, "format=csv&case="+e.caseID)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %s: %s", resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".csv") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("the CSV does not open with a UTF-8 BOM: % x", body[:min(8, len(body))])
	}
	rows, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse back: %v", err)
	}
	if !bytes.Contains(body, []byte("\r\n")) {
		t.Error("RFC 4180 lines end in CRLF")
	}
	header := rows[0]
	// Chinese headers: first as the auditor reads the record, then its
	// machine fields.
	for _, col := range []string{"序号", "时间（北京时间）", "操作人", "角色", "操作", "结果", "来源 IP", "详情",
		"时间（UTC）", "操作代码", "详情（JSON）", "哈希"} {
		if !slices.Contains(header, col) {
			t.Errorf("header %q lacks %q", header, col)
		}
	}
	rows = rows[1:]
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want the case's %d records", len(rows), len(want))
	}
	if got := resp.Trailer.Get("X-Export-Status"); got != "complete" {
		t.Errorf("trailer X-Export-Status = %q, want complete", got)
	}
	if got := resp.Trailer.Get("X-Export-Records"); got != strconv.Itoa(len(want)) {
		t.Errorf("trailer X-Export-Records = %q, want %d", got, len(want))
	}
	col := func(name string) int { return slices.Index(header, name) }
	for i, row := range rows {
		ev := want[i]
		if row[col("序号")] != strconv.FormatInt(ev.Seq, 10) || row[col("哈希")] != ev.Hash {
			t.Errorf("row %d = %q, want record %d", i, row, ev.Seq)
		}
		// Beijing time to the second, as a spreadsheet reads it.
		shanghai := time.FixedZone("Asia/Shanghai", 8*3600)
		if ts, want := row[col("时间（北京时间）")], ev.Time.In(shanghai).Format("2006-01-02 15:04:05"); ts != want {
			t.Errorf("row %d time %q, want %q", i, ts, want)
		}
		// The machine's time is the record's, to the nanosecond.
		if tm, err := time.Parse(time.RFC3339Nano, row[col("时间（UTC）")]); err != nil || !tm.Equal(ev.Time) {
			t.Errorf("row %d machine time %q: want %v", i, row[col("时间（UTC）")], ev.Time)
		}
		if row[col("操作代码")] != string(ev.Action) || (ev.Action.Label() != "" && row[col("操作")] != ev.Action.Label()) {
			t.Errorf("row %d action %q / %q, want %q / %q", i, row[col("操作")], row[col("操作代码")], ev.Action.Label(), ev.Action)
		}
	}
	last := rows[len(rows)-1]
	if last[col("操作人")] != "张三" || last[col("序号")] != strconv.FormatInt(tricky.Seq, 10) {
		t.Errorf("the Chinese did not survive: %q", last)
	}
	if last[col("角色")] != "案管" || last[col("操作")] != "审批阅卷申请" || last[col("结果")] != "成功" {
		t.Errorf("role, action and result read %q, %q, %q; want 案管, 审批阅卷申请, 成功", last[col("角色")], last[col("操作")], last[col("结果")])
	}
	if got, want := last[col("详情")], "原因：委托手续不全，\"授权委托书\"缺页,\n请补正"; got != want {
		t.Errorf("detail reads %q, want %q", got, want)
	}
	if ua := last[col("客户端")]; ua != "'"+tricky.UserAgent {
		t.Errorf("a formula-like cell must be neutralised with a leading apostrophe, got %q", ua)
	}
	var detail map[string]string
	if err := json.Unmarshal([]byte(last[col("详情（JSON）")]), &detail); err != nil || detail["reason"] != tricky.Detail["reason"] {
		t.Errorf("detail cell %q does not round-trip: %v", last[col("详情（JSON）")], err)
	}
	// The export is itself on the record.
	exports := e.events(audit.Filter{Action: "audit.export"})
	if len(exports) != exportsBefore+1 {
		t.Fatalf("%d export records, want %d", len(exports), exportsBefore+1)
	}
	if x := exports[len(exports)-1]; x.Actor != "audit01" || x.Role != "auditor" || x.Detail["format"] != "csv" || !strings.Contains(x.Detail["query"], e.caseID) {
		t.Errorf("export record = %+v", x)
	}
}

func TestAuditExportNDJSON(t *testing.T) {
	e := newEnv(t)
	// Enough records for several pages of the log.
	for i := range 2100 {
		if _, err := e.s.API.Audit.Append(t.Context(), audit.Event{Actor: "bulk", Role: "system", Action: "bulk.fill", Result: audit.OK,
			Detail: map[string]string{"i": strconv.Itoa(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	resp, body := e.export(e.auditor, "format=ndjson")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-ndjson") {
		t.Fatalf("export: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	// Each line is one event exactly as stored: its hash recomputes and the
	// lines form the chain from record 1.
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	prev, n := "", int64(0)
	for sc.Scan() {
		var ev audit.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
		if ev.Seq != n || ev.PrevHash != prev || ev.ComputeHash() != ev.Hash {
			t.Fatalf("line %d (seq %d) does not continue the chain", n, ev.Seq)
		}
		prev = ev.Hash
	}
	if n < 2100 || resp.Trailer.Get("X-Export-Records") != strconv.FormatInt(n, 10) || resp.Trailer.Get("X-Export-Status") != "complete" {
		t.Errorf("%d lines, trailers %v", n, resp.Trailer)
	}
	// Filters apply to the export as to the events list.
	resp, body = e.export(e.auditor, "format=ndjson&action=bulk.fill&actor=bulk")
	if lines := bytes.Count(body, []byte("\n")); resp.StatusCode != 200 || lines != 2100 {
		t.Errorf("filtered export: %s, %d lines, want 2100", resp.Status, lines)
	}
}

func TestAuditExportRefusals(t *testing.T) {
	e := newEnv(t)
	lawyer := e.ready(1, time.Hour).lawyer
	for _, tc := range []struct {
		tok, query string
		status     int
	}{
		{e.auditor, "format=xlsx", http.StatusBadRequest},
		{e.auditor, "format=csv&from=yesterday", http.StatusBadRequest},
		{e.auditor, "format=csv&from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", http.StatusBadRequest},
		{e.auditor, "format=csv&cursor=abc", http.StatusBadRequest},
		{e.clerk, "format=csv", http.StatusForbidden},
		{lawyer, "format=csv", http.StatusForbidden},
		{"", "format=csv", http.StatusUnauthorized},
	} {
		resp, body := e.export(tc.tok, tc.query)
		if resp.StatusCode != tc.status {
			t.Errorf("export?%s: %s, want %d: %s", tc.query, resp.Status, tc.status, body)
		}
	}
	// The events list takes the same filters, with cursor pagination.
	var page struct {
		Events []audit.Event
		Next   string
	}
	for i := range 3 {
		if _, err := e.s.API.Audit.Append(t.Context(), audit.Event{Actor: "pager", Action: "page.test", Result: audit.OK, Detail: map[string]string{"i": fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	e.call(e.auditor, "GET", "/api/v1/audit/events?actor=pager&limit=2", nil, http.StatusOK, &page)
	if len(page.Events) != 2 || page.Next == "" {
		t.Fatalf("first page = %+v", page)
	}
	e.call(e.auditor, "GET", "/api/v1/audit/events?actor=pager&limit=2&cursor="+page.Next, nil, http.StatusOK, &page)
	if len(page.Events) != 1 || page.Events[0].Detail["i"] != "2" {
		t.Fatalf("second page = %+v", page)
	}
}
