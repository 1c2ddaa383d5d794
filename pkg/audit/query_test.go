package audit_test

import (
	"testing"

	"github.com/yuejuan/yuejuan/pkg/audit"
)

// Paging reads a snapshot: records appended while paging (such as the
// audit.query records the paging itself causes) do not keep it going.
func TestQueryPagesASnapshot(t *testing.T) {
	tb := sqliteMem(t)
	defer tb.Close()
	l := &audit.Log{T: tb}
	appendN(t, l, 5)
	var got []int64
	f := audit.Filter{Limit: 1}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatalf("paging did not end: %v", got)
		}
		p, err := l.Query(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Events {
			got = append(got, e.Seq)
		}
		// What an audited query API does after each page.
		if _, err := l.Append(t.Context(), audit.Event{Actor: "audit01", Action: "audit.query", Result: audit.OK}); err != nil {
			t.Fatal(err)
		}
		if p.Next == "" {
			break
		}
		f.Cursor = p.Next
	}
	if len(got) != 5 || got[4] != 5 {
		t.Errorf("paged %v, want records 1..5 as of the first page", got)
	}
	// A fresh query sees everything, and a plain "<seq>" cursor still works.
	p, err := l.Query(t.Context(), audit.Filter{Cursor: "5"})
	if err != nil || len(p.Events) != 5 || p.Events[0].Seq != 6 {
		t.Errorf("Query after seq 5 = %+v, %v", p, err)
	}
	for _, bad := range []string{"x", "-1", "3-", "3-x", "3-0", "e#000000000000003"} {
		if _, err := l.Query(t.Context(), audit.Filter{Cursor: bad}); err == nil {
			t.Errorf("cursor %q accepted", bad)
		}
	}
}
