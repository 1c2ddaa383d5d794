// Package blobtest is the contract every object store yuejuan runs on must
// pass: the local filesystem bucket (with its signed-URL handler) and S3
// (tested against versitygw) alike. It checks what the service relies on —
// byte-exact round trips, atomic writes, NotFound, ranges, Chinese keys,
// listings, signed URLs (scope, method, expiry, size, write-once uploads,
// signed file names and byte ranges) and Compose.
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/blob"
)

const mib = 1 << 20

// Open gives a test a fresh, empty bucket, and the base URL its signed URLs
// point at. It arranges its own cleanup with t.Cleanup.
type Open func(t *testing.T) (b *blob.Bucket, httpBase string)

// Run runs the contract against the buckets open makes (one per subtest).
func Run(t *testing.T, open func(t *testing.T) (b *blob.Bucket, httpBase string)) {
	ctx := context.Background()

	// The expiry check needs wall-clock time to pass; sign now, check last,
	// so the wait overlaps the other subtests.
	expB, expBase := open(t)
	const expKey = "expiry/到期.pdf"
	expData := Bytes(1, 4096)
	mustWrite(t, expB, expKey, expData, "application/pdf")
	shortGet := mustSign(t, expB, expBase, expKey, http.MethodGet, time.Second)
	shortPut := mustSignPut(t, expB, expBase, expKey, 4, time.Second)
	longGet := mustSign(t, expB, expBase, expKey, http.MethodGet, time.Hour)
	signedAt := time.Now()

	t.Run("RoundTrip", func(t *testing.T) {
		b, _ := open(t)
		for _, n := range []int{0, 1, 12 * mib} {
			key := fmt.Sprintf("roundtrip/%d.bin", n)
			data := Bytes(uint64(n), n)
			w, err := b.NewWriter(ctx, key, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Uneven writes, as a PDF writer makes them.
			for rest := data; len(rest) > 0; {
				k := min(len(rest), 1+len(rest)/3, 3*mib+7)
				if _, err := w.Write(rest[:k]); err != nil {
					t.Fatal(err)
				}
				rest = rest[k:]
			}
			if err := w.Close(); err != nil {
				t.Fatalf("%d bytes: close: %v", n, err)
			}
			assertContent(t, b, key, data)
			a, err := b.Attributes(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if a.Size != int64(n) {
				t.Errorf("%d bytes: Attributes.Size = %d", n, a.Size)
			}
		}
	})

	t.Run("InvisibleUntilClose", func(t *testing.T) {
		b, _ := open(t)
		for _, n := range []int{100, 12 * mib} {
			key := fmt.Sprintf("atomic/new-%d.pdf", n)
			data := Bytes(uint64(n)+1, n)
			w, err := b.NewWriter(ctx, key, &blob.WriterOptions{ContentType: "application/pdf"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(data); err != nil {
				t.Fatal(err)
			}
			assertAbsent(t, b, key, "before Close")
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			assertContent(t, b, key, data)
		}
		// Replacing: the old version stays readable until Close.
		key := "atomic/replace.pdf"
		old := Bytes(7, 1000)
		mustWrite(t, b, key, old, "application/pdf")
		w, err := b.NewWriter(ctx, key, &blob.WriterOptions{ContentType: "application/pdf"})
		if err != nil {
			t.Fatal(err)
		}
		newer := Bytes(8, 6*mib)
		if _, err := w.Write(newer); err != nil {
			t.Fatal(err)
		}
		assertContent(t, b, key, old)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		assertContent(t, b, key, newer)
	})

	t.Run("CancelledWriterLeavesNothing", func(t *testing.T) {
		b, _ := open(t)
		for _, n := range []int{10, 6 * mib} {
			key := fmt.Sprintf("cancel/%d.pdf", n)
			wctx, cancel := context.WithCancel(ctx)
			w, err := b.NewWriter(wctx, key, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(Bytes(uint64(n), n)); err != nil {
				t.Fatal(err)
			}
			cancel()
			if err := w.Close(); err == nil {
				t.Errorf("%d bytes: Close after cancel returned nil", n)
			}
			assertAbsent(t, b, key, "after a cancelled write")
		}
		// A cancelled replacement keeps the old version.
		key := "cancel/replace.pdf"
		old := Bytes(9, 300)
		mustWrite(t, b, key, old, "")
		wctx, cancel := context.WithCancel(ctx)
		w, err := b.NewWriter(wctx, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(Bytes(10, mib)); err != nil {
			t.Fatal(err)
		}
		cancel()
		_ = w.Close()
		assertContent(t, b, key, old)
	})

	t.Run("NotFound", func(t *testing.T) {
		b, _ := open(t)
		mustWrite(t, b, "nf/present", []byte("x"), "")
		// Not tested: a key below an existing object's key ("nf/present/x"),
		// or Delete of a bare prefix ("nf"). The local store keeps objects as
		// files, so a key cannot be both an object and a prefix, and those
		// give Unknown errors there rather than NotFound. Keys are laid out
		// so that never happens.
		for _, key := range []string{"nf/missing", "nf/缺失.pdf", "nf/sub/none.pdf", "其他/none"} {
			if _, err := b.Attributes(ctx, key); !blob.IsNotFound(err) {
				t.Errorf("Attributes(%q) = %v, want NotFound", key, err)
			}
			if r, err := b.NewReader(ctx, key, nil); !blob.IsNotFound(err) {
				if r != nil {
					r.Close()
				}
				t.Errorf("NewReader(%q) = %v, want NotFound", key, err)
			}
			if r, err := b.NewRangeReader(ctx, key, 1, 2, nil); !blob.IsNotFound(err) {
				if r != nil {
					r.Close()
				}
				t.Errorf("NewRangeReader(%q) = %v, want NotFound", key, err)
			}
			if err := b.Delete(ctx, key); !blob.IsNotFound(err) {
				t.Errorf("Delete(%q) = %v, want NotFound", key, err)
			}
			if ok, err := b.Exists(ctx, key); ok || err != nil {
				t.Errorf("Exists(%q) = %v, %v", key, ok, err)
			}
		}
		if err := b.Delete(ctx, "nf/present"); err != nil {
			t.Fatal(err)
		}
		if err := b.Delete(ctx, "nf/present"); !blob.IsNotFound(err) {
			t.Errorf("second Delete = %v, want NotFound", err)
		}
	})

	t.Run("RangeReads", func(t *testing.T) {
		b, _ := open(t)
		data := Bytes(11, 100000)
		mustWrite(t, b, "range/文件.pdf", data, "application/pdf")
		for _, c := range []struct{ off, n int64 }{{0, 10}, {0, 0}, {99990, -1}, {50000, 1234}, {0, -1}, {99999, 1}, {12345, -1}} {
			r, err := b.NewRangeReader(ctx, "range/文件.pdf", c.off, c.n, nil)
			if err != nil {
				t.Fatalf("range %d+%d: %v", c.off, c.n, err)
			}
			got, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			end := int64(len(data))
			if c.n >= 0 {
				end = c.off + c.n
			}
			if !bytes.Equal(got, data[c.off:end]) {
				t.Errorf("range %d+%d: got %d bytes, want %d (or different bytes)", c.off, c.n, len(got), end-c.off)
			}
			if r.Size() != int64(len(data)) {
				t.Errorf("range %d+%d: Size() = %d, want the object's %d", c.off, c.n, r.Size(), len(data))
			}
		}
	})

	t.Run("ChineseKeys", func(t *testing.T) {
		b, base := open(t)
		keys := []string{
			"案卷/2026/（2026）京检刑诉12号/第1卷 起诉意见书.pdf",
			"卷宗/张三·李四/目录.json",
			"a/b/c/d/e/f.pdf",
		}
		for i, key := range keys {
			data := Bytes(uint64(100+i), 5000+i)
			mustWrite(t, b, key, data, "application/pdf")
			assertContent(t, b, key, data)
			u := mustSign(t, b, base, key, http.MethodGet, time.Minute)
			status, body := do(t, http.MethodGet, u, nil, nil)
			if status != http.StatusOK || !bytes.Equal(body, data) {
				t.Errorf("signed GET of %q: %d, %d bytes", key, status, len(body))
			}
		}
		if err := b.Delete(ctx, keys[0]); err != nil {
			t.Fatal(err)
		}
		assertAbsent(t, b, keys[0], "after Delete")
		assertContent(t, b, keys[1], Bytes(101, 5001))
	})

	t.Run("ListByPrefix", func(t *testing.T) {
		b, _ := open(t)
		for _, k := range []string{"list/a.pdf", "list/b/c.pdf", "list/中文/卷一.pdf", "list/中文/卷二.pdf", "listx.pdf", "other/a.pdf"} {
			mustWrite(t, b, k, []byte(k), "")
		}
		want := []string{"list/a.pdf", "list/b/c.pdf", "list/中文/卷一.pdf", "list/中文/卷二.pdf"}
		if got := list(t, b, &blob.ListOptions{Prefix: "list/"}); !equal(got, want) {
			t.Errorf("List(list/) = %q, want %q", got, want)
		}
		want = []string{"list/a.pdf", "list/b/", "list/中文/"}
		if got := list(t, b, &blob.ListOptions{Prefix: "list/", Delimiter: "/"}); !equal(got, want) {
			t.Errorf("List(list/, delimiter /) = %q, want %q", got, want)
		}
		want = []string{"list/中文/卷一.pdf", "list/中文/卷二.pdf"}
		if got := list(t, b, &blob.ListOptions{Prefix: "list/中文/"}); !equal(got, want) {
			t.Errorf("List(list/中文/) = %q, want %q", got, want)
		}
		if got := list(t, b, &blob.ListOptions{Prefix: "nothing/"}); len(got) != 0 {
			t.Errorf("List(nothing/) = %q", got)
		}
	})

	t.Run("SignedPut", func(t *testing.T) {
		b, base := open(t)
		// A plain PUT: no Content-Type, no other header than Go's own.
		key := "upload/案卷 第1卷.pdf"
		data := Bytes(200, 300*1024)
		u := mustSignPut(t, b, base, key, len(data), time.Minute)
		if status, body := do(t, http.MethodPut, u, data, nil); status != http.StatusOK {
			t.Fatalf("plain PUT: %d %s", status, body)
		}
		assertContent(t, b, key, data)
		// A browser's PUT carries a Content-Type; that works too.
		key2 := "upload/scan.pdf"
		u = mustSignPut(t, b, base, key2, 1000, time.Minute)
		if status, body := do(t, http.MethodPut, u, data[:1000], http.Header{"Content-Type": {"application/pdf"}}); status != http.StatusOK {
			t.Fatalf("PUT with Content-Type: %d %s", status, body)
		}
		assertContent(t, b, key2, data[:1000])
		// One byte, the smallest upload a URL is signed for.
		key3 := "upload/one"
		u = mustSignPut(t, b, base, key3, 1, time.Minute)
		if status, body := do(t, http.MethodPut, u, []byte{'%'}, nil); status != http.StatusOK {
			t.Fatalf("1-byte PUT: %d %s", status, body)
		}
		assertContent(t, b, key3, []byte{'%'})
	})

	t.Run("SignedPutWriteOnce", func(t *testing.T) {
		// An upload URL stores its object once: a second PUT through it, the
		// same bytes or others of the same size, and a PUT through a fresh
		// URL for the same key are refused with 412 and change nothing.
		b, base := open(t)
		const key = "once/第1卷 起诉意见书.pdf"
		orig, evil := Bytes(210, 20_000), Bytes(211, 20_000)
		u := mustSignPut(t, b, base, key, len(orig), time.Minute)
		if status, body := do(t, http.MethodPut, u, orig, nil); status != http.StatusOK {
			t.Fatalf("first PUT: %d %s", status, body)
		}
		fresh := mustSignPut(t, b, base, key, len(evil), time.Minute)
		for _, c := range []struct {
			name, url string
			body      []byte
		}{
			{"the same bytes again", u, orig},
			{"other bytes through the same URL", u, evil},
			{"other bytes through a fresh URL", fresh, evil},
		} {
			status, body := do(t, http.MethodPut, c.url, c.body, nil)
			if status != http.StatusPreconditionFailed || !bytes.Contains(body, []byte("PreconditionFailed")) {
				t.Errorf("%s: %d %s, want 412 PreconditionFailed", c.name, status, body)
			}
			assertContent(t, b, key, orig)
		}
		// Concurrent first PUTs of different files: one is stored whole,
		// the others are refused.
		const raced = "once/raced.pdf"
		ur := mustSignPut(t, b, base, raced, 256*1024, time.Minute)
		bodies := make([][]byte, 4)
		statuses := make([]int, len(bodies))
		var wg sync.WaitGroup
		for i := range bodies {
			bodies[i] = Bytes(uint64(220+i), 256*1024)
			wg.Go(func() { statuses[i], _, _ = send(http.MethodPut, ur, bodies[i], nil, false) })
		}
		wg.Wait()
		won := -1
		for i, st := range statuses {
			switch {
			case st == http.StatusOK && won < 0:
				won = i
			case st == http.StatusOK:
				t.Errorf("concurrent PUTs %d and %d both succeeded", won, i)
			case st != http.StatusPreconditionFailed && st != http.StatusConflict:
				t.Errorf("concurrent PUT %d: %d, want 200 for one and 409/412 for the others", i, st)
			}
		}
		if won < 0 {
			t.Fatalf("no concurrent PUT succeeded: %v", statuses)
		}
		assertContent(t, b, raced, bodies[won])
	})

	t.Run("SignedGetRange", func(t *testing.T) {
		// A URL signed for a byte range serves that range, to a request
		// that asks for it; without the Range header, with another range,
		// or with an If-Range that does not match, it never serves more.
		b, _ := open(t)
		const key = "ranged/copy.pdf"
		data := Bytes(230, 100_000)
		mustWrite(t, b, key, data, "application/pdf")
		for _, c := range []struct {
			rng        string
			start, end int
		}{{"bytes=1-", 1, len(data)}, {"bytes=60000-60099", 60000, 60100}, {"bytes=-500", len(data) - 500, len(data)}} {
			u, err := blob.SignedGetURL(ctx, b, key, time.Minute, blob.GetOptions{Range: c.rng})
			if err != nil {
				t.Fatal(err)
			}
			status, body := do(t, http.MethodGet, u, nil, http.Header{"Range": {c.rng}})
			if status != http.StatusPartialContent || !bytes.Equal(body, data[c.start:c.end]) {
				t.Errorf("%s with its Range: %d, %d bytes, want 206 with bytes %d..%d", c.rng, status, len(body), c.start, c.end-1)
			}
			for _, h := range []http.Header{
				nil,
				{"Range": {"bytes=0-"}},
				{"Range": {"bytes=0-99999"}},
				{"Range": {c.rng + ",0-0"}},
			} {
				status, body := do(t, http.MethodGet, u, nil, h)
				if status != http.StatusForbidden || len(body) >= c.end-c.start && bytes.Contains(body, data[c.start:c.start+64]) {
					t.Errorf("URL signed for %s, GET with Range %q: %d, %d bytes, want 403", c.rng, h.Get("Range"), status, len(body))
				}
			}
			status, body = do(t, http.MethodGet, u, nil, http.Header{"Range": {c.rng}, "If-Range": {`"not-the-etag"`}})
			if status == http.StatusOK || len(body) > c.end-c.start {
				t.Errorf("URL signed for %s, GET with a stale If-Range: %d, %d bytes: served more than the range", c.rng, status, len(body))
			}
		}
		for _, bad := range []string{"bytes=0-1,5-6", "bytes=5-1", "bytes=x-", "items=1-", "bytes=-"} {
			if _, err := blob.SignedGetURL(ctx, b, key, time.Minute, blob.GetOptions{Range: bad}); err == nil {
				t.Errorf("SignedGetURL signed the range %q", bad)
			}
		}
	})

	t.Run("SignedGetFilename", func(t *testing.T) {
		// The download's file name is under the signature: the URL saves
		// the file under it, and the same URL with the name changed or
		// removed, or with a parameter added, is refused.
		b, _ := open(t)
		const key = "named/copy.pdf"
		data := Bytes(240, 5000)
		mustWrite(t, b, key, data, "application/pdf")
		const name = "京检刑诉〔2026〕1号-阅卷-张律师.pdf"
		u, err := blob.SignedGetURL(ctx, b, key, time.Minute, blob.GetOptions{Filename: name})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cd := resp.Header.Get("Content-Disposition")
		if resp.StatusCode != http.StatusOK || !bytes.Equal(got, data) || !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, url.PathEscape(name)) {
			t.Fatalf("signed GET with a name: %d, Content-Disposition %q, want 200, attachment saved as %s", resp.StatusCode, cd, name)
		}
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		param := ""
		for k := range pu.Query() {
			if k == "filename" || k == "response-content-disposition" {
				param = k
			}
		}
		if param == "" {
			t.Fatalf("signed URL %s carries no file name parameter", u)
		}
		for _, c := range []struct {
			what   string
			change func(q url.Values)
		}{
			{"renamed to evil.html", func(q url.Values) {
				// The name as it stands in the parameter: plain locally,
				// inside the Content-Disposition value on S3.
				v := q.Get(param)
				q.Set(param, strings.Replace(strings.Replace(v, url.PathEscape(name), "evil.html", 1), name, "evil.html", 1))
			}},
			{"name removed", func(q url.Values) { q.Del(param) }},
			{"inline", func(q url.Values) { q.Set(param, "inline") }},
			{"a content type added", func(q url.Values) { q.Set("response-content-type", "text/html") }},
		} {
			q := pu.Query()
			c.change(q)
			tampered := *pu
			tampered.RawQuery = q.Encode()
			status, body := do(t, http.MethodGet, tampered.String(), nil, nil)
			if status != http.StatusForbidden || bytes.Contains(body, data[:64]) {
				t.Errorf("signed GET URL with the %s: %d, want 403", c.what, status)
			}
		}
	})

	t.Run("SignedPutSize", func(t *testing.T) {
		// An upload URL accepts exactly the size it was signed for: a body
		// one byte longer or shorter, a much bigger one, an empty one and
		// one without a Content-Length are refused and store nothing.
		b, base := open(t)
		const key = "size/第2卷 讯问笔录.pdf"
		data := Bytes(600, 64*1024)
		u := mustSignPut(t, b, base, key, len(data), time.Minute)
		bigger := append(append([]byte{}, data...), '!')
		for _, c := range []struct {
			name string
			body []byte
		}{
			{"one byte longer", bigger},
			{"one byte shorter", data[:len(data)-1]},
			{"16 times the size", bytes.Repeat(data, 16)},
			{"empty", []byte{}},
		} {
			refused(t, fmt.Sprintf("PUT of %d bytes (%s) to a URL signed for %d", len(c.body), c.name, len(data)), u, c.body, false)
			assertAbsent(t, b, key, "after a PUT of "+c.name)
		}
		// The right number of bytes, but chunked: no Content-Length to check.
		const small = "size/small.pdf"
		us := mustSignPut(t, b, base, small, 100, time.Minute)
		refused(t, "chunked PUT without a Content-Length", us, data[:100], true)
		assertAbsent(t, b, small, "after a chunked PUT")
		// The declared size goes through, and a later wrong-sized PUT to
		// the same URL leaves it as it was.
		if status, body := do(t, http.MethodPut, u, data, nil); status != http.StatusOK {
			t.Fatalf("PUT of the signed size: %d %s", status, body)
		}
		assertContent(t, b, key, data)
		refused(t, "wrong-sized PUT over an uploaded object", u, bigger, false)
		assertContent(t, b, key, data)
		// Unsized PUT URLs are not issued at all.
		if _, err := blob.SignedURL(ctx, b, key, http.MethodPut, time.Minute); err == nil {
			t.Error("SignedURL signed an unsized PUT")
		}
		for _, n := range []int64{0, -1} {
			if _, err := blob.SignedPutURL(ctx, b, key, n, time.Minute); err == nil {
				t.Errorf("SignedPutURL signed a PUT of %d bytes", n)
			}
		}
	})

	t.Run("SignedGet", func(t *testing.T) {
		b, base := open(t)
		key := "download/卷宗.pdf"
		data := Bytes(300, 2*mib+3)
		mustWrite(t, b, key, data, "application/pdf")
		u := mustSign(t, b, base, key, http.MethodGet, time.Minute)
		status, body := do(t, http.MethodGet, u, nil, nil)
		if status != http.StatusOK || !bytes.Equal(body, data) {
			t.Fatalf("signed GET: %d, %d bytes (want %d)", status, len(body), len(data))
		}
		// PDF viewers read ranges.
		status, body = do(t, http.MethodGet, u, nil, http.Header{"Range": {"bytes=1000-1999"}})
		if status != http.StatusPartialContent || !bytes.Equal(body, data[1000:2000]) {
			t.Errorf("ranged signed GET: %d, %d bytes", status, len(body))
		}
		// A URL for a key that does not exist (yet) is 404, not 403.
		u = mustSign(t, b, base, "download/none.pdf", http.MethodGet, time.Minute)
		if status, _ := do(t, http.MethodGet, u, nil, nil); status != http.StatusNotFound {
			t.Errorf("signed GET of a missing key: %d, want 404", status)
		}
	})

	t.Run("SignedURLScope", func(t *testing.T) {
		b, base := open(t)
		// Same length, so the tampered URL is well formed.
		const signedKey, otherKey = "scope/AAAAAAAA.pdf", "scope/BBBBBBBB.pdf"
		secret, mine := Bytes(401, 3000), Bytes(402, 3000)
		mustWrite(t, b, signedKey, mine, "application/pdf")
		mustWrite(t, b, otherKey, secret, "application/pdf")
		tamper := func(u string) string {
			if !strings.Contains(u, "AAAAAAAA") {
				t.Fatalf("signed URL does not show the key: %s", u)
			}
			return strings.Replace(u, "AAAAAAAA", "BBBBBBBB", 1)
		}

		get := mustSign(t, b, base, signedKey, http.MethodGet, time.Minute)
		if status, body := do(t, http.MethodGet, get, nil, nil); status != http.StatusOK || !bytes.Equal(body, mine) {
			t.Fatalf("untampered GET: %d", status)
		}
		status, body := do(t, http.MethodGet, tamper(get), nil, nil)
		if status != http.StatusForbidden || bytes.Contains(body, secret[:64]) {
			t.Errorf("GET URL signed for %s, opened for %s: %d, want 403", signedKey, otherKey, status)
		}

		put := mustSignPut(t, b, base, signedKey, len("overwritten"), time.Minute)
		if status, _ := do(t, http.MethodPut, tamper(put), []byte("overwritten"), nil); status != http.StatusForbidden {
			t.Errorf("PUT URL signed for %s, used for %s: %d, want 403", signedKey, otherKey, status)
		}
		assertContent(t, b, otherKey, secret)

		// The method is part of the signature.
		if status, _ := do(t, http.MethodPut, get, []byte("overwritten"), nil); status != http.StatusForbidden {
			t.Errorf("PUT to a URL signed for GET: %d, want 403", status)
		}
		assertContent(t, b, signedKey, mine)
		if status, body := do(t, http.MethodGet, put, nil, nil); status != http.StatusForbidden || bytes.Equal(body, mine) {
			t.Errorf("GET of a URL signed for PUT: %d, want 403", status)
		}
	})

	t.Run("Compose", func(t *testing.T) {
		b, _ := open(t)
		small := Bytes(500, 300*1024)
		large := Bytes(501, 12*mib)
		mustWrite(t, b, "compose/small.pdf", small, "application/pdf")
		mustWrite(t, b, "compose/基础卷宗.pdf", large, "application/pdf")
		tail := Bytes(502, 4321)
		cases := []struct {
			name, src, dst string
			prefix         int64
			tail           []byte
			data           []byte
		}{
			{"small prefix", "compose/small.pdf", "compose/out/small.pdf", 200 * 1024, tail, small},
			{"whole small source", "compose/small.pdf", "compose/out/whole.pdf", int64(len(small)), tail, small},
			{"empty prefix", "compose/small.pdf", "compose/out/tail-only.pdf", 0, tail, small},
			{"small, empty tail", "compose/small.pdf", "compose/out/prefix-only.pdf", 1000, nil, small},
			{"prefix over 5 MiB", "compose/基础卷宗.pdf", "compose/律师/张律师-13301234567.pdf", 6 * mib, tail, large},
			{"unaligned prefix over 5 MiB", "compose/基础卷宗.pdf", "compose/out/odd.pdf", 6*mib + 12345, tail, large},
			{"whole large source", "compose/基础卷宗.pdf", "compose/out/whole-large.pdf", 12 * mib, tail, large},
			{"large, empty tail", "compose/基础卷宗.pdf", "compose/out/large-no-tail.pdf", 6 * mib, nil, large},
		}
		for _, c := range cases {
			start := time.Now()
			if err := blob.Compose(ctx, b, c.dst, c.src, c.prefix, c.tail); err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			want := append(append([]byte{}, c.data[:c.prefix]...), c.tail...)
			assertContent(t, b, c.dst, want)
			a, err := b.Attributes(ctx, c.dst)
			if err != nil {
				t.Fatal(err)
			}
			if a.ContentType != "application/pdf" {
				t.Errorf("%s: Content-Type %q, want the source's application/pdf", c.name, a.ContentType)
			}
			t.Logf("%s: %d+%d bytes in %v", c.name, c.prefix, len(c.tail), time.Since(start).Round(time.Millisecond))
		}
		assertContent(t, b, "compose/small.pdf", small)
		assertContent(t, b, "compose/基础卷宗.pdf", large)

		// Compose replaces an existing object.
		if err := blob.Compose(ctx, b, "compose/out/small.pdf", "compose/基础卷宗.pdf", 6*mib, []byte("v2")); err != nil {
			t.Fatal(err)
		}
		assertContent(t, b, "compose/out/small.pdf", append(append([]byte{}, large[:6*mib]...), "v2"...))

		// Failures leave nothing, and leave an existing destination alone.
		if err := blob.Compose(ctx, b, "compose/out/missing.pdf", "compose/none.pdf", 10, tail); !blob.IsNotFound(err) {
			t.Errorf("missing source: %v, want NotFound", err)
		}
		assertAbsent(t, b, "compose/out/missing.pdf", "after a failed Compose")
		for _, prefix := range []int64{int64(len(small)) + 1, 12*mib + 1} {
			if err := blob.Compose(ctx, b, "compose/out/too-long.pdf", "compose/small.pdf", prefix, tail); !errors.Is(err, blob.ErrPrefixTooLong) {
				t.Errorf("prefix %d longer than the source: %v, want ErrPrefixTooLong", prefix, err)
			}
		}
		assertAbsent(t, b, "compose/out/too-long.pdf", "after a failed Compose")
		if err := blob.Compose(ctx, b, "compose/out/whole.pdf", "compose/基础卷宗.pdf", 13*mib, tail); !errors.Is(err, blob.ErrPrefixTooLong) {
			t.Errorf("prefix longer than the source: %v", err)
		}
		assertContent(t, b, "compose/out/whole.pdf", append(append([]byte{}, small...), tail...))
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		for _, prefix := range []int64{100, 6 * mib} {
			if err := blob.Compose(cctx, b, "compose/out/cancelled.pdf", "compose/基础卷宗.pdf", prefix, tail); err == nil {
				t.Errorf("Compose with a cancelled context (prefix %d) succeeded", prefix)
			}
		}
		assertAbsent(t, b, "compose/out/cancelled.pdf", "after a cancelled Compose")
		if err := blob.Compose(ctx, b, "compose/small.pdf", "compose/small.pdf", 10, tail); err == nil {
			t.Error("Compose onto its own source succeeded")
		}
		assertContent(t, b, "compose/small.pdf", small)
	})

	t.Run("ExpiredSignedURL", func(t *testing.T) {
		// 1 s is the shortest expiry S3 signs; the local signer counts whole
		// seconds, so a 1 s URL is dead at most 2 s after signing.
		if d := time.Until(signedAt.Add(2200 * time.Millisecond)); d > 0 {
			time.Sleep(d)
		}
		if status, body := do(t, http.MethodGet, shortGet, nil, nil); status != http.StatusForbidden || bytes.Equal(body, expData) {
			t.Errorf("expired GET URL: %d, want 403", status)
		}
		if status, _ := do(t, http.MethodPut, shortPut, []byte("late"), nil); status != http.StatusForbidden {
			t.Errorf("expired PUT URL: %d, want 403", status)
		}
		assertContent(t, expB, expKey, expData)
		// The same key signed at the same moment for longer still opens.
		if status, body := do(t, http.MethodGet, longGet, nil, nil); status != http.StatusOK || !bytes.Equal(body, expData) {
			t.Errorf("unexpired GET URL: %d", status)
		}
	})
}

// Bytes returns n pseudo-random bytes determined by seed.
func Bytes(seed uint64, n int) []byte {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(s).Read(b)
	return b
}

func mustWrite(t *testing.T, b *blob.Bucket, key string, data []byte, contentType string) {
	t.Helper()
	if err := b.WriteAll(context.Background(), key, data, &blob.WriterOptions{ContentType: contentType}); err != nil {
		t.Fatalf("write %s: %v", key, err)
	}
}

func mustSign(t *testing.T, b *blob.Bucket, base, key, method string, ttl time.Duration) string {
	t.Helper()
	u, err := blob.SignedURL(context.Background(), b, key, method, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, base) {
		t.Fatalf("signed URL %s is not under %s", u, base)
	}
	return u
}

func mustSignPut(t *testing.T, b *blob.Bucket, base, key string, size int, ttl time.Duration) string {
	t.Helper()
	u, err := blob.SignedPutURL(context.Background(), b, key, int64(size), ttl)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, base) {
		t.Fatalf("signed URL %s is not under %s", u, base)
	}
	return u
}

func assertContent(t *testing.T, b *blob.Bucket, key string, want []byte) {
	t.Helper()
	got, err := b.ReadAll(context.Background(), key)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: got %d bytes, want %d; first difference at byte %d", key, len(got), len(want), i)
	}
}

func assertAbsent(t *testing.T, b *blob.Bucket, key, when string) {
	t.Helper()
	ctx := context.Background()
	if ok, err := b.Exists(ctx, key); ok || err != nil {
		t.Errorf("%s %s: Exists = %v, %v", key, when, ok, err)
	}
	if r, err := b.NewReader(ctx, key, nil); !blob.IsNotFound(err) {
		if r != nil {
			r.Close()
		}
		t.Errorf("%s %s: NewReader = %v, want NotFound", key, when, err)
	}
}

func list(t *testing.T, b *blob.Bucket, opts *blob.ListOptions) []string {
	t.Helper()
	var keys []string
	it := b.List(opts)
	for {
		o, err := it.Next(context.Background())
		if err == io.EOF {
			return keys
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, o.Key)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var client = &http.Client{Timeout: time.Minute}

// do sends a plain request: only the headers given, and Go's own
// (Host, User-Agent, Content-Length, Accept-Encoding), and for a PUT
// blob.PutHeaders.
func do(t *testing.T, method, u string, body []byte, h http.Header) (int, []byte) {
	t.Helper()
	status, got, err := send(method, u, body, h, false)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	return status, got
}

// send makes one request; chunked sends body with no Content-Length
// (Transfer-Encoding: chunked).
func send(method, u string, body []byte, h http.Header, chunked bool) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
		if chunked {
			r = io.MultiReader(r) // hides the length from net/http
		}
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		return 0, nil, err
	}
	if chunked {
		req.ContentLength = -1
	}
	if method == http.MethodPut {
		// What every client of an upload URL sends (blob.PutHeaders).
		for k, v := range blob.PutHeaders() {
			req.Header[k] = v
		}
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	return resp.StatusCode, got, err
}

// refused checks that a PUT was refused: a 4xx answer, or the server
// answering and closing the connection before the client finished sending
// the body (S3 servers may refuse a bad upload before reading all of it; the
// client then sees a broken pipe or a reset instead of the answer).
func refused(t *testing.T, what string, u string, body []byte, chunked bool) {
	t.Helper()
	status, got, err := send(http.MethodPut, u, body, nil, chunked)
	if err != nil {
		if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
			return
		}
		t.Errorf("%s: %v, want a 4xx refusal", what, err)
		return
	}
	if status < 400 || status > 499 {
		t.Errorf("%s: %d %s, want a 4xx refusal", what, status, got)
	}
}
