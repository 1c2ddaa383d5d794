package httpapi_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/server"
	"github.com/yuejuan/yuejuan/pkg/store"
)

type report struct {
	OK         bool
	Records    int64
	HeadHash   string
	FirstBad   int64
	Problem    string
	Anchors    int
	BadAnchor  string
	LastAnchor *audit.Anchor
}

func (e *env) verify() report {
	e.t.Helper()
	var r report
	e.call(e.auditor, "GET", "/api/v1/audit/verify", nil, http.StatusOK, &r)
	return r
}

// The server anchors the head on its tick; GET /audit/verify checks the
// chain and the anchors and names what is wrong. Each attack is undone
// afterwards, for the other tests sharing the server.
func TestAuditVerifyOverHTTP(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	r := e.ready(2, time.Hour)
	e.get("GET", r.url, nil)
	e.s.Anchor(ctx)
	anchorFile := server.AnchorFilePath(e.s.Config.DataDir)
	if fi, err := os.Stat(anchorFile); err != nil || fi.Size() == 0 {
		t.Fatalf("the tick wrote no anchor file at %s: %v", anchorFile, err)
	}
	rep := e.verify()
	if !rep.OK || rep.Anchors == 0 || rep.LastAnchor == nil || rep.Records < 2 {
		t.Fatalf("verify = %+v, want an intact, anchored chain", rep)
	}
	// Anchoring an unchanged head writes nothing (verify itself appended a
	// record, so anchor that first).
	e.s.Anchor(ctx)
	before, _ := os.ReadFile(anchorFile)
	e.s.Anchor(ctx)
	if after, _ := os.ReadFile(anchorFile); len(after) != len(before) {
		t.Errorf("anchoring an unchanged head appended to the anchor file")
	}
	tb := e.s.Table()
	tip := func() int64 {
		all := e.events(audit.Filter{})
		return all[len(all)-1].Seq
	}

	get := func(seq int64) (store.Item, audit.Event) {
		p, s := audit.RecordKey(seq)
		it, err := tb.Get(ctx, p, s)
		if err != nil {
			t.Fatal(err)
		}
		var ev audit.Event
		_ = json.Unmarshal(it.Data, &ev)
		return it, ev
	}
	put := func(it store.Item) {
		p, s := it.PK, it.SK
		if cur, err := tb.Get(ctx, p, s); err == nil {
			it.Version = cur.Version
		} else {
			it.Version = 0
		}
		if _, err := tb.Put(ctx, it); err != nil {
			t.Fatal(err)
		}
	}

	// An edited record.
	it, ev := get(2)
	orig := it
	ev.IP = "203.0.113.66"
	it.Data, _ = json.Marshal(ev)
	put(it)
	rep = e.verify()
	if rep.OK || rep.FirstBad != 2 || !strings.Contains(rep.Problem, "altered") {
		t.Errorf("verify after editing record 2 = %+v", rep)
	}
	put(orig)
	if rep = e.verify(); !rep.OK {
		t.Fatalf("restored chain: %+v", rep)
	}

	// The anchored tail cut off and the head hint moved back: only the
	// anchor can tell.
	n := tip() // verify appended its own record after checking
	e.s.Anchor(ctx)
	var saved []store.Item
	for seq := n; seq > n-2; seq-- {
		it, _ := get(seq)
		saved = append(saved, it)
		if err := tb.Delete(ctx, it.PK, it.SK, it.Version); err != nil {
			t.Fatal(err)
		}
	}
	_, newTip := get(n - 2)
	hp, hs := audit.HeadKey()
	hit, err := tb.Get(ctx, hp, hs)
	if err != nil {
		t.Fatal(err)
	}
	origHead := hit
	hit.Data, _ = json.Marshal(map[string]any{"seq": newTip.Seq, "hash": newTip.Hash})
	put(hit)
	rep = e.verify()
	if rep.OK || rep.FirstBad != n-1 || !strings.Contains(rep.Problem, "truncated") {
		t.Errorf("verify after truncating the anchored tail = %+v, want record %d named", rep, n-1)
	}
	// Undo: put the records and the head back, minus what verify appended
	// meanwhile (which now sits at n-1.. and must go first).
	for seq := n - 1; seq <= n+5; seq++ {
		p, s := audit.RecordKey(seq)
		if it, err := tb.Get(ctx, p, s); err == nil {
			_ = tb.Delete(ctx, p, s, it.Version)
		}
	}
	for _, it := range saved {
		put(it)
	}
	put(origHead)
	if rep = e.verify(); !rep.OK {
		t.Fatalf("restored chain: %+v", rep)
	}
}
