package audit_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/audit/audittest"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func sqliteMem(t *testing.T) store.Table {
	tb, err := sqlitestore.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func sqliteFile(t *testing.T) store.Table {
	tb, err := sqlitestore.Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// dirBucket is a local bucket in a fresh directory.
func dirBucket(t *testing.T) *blob.Bucket {
	b, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func bucketAnchors(t *testing.T) audit.Anchors {
	return &audit.BlobAnchors{Bucket: dirBucket(t)}
}

// The tamper suite on the SQLite store, with the local anchor file and with
// anchors in a bucket (as on AWS, where the bucket has Object Lock).
func TestTamperSQLite(t *testing.T) {
	t.Run("memory/file anchors", func(t *testing.T) { audittest.Run(t, sqliteMem, nil) })
	t.Run("file/file anchors", func(t *testing.T) { audittest.Run(t, sqliteFile, nil) })
	t.Run("memory/bucket anchors", func(t *testing.T) { audittest.Run(t, sqliteMem, bucketAnchors) })
}

func newKey(t *testing.T) (ed25519.PrivateKey, map[string]ed25519.PublicKey) {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub := k.Public().(ed25519.PublicKey)
	return k, map[string]ed25519.PublicKey{audit.KeyID(pub): pub}
}

func lines(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func appendN(t *testing.T, l *audit.Log, n int) {
	t.Helper()
	for i := range n {
		if _, err := l.Append(t.Context(), audit.Event{Actor: "a", Action: audit.Action(fmt.Sprintf("x.%d", i)), Result: audit.OK}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAnchorWritesOnlyNewHeads(t *testing.T) {
	tb := sqliteMem(t)
	defer tb.Close()
	path := filepath.Join(t.TempDir(), "anchors", "anchors.ndjson")
	key, keys := newKey(t)
	l := &audit.Log{T: tb, Anchors: &audit.FileAnchors{Path: path}, AnchorKeys: keys}

	// An empty log has nothing to anchor.
	if a, wrote, err := l.Anchor(t.Context(), key); err != nil || wrote {
		t.Fatalf("Anchor on an empty log = %+v, %v, %v; want nothing written", a, wrote, err)
	}
	if got := lines(t, path); got != nil {
		t.Fatalf("anchor file after anchoring an empty log: %q", got)
	}
	appendN(t, l, 3)
	a, wrote, err := l.Anchor(t.Context(), key)
	if err != nil || !wrote || a.Seq != 3 {
		t.Fatalf("Anchor = %+v, %v, %v; want a new anchor at seq 3", a, wrote, err)
	}
	if err := a.CheckSignature(keys); err != nil {
		t.Fatal(err)
	}
	// Unchanged head: nothing new, even for a fresh Log without the cache.
	for _, ll := range []*audit.Log{l, {T: tb, Anchors: &audit.FileAnchors{Path: path}, AnchorKeys: keys}} {
		again, wrote, err := ll.Anchor(t.Context(), key)
		if err != nil || wrote || again.Seq != 3 || again.Hash != a.Hash {
			t.Fatalf("Anchor of an unchanged head = %+v, %v, %v; want the last anchor, nothing written", again, wrote, err)
		}
	}
	if got := lines(t, path); len(got) != 1 {
		t.Fatalf("anchor file holds %d lines, want 1: %q", len(got), got)
	}
	appendN(t, l, 2)
	if b, wrote, err := l.Anchor(t.Context(), key); err != nil || !wrote || b.Seq != 5 {
		t.Fatalf("Anchor after two appends = %+v, %v, %v", b, wrote, err)
	}
	got := lines(t, path)
	if len(got) != 2 {
		t.Fatalf("anchor file holds %d lines, want 2", len(got))
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(got[1]), &line); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"seq", "hash", "time", "kid", "sig"} {
		if _, ok := line[k]; !ok {
			t.Errorf("anchor line %s lacks %q", got[1], k)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm()&0o007 != 0 {
		t.Errorf("anchor file mode: %v %v (must not be world-accessible)", fi.Mode(), err)
	}
	r, err := l.Verify(t.Context())
	if err != nil || !r.OK || r.Records != 5 || r.Anchors != 2 || r.LastAnchor.Seq != 5 {
		t.Fatalf("Verify = %+v, %v", r, err)
	}
}

func TestAnchorFileDamageIsReported(t *testing.T) {
	for name, tc := range map[string]struct {
		damage func(path string) error
		where  string
	}{
		"a line that is not JSON": {func(p string) error {
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteString("garbage\n")
			return err
		}, "anchors.ndjson line 2"},
		"an incomplete last line": {func(p string) error {
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteString(`{"seq":`)
			return err
		}, "anchors.ndjson line 2"},
		"an anchor's time edited": {func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, bytes.Replace(b, []byte(`"time":"2`), []byte(`"time":"1`), 1), 0o640)
		}, "anchors.ndjson line 1"},
	} {
		t.Run(name, func(t *testing.T) {
			tb := sqliteMem(t)
			defer tb.Close()
			path := filepath.Join(t.TempDir(), "anchors.ndjson")
			key, keys := newKey(t)
			l := &audit.Log{T: tb, Anchors: &audit.FileAnchors{Path: path}, AnchorKeys: keys}
			appendN(t, l, 2)
			if _, _, err := l.Anchor(t.Context(), key); err != nil {
				t.Fatal(err)
			}
			if err := tc.damage(path); err != nil {
				t.Fatal(err)
			}
			r, err := l.Verify(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || r.BadAnchor != tc.where || r.Problem == "" {
				t.Errorf("Verify = %+v, want the bad anchor named %q", r, tc.where)
			}
		})
	}
}

func TestRetiredAnchorKeysStillVerify(t *testing.T) {
	tb := sqliteMem(t)
	defer tb.Close()
	oldKey, keys := newKey(t)
	newK, newKeys := newKey(t)
	for k, v := range newKeys {
		keys[k] = v
	}
	l := &audit.Log{T: tb, Anchors: &audit.FileAnchors{Path: filepath.Join(t.TempDir(), "a.ndjson")}, AnchorKeys: keys}
	appendN(t, l, 2)
	if _, _, err := l.Anchor(t.Context(), oldKey); err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 2)
	if _, _, err := l.Anchor(t.Context(), newK); err != nil {
		t.Fatal(err)
	}
	if r, err := l.Verify(t.Context()); err != nil || !r.OK || r.Anchors != 2 {
		t.Fatalf("Verify with the retired key kept = %+v, %v", r, err)
	}
	l.AnchorKeys = newKeys
	if r, _ := l.Verify(t.Context()); r.OK || !strings.Contains(r.Problem, "unknown key") {
		t.Fatalf("Verify without the retired key = %+v, want its anchor refused", r)
	}
}

func TestBlobAnchors(t *testing.T) {
	b := dirBucket(t)
	st := &audit.BlobAnchors{Bucket: b}
	key, keys := newKey(t)
	a := audit.SignAnchor(key, 42, strings.Repeat("a", 64), time.Now())
	if err := st.Append(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if ok, _ := b.Exists(t.Context(), "anchors/000000000000042.json"); !ok {
		t.Fatal("anchor not at anchors/<seq>.json")
	}
	// A concurrent anchorer writing the same head: fine. Another hash under
	// the same seq: refused, the object is never replaced.
	if err := st.Append(t.Context(), a); err != nil {
		t.Errorf("re-appending the same anchor: %v", err)
	}
	fork := audit.SignAnchor(key, 42, strings.Repeat("b", 64), time.Now())
	if err := st.Append(t.Context(), fork); err == nil {
		t.Error("an anchor with another hash replaced an existing one")
	}
	if err := st.Append(t.Context(), audit.SignAnchor(key, 7, strings.Repeat("c", 64), time.Now())); err != nil {
		t.Fatal(err)
	}
	all, err := st.List(t.Context())
	if err != nil || len(all) != 2 || all[0].Seq != 7 || all[1].Seq != 42 || all[1].Hash != a.Hash {
		t.Fatalf("List = %+v, %v", all, err)
	}
	for _, x := range all {
		if err := x.CheckSignature(keys); err != nil {
			t.Errorf("%s: %v", x.Where, err)
		}
	}
	last, ok, err := st.Last(t.Context())
	if err != nil || !ok || last.Seq != 42 {
		t.Fatalf("Last = %+v, %v, %v", last, ok, err)
	}
	// An object whose name and content disagree is reported by name.
	data, _ := json.Marshal(all[0])
	if err := b.WriteAll(t.Context(), "anchors/000000000000008.json", data, &blob.WriterOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = st.List(t.Context())
	var bad *audit.BadAnchorError
	if !errors.As(err, &bad) || bad.Where != "anchors/000000000000008.json" {
		t.Errorf("List with a misplaced anchor: %v", err)
	}
}

// Appends and anchoring run at once (as the API and the scheduler do); the
// chain and every anchor must verify afterwards.
func TestAnchorWhileAppending(t *testing.T) {
	tb := sqliteFile(t)
	defer tb.Close()
	key, keys := newKey(t)
	anchors := &audit.FileAnchors{Path: filepath.Join(t.TempDir(), "anchors.ndjson")}
	l := &audit.Log{T: tb, Anchors: anchors, AnchorKeys: keys}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			for i := range 30 {
				if _, err := l.Append(t.Context(), audit.Event{Actor: fmt.Sprint(w), Action: audit.Action(fmt.Sprint(i)), Result: audit.OK}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	var anchorWG sync.WaitGroup
	// Two anchorers with separate caches, as two processes would be.
	for range 2 {
		anchorWG.Go(func() {
			al := &audit.Log{T: tb, Anchors: anchors, AnchorKeys: keys}
			for {
				if _, _, err := al.Anchor(t.Context(), key); err != nil {
					t.Error(err)
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	anchorWG.Wait()
	if _, _, err := l.Anchor(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	r, err := l.Verify(t.Context())
	if err != nil || !r.OK || r.Records != 120 || r.Anchors == 0 || r.LastAnchor.Seq != 120 {
		t.Fatalf("Verify = %+v, %v", r, err)
	}
}
