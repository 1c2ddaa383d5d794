package audit_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func fuzzEvent(seq, nanos int64, actor, action, target, ua, dk, dv string) audit.Event {
	e := audit.Event{Seq: seq, Time: time.Unix(0, nanos), Actor: actor, Role: "lawyer", Action: audit.Action(action),
		CaseID: "c" + target, ApplicationID: "a" + actor, Target: target, IP: "127.0.0.1", UserAgent: ua,
		RequestID: "r" + action, Result: audit.OK, PrevHash: "p" + dv}
	if dk != "" || dv != "" {
		e.Detail = map[string]string{dk: dv, "fixed": "值"}
	}
	e.Hash = e.ComputeHash()
	return e
}

func addCanonicalSeeds(f *testing.F) {
	f.Add(int64(1), int64(1764201600123456789), "11101201910012345", "link.download", "01jlink", "Mozilla/5.0", "via", "link")
	f.Add(int64(0), int64(0), "", "", "", "", "", "")
	f.Add(int64(-1), int64(-1), "张律师", "auth.fail", "<script>&", "\xff\xfe bad utf-8", "\x00", "\u2028\u2029")
	f.Add(int64(1<<62), int64(1<<62), "a\"b", "x\\y", "\t\n", "é", "é", "e\u0301") // composed and decomposed é
}

// FuzzCanonicalRoundTrip: an event stored as the log stores it (JSON) and
// read back hashes the same as when it was appended; otherwise Verify would
// report an untouched record as altered. Strings come from the request
// (user agent, query), so they may be anything, invalid UTF-8 included.
//
// Run it with: go test -run='^$' -fuzz='^FuzzCanonicalRoundTrip$' -fuzztime=30s ./pkg/audit
func FuzzCanonicalRoundTrip(f *testing.F) {
	addCanonicalSeeds(f)
	f.Fuzz(func(t *testing.T, seq, nanos int64, actor, action, target, ua, dk, dv string) {
		e := fuzzEvent(seq, nanos, actor, action, target, ua, dk, dv)
		stored, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var back audit.Event
		if err := json.Unmarshal(stored, &back); err != nil {
			t.Fatalf("the stored record does not decode: %v", err)
		}
		if back.ComputeHash() != e.Hash {
			t.Fatalf("a record read back hashes differently:\nappended %q\nread     %q", e.Canonical(), back.Canonical())
		}
		var fromCanonical audit.Event
		if err := json.Unmarshal(e.Canonical(), &fromCanonical); err != nil {
			t.Fatalf("the canonical encoding is not JSON: %v", err)
		}
		fromCanonical.Hash = e.Hash
		if fromCanonical.ComputeHash() != e.Hash {
			t.Fatal("decode(Canonical(e)) hashes differently")
		}
		if !bytes.Equal(e.Canonical(), e.Canonical()) {
			t.Fatal("Canonical is not deterministic")
		}
	})
}

// FuzzCanonicalDistinct: two events that differ (as recorded: strings in
// valid UTF-8, the time in UTC) never share a canonical encoding, so a
// record cannot be swapped for another with the same hash.
func FuzzCanonicalDistinct(f *testing.F) {
	addCanonicalSeeds(f)
	f.Fuzz(func(t *testing.T, seq, nanos int64, actor, action, target, ua, dk, dv string) {
		a := fuzzEvent(seq, nanos, actor, action, target, ua, dk, dv)
		// b: the same event with one field changed, in turn.
		for i, change := range []func(*audit.Event){
			func(e *audit.Event) { e.Seq++ },
			func(e *audit.Event) { e.Time = e.Time.Add(time.Nanosecond) },
			func(e *audit.Event) { e.Actor += "x" },
			func(e *audit.Event) { e.Action, e.Target = audit.Action(e.Target), string(e.Action) },
			func(e *audit.Event) { e.UserAgent = e.Actor; e.Actor = ua },
			func(e *audit.Event) { e.Detail = map[string]string{dv: dk, "fixed": "值"} },
			func(e *audit.Event) { e.Result = audit.Denied },
			func(e *audit.Event) { e.PrevHash = "" },
		} {
			b := a
			b.Detail = map[string]string{}
			for k, v := range a.Detail {
				b.Detail[k] = v
			}
			if len(b.Detail) == 0 {
				b.Detail = nil
			}
			change(&b)
			if same(a, b) {
				continue
			}
			if bytes.Equal(a.Canonical(), b.Canonical()) {
				t.Fatalf("change %d: different events with the same canonical bytes %q", i, a.Canonical())
			}
		}
	})
}

// same compares events as recorded: strings as valid UTF-8 (what JSON can
// carry), the time as an instant, the hash left out.
func same(a, b audit.Event) bool {
	norm := func(e audit.Event) audit.Event {
		v := func(s string) string {
			if utf8.ValidString(s) {
				return s
			}
			var out []rune
			for _, r := range s {
				out = append(out, r)
			}
			return string(out)
		}
		e.Actor, e.Role, e.Action, e.CaseID, e.ApplicationID = v(e.Actor), v(e.Role), audit.Action(v(string(e.Action))), v(e.CaseID), v(e.ApplicationID)
		e.Target, e.IP, e.UserAgent, e.RequestID, e.PrevHash = v(e.Target), v(e.IP), v(e.UserAgent), v(e.RequestID), v(e.PrevHash)
		var d map[string]string
		for k, x := range e.Detail {
			if d == nil {
				d = map[string]string{}
			}
			d[v(k)] = v(x)
		}
		e.Detail, e.Hash, e.Time = d, "", e.Time.UTC()
		return e
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// A record with invalid UTF-8 (a client's user agent can hold any byte)
// keeps the chain verifiable once stored and read back. Found by
// FuzzCanonicalRoundTrip: before, Verify called such a record altered.
func TestInvalidUTF8KeepsChainVerifiable(t *testing.T) {
	tb, err := sqlitestore.Open(filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	l := &audit.Log{T: tb}
	ctx := t.Context()
	for _, ua := range []string{"ok", "bad \xff\xfe byte", "\xc3", "fine again"} {
		if _, err := l.Append(ctx, audit.Event{Actor: "anonymous", Role: "none", Action: "auth.fail", Result: audit.Denied,
			UserAgent: ua, Detail: map[string]string{"route\xff": "x\xfe", "route\xfe": "y"}}); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := l.Verify(ctx)
	if err != nil || !rep.OK || rep.Records != 4 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}
