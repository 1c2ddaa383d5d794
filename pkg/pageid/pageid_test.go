package pageid

import (
	"strings"
	"testing"
)

func spans(l []LedgerEntry) string {
	var s []string
	for _, e := range l {
		x := e.Key + "=" + Span(e.Runs, true)
		if e.RemovedIn != 0 {
			x += "(removed)"
		}
		s = append(s, x)
	}
	return strings.Join(s, " ")
}

// TestAssign walks versions through the scheme of docs/versions.md.
func TestAssign(t *testing.T) {
	step := func(prev []LedgerEntry, v int, want string, docs ...Doc) []LedgerEntry {
		t.Helper()
		l, err := Assign(docs, prev, v)
		if err != nil {
			t.Fatal(err)
		}
		if got := spans(l); got != want {
			t.Fatalf("version %d:\n got %s\nwant %s", v, got, want)
		}
		return l
	}
	v1 := step(nil, 1, "a=卷1-0001-0002 b=卷1-0003 c=卷2-0001-0003",
		Doc{Key: "a", Volume: 1, Pages: 2}, Doc{Key: "b", Volume: 1, Pages: 1}, Doc{Key: "c", Volume: 2, Pages: 3})
	// Inserted before the first kept document; inserted after a; c
	// replaced by a shorter one (its last identifier retired).
	v2 := step(v1, 2, "x=卷1-0000.1 a=卷1-0001-0002 y=卷1-0002.1-0002.2 b=卷1-0003 c2=卷2-0001-0002",
		Doc{Key: "x", Volume: 1, Pages: 1}, Doc{Key: "a", Volume: 1, Pages: 2}, Doc{Key: "y", Volume: 1, Pages: 2},
		Doc{Key: "b", Volume: 1, Pages: 1}, Doc{Key: "c2", Replaces: "c", Volume: 2, Pages: 2})
	if ch := Changes(v2, 2); len(ch.Added) != 2 || len(ch.Replaced) != 1 || len(ch.Removed) != 0 || Span(ch.Replaced[0].ReplacedRuns, true) != "卷2-0001-0003" {
		t.Errorf("version 2's changes: %+v", ch)
	}
	// b moves to volume 2 and keeps its identifier; y removed; z, now last
	// in volume 1, takes the volume's next number, and w, appended to
	// volume 2, its next past the replaced 0003.
	v3 := step(v2, 3, "x=卷1-0000.1 a=卷1-0001-0002 z=卷1-0004 c2=卷2-0001-0002 b=卷1-0003 w=卷2-0004 y=卷1-0002.1-0002.2(removed)",
		Doc{Key: "x", Volume: 1, Pages: 1}, Doc{Key: "a", Volume: 1, Pages: 2}, Doc{Key: "z", Volume: 1, Pages: 1},
		Doc{Key: "c2", Volume: 2, Pages: 2}, Doc{Key: "b", Volume: 2, Pages: 1}, Doc{Key: "w", Volume: 2, Pages: 1})
	ch := Changes(v3, 3)
	if len(ch.Added) != 2 || len(ch.Replaced) != 0 || len(ch.Removed) != 1 || ch.Removed[0].Key != "y" {
		t.Errorf("version 3's changes: %+v", ch)
	}
	// A second insertion after a continues its suffixes past the removed
	// ones; y's removal stays in the ledger, and is not a change of
	// version 4.
	v4 := step(v3, 4, "x=卷1-0000.1 a=卷1-0001-0002 n=卷1-0002.3 z=卷1-0004 c2=卷2-0001-0002 b=卷1-0003 w=卷2-0004 y=卷1-0002.1-0002.2(removed)",
		Doc{Key: "x", Volume: 1, Pages: 1}, Doc{Key: "a", Volume: 1, Pages: 2}, Doc{Key: "n", Volume: 1, Pages: 1}, Doc{Key: "z", Volume: 1, Pages: 1},
		Doc{Key: "c2", Volume: 2, Pages: 2}, Doc{Key: "b", Volume: 2, Pages: 1}, Doc{Key: "w", Volume: 2, Pages: 1})
	if ch := Changes(v4, 4); len(ch.Removed) != 0 || len(ch.Added) != 1 || ch.Added[0].Key != "n" {
		t.Errorf("version 4's changes: %+v", ch)
	}
}
