package audit

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Anchors
//
// The hash chain alone proves that no record was changed in the middle, but
// whoever can write the table can rewrite the chain from some point on, or
// cut its newest records off and move the head hint back. An anchor closes
// that gap: periodically the chain head {seq, hash, time} is signed with a
// key that only the anchoring job holds (Ed25519, with a kid) and written
// where the table's writers cannot change it — on AWS an S3 bucket with Object
// Lock, locally a separate append-only file. Verify then checks every anchor's
// signature, that the record at anchor.seq still has anchor.hash, and that the
// chain still reaches the last anchor.

// Anchor is a signed statement that the chain reached Seq, whose record has
// Hash, at Time.
type Anchor struct {
	Seq   int64     `json:"seq"`
	Hash  string    `json:"hash"`
	Time  time.Time `json:"time"`
	KeyID string    `json:"kid"`
	Sig   string    `json:"sig"` // base64url (no padding) Ed25519 signature of signedBytes
	// Where names the anchor in its store (a file line or an object key)
	// for reports; it is not part of the anchor.
	Where string `json:"-"`
}

// signedBytes is what the signature covers: a domain-separated, line-based
// encoding with UTC time at nanosecond precision.
func (a Anchor) signedBytes() []byte {
	return fmt.Appendf(nil, "yuejuan-audit-anchor-v1\nseq=%d\nhash=%s\ntime=%s\nkid=%s\n",
		a.Seq, a.Hash, a.Time.UTC().Format(time.RFC3339Nano), a.KeyID)
}

// KeyID derives a stable key id from a public key (the same derivation as
// the login and link keys use).
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

// SignAnchor returns the anchor of head seq/hash at time at, signed by key.
func SignAnchor(key ed25519.PrivateKey, seq int64, hash string, at time.Time) Anchor {
	a := Anchor{Seq: seq, Hash: hash, Time: at.UTC(), KeyID: KeyID(key.Public().(ed25519.PublicKey))}
	a.Sig = base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, a.signedBytes()))
	return a
}

// CheckSignature verifies a's signature with the key its kid names among
// keys.
func (a Anchor) CheckSignature(keys map[string]ed25519.PublicKey) error {
	pub, ok := keys[a.KeyID]
	if !ok {
		return fmt.Errorf("signed with unknown key id %q", a.KeyID)
	}
	sig, err := base64.RawURLEncoding.DecodeString(a.Sig)
	if err != nil || !ed25519.Verify(pub, a.signedBytes(), sig) {
		return errors.New("signature does not verify (the anchor was altered or forged)")
	}
	return nil
}

func (a Anchor) name() string {
	if a.Where != "" {
		return a.Where
	}
	return "anchor of seq " + strconv.FormatInt(a.Seq, 10)
}

// Anchors is where anchors are kept: a store whose past cannot be changed by
// those who write the audit table.
type Anchors interface {
	// Append durably adds an anchor; it never changes or removes others.
	Append(ctx context.Context, a Anchor) error
	// List returns every anchor in ascending seq order. An entry that
	// cannot be read is reported as a *BadAnchorError.
	List(ctx context.Context) ([]Anchor, error)
	// Last returns the anchor with the highest seq; ok is false if none.
	Last(ctx context.Context) (a Anchor, ok bool, err error)
}

// BadAnchorError reports an anchor store entry that cannot be decoded.
type BadAnchorError struct {
	Where string
	Err   error
}

func (e *BadAnchorError) Error() string { return "audit: anchor " + e.Where + ": " + e.Err.Error() }
func (e *BadAnchorError) Unwrap() error { return e.Err }

// ErrBroken is wrapped by Anchor when the records written since the last
// anchor do not extend it: the log was tampered with and must not be signed.
var ErrBroken = errors.New("audit: chain broken")

// Anchor signs the chain's current head with key and appends it to
// l.Anchors. An unchanged head (the one last anchored) writes nothing and
// returns the last anchor with wrote=false. Before signing, it checks that
// the records since the last anchor extend it — that the record at the
// anchored seq still has the anchored hash and that every later record links
// to it — so a rewritten chain is never blessed; it returns an error wrapping
// ErrBroken then.
func (l *Log) Anchor(ctx context.Context, key ed25519.PrivateKey) (a Anchor, wrote bool, err error) {
	if l.Anchors == nil {
		return a, false, errors.New("audit: anchor: no anchor store configured")
	}
	if len(key) != ed25519.PrivateKeySize {
		return a, false, errors.New("audit: anchor: no signing key")
	}
	l.anchorMu.Lock()
	defer l.anchorMu.Unlock()
	last, ok := l.lastAnchor, l.lastAnchor.Seq > 0
	if !ok {
		if last, ok, err = l.Anchors.Last(ctx); err != nil {
			return a, false, fmt.Errorf("audit: anchor: read last anchor: %w", err)
		}
	}
	// The head hint may lag behind the records (a writer died before moving
	// it) but never runs ahead of them: read it before the records.
	var hint head
	switch it, err := l.T.Get(ctx, pk, headSK); {
	case err == nil:
		if err := json.Unmarshal(it.Data, &hint); err != nil {
			return a, false, fmt.Errorf("%w: the head hint cannot be decoded: %v", ErrBroken, err)
		}
	case !errors.Is(err, store.ErrNotFound):
		return a, false, fmt.Errorf("audit: anchor: read head: %w", err)
	}
	from, prev := int64(1), ""
	if ok {
		it, err := l.T.Get(ctx, pk, seqSK(last.Seq))
		if err != nil {
			return a, false, fmt.Errorf("%w: record seq %d, anchored at %s, cannot be read (records were removed?): %w", ErrBroken, last.Seq, last.Time.Format(time.RFC3339), err)
		}
		var e Event
		if err := json.Unmarshal(it.Data, &e); err != nil || e.Seq != last.Seq || e.Hash != last.Hash || e.ComputeHash() != e.Hash {
			return a, false, fmt.Errorf("%w: record seq %d no longer matches the anchor signed at %s", ErrBroken, last.Seq, last.Time.Format(time.RFC3339))
		}
		from, prev = last.Seq+1, last.Hash
	}
	tip := head{Seq: from - 1, Hash: prev}
	err = l.scan(ctx, from, func(sk string, e Event, derr error) bool {
		want := tip.Seq + 1
		switch {
		case derr != nil:
			err = fmt.Errorf("%w: record seq %d cannot be decoded: %v", ErrBroken, want, derr)
		case sk != seqSK(want) || e.Seq != want:
			err = fmt.Errorf("%w: expected record seq %d, found %s", ErrBroken, want, sk)
		case e.PrevHash != tip.Hash:
			err = fmt.Errorf("%w: record seq %d does not link to seq %d", ErrBroken, want, want-1)
		case e.ComputeHash() != e.Hash:
			err = fmt.Errorf("%w: record seq %d was altered", ErrBroken, want)
		default:
			tip = head{Seq: e.Seq, Hash: e.Hash}
			return true
		}
		return false
	})
	if err != nil {
		return a, false, err
	}
	if hint.Seq > tip.Seq {
		return a, false, fmt.Errorf("%w: the head says the log reaches seq %d, but the last record is seq %d (records were removed)", ErrBroken, hint.Seq, tip.Seq)
	}
	if hint.Seq == tip.Seq && hint.Hash != tip.Hash {
		return a, false, fmt.Errorf("%w: record seq %d does not have the hash the head recorded", ErrBroken, tip.Seq)
	}
	if tip.Seq == 0 || (ok && tip.Seq == last.Seq) {
		if ok {
			l.lastAnchor = last
		}
		return last, false, nil
	}
	a = SignAnchor(key, tip.Seq, tip.Hash, l.now())
	if err := l.Anchors.Append(ctx, a); err != nil {
		return a, false, fmt.Errorf("audit: anchor: %w", err)
	}
	l.lastAnchor = a
	return a, true, nil
}

// scan calls fn with every stored record from seq from on, in sort-key
// order, until fn returns false. A record that does not decode is passed
// with its decoding error.
func (l *Log) scan(ctx context.Context, from int64, fn func(sk string, e Event, derr error) bool) error {
	q := store.Query{PK: pk, SKFrom: seqSK(from), SKTo: seqSK(1<<53 - 1), Limit: 1000}
	for {
		p, err := l.T.Query(ctx, q)
		if err != nil {
			return fmt.Errorf("audit: read records: %w", err)
		}
		for _, it := range p.Items {
			var e Event
			derr := json.Unmarshal(it.Data, &e)
			if !fn(it.SK, e, derr) {
				return nil
			}
		}
		if p.Next == "" {
			return nil
		}
		q.Cursor = p.Next
	}
}

// FileAnchors keeps anchors locally, one JSON line each, in a file opened
// for appending only and synced after every anchor. Keep it apart from the
// database (and, where the file system allows, mark it append-only:
// chattr +a) so that whoever can rewrite the table cannot rewrite it too.
type FileAnchors struct {
	Path string
	mu   sync.Mutex
}

// Append writes a as one line and syncs the file.
func (f *FileAnchors) Append(_ context.Context, a Anchor) error {
	line, err := json.Marshal(a)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	f.mu.Lock()
	defer f.mu.Unlock()
	dir := filepath.Dir(f.Path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("anchor file: %w", err)
	}
	_, statErr := os.Stat(f.Path)
	fh, err := os.OpenFile(f.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("anchor file: %w", err)
	}
	// One write call: with O_APPEND the line lands whole at the end even if
	// another process appends too.
	if _, err := fh.Write(line); err != nil {
		fh.Close()
		return fmt.Errorf("anchor file: write: %w", err)
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return fmt.Errorf("anchor file: sync: %w", err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("anchor file: %w", err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		// A new file: make its directory entry durable too.
		if d, err := os.Open(dir); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return nil
}

// List reads every anchor, in ascending seq order.
func (f *FileAnchors) List(_ context.Context) ([]Anchor, error) {
	fh, err := os.Open(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("anchor file: %w", err)
	}
	defer fh.Close()
	var out []Anchor
	rd := bufio.NewReader(fh)
	base := filepath.Base(f.Path)
	for n := 1; ; n++ {
		line, err := rd.ReadBytes('\n')
		if len(line) > 0 {
			where := fmt.Sprintf("%s line %d", base, n)
			if line[len(line)-1] != '\n' {
				return out, &BadAnchorError{Where: where, Err: errors.New("incomplete last line")}
			}
			a, derr := decodeAnchor(line)
			if derr != nil {
				return out, &BadAnchorError{Where: where, Err: derr}
			}
			a.Where = where
			out = append(out, a)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, fmt.Errorf("anchor file: %w", err)
		}
	}
	slices.SortStableFunc(out, func(x, y Anchor) int { return cmp.Compare(x.Seq, y.Seq) })
	return out, nil
}

// Last returns the anchor with the highest seq.
func (f *FileAnchors) Last(ctx context.Context) (Anchor, bool, error) {
	all, err := f.List(ctx)
	if err != nil || len(all) == 0 {
		return Anchor{}, false, err
	}
	return all[len(all)-1], true, nil
}

func decodeAnchor(b []byte) (Anchor, error) {
	var a Anchor
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return a, fmt.Errorf("cannot be decoded: %w", err)
	}
	if a.Seq <= 0 || a.Hash == "" || a.Sig == "" {
		return a, errors.New("is incomplete (no seq, hash or signature)")
	}
	return a, nil
}

// BlobAnchors keeps anchors as one object each, <Prefix><seq>.json (seq
// zero-padded to 15 digits so that names sort in seq order), in a bucket.
// On AWS the bucket has S3 Object Lock with a default retention in
// compliance mode, so no one — not even the account root — can delete or
// overwrite an anchor while it is retained. Objects are written with
// If-None-Match, never replaced.
type BlobAnchors struct {
	Bucket *blob.Bucket
	Prefix string // default "anchors/"
}

func (b *BlobAnchors) prefix() string {
	if b.Prefix == "" {
		return "anchors/"
	}
	return b.Prefix
}

func (b *BlobAnchors) key(seq int64) string { return fmt.Sprintf("%s%015d.json", b.prefix(), seq) }

// Append writes a as a new object. If a concurrent anchorer already wrote
// the same head, that is success; a different anchor under the same seq is
// an error.
func (b *BlobAnchors) Append(ctx context.Context, a Anchor) error {
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	k := b.key(a.Seq)
	err = b.Bucket.WriteAll(ctx, k, data, &blob.WriterOptions{ContentType: "application/json", IfNotExist: true})
	if blob.Code(err) == blob.AlreadyExists {
		old, rerr := b.read(ctx, k)
		if rerr != nil {
			return fmt.Errorf("anchor %s exists and cannot be read: %w", k, rerr)
		}
		if old.Hash == a.Hash {
			return nil
		}
		return fmt.Errorf("anchor %s already exists with another hash (%s): the chain forked", k, old.Hash)
	}
	if err != nil {
		return fmt.Errorf("anchor %s: %w", k, err)
	}
	return nil
}

func (b *BlobAnchors) read(ctx context.Context, k string) (Anchor, error) {
	data, err := b.Bucket.ReadAll(ctx, k)
	if err != nil {
		return Anchor{}, err
	}
	a, err := decodeAnchor(data)
	if err != nil {
		return a, &BadAnchorError{Where: k, Err: err}
	}
	if k != b.key(a.Seq) {
		return a, &BadAnchorError{Where: k, Err: fmt.Errorf("holds the anchor of seq %d", a.Seq)}
	}
	a.Where = k
	return a, nil
}

func (b *BlobAnchors) keys(ctx context.Context) ([]string, error) {
	var out []string
	it := b.Bucket.List(&blob.ListOptions{Prefix: b.prefix()})
	for {
		o, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list anchors: %w", err)
		}
		if o.IsDir || !strings.HasSuffix(o.Key, ".json") {
			continue
		}
		out = append(out, o.Key)
	}
	slices.Sort(out)
	return out, nil
}

// List reads every anchor, in ascending seq order.
func (b *BlobAnchors) List(ctx context.Context) ([]Anchor, error) {
	ks, err := b.keys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Anchor, 0, len(ks))
	for _, k := range ks {
		a, err := b.read(ctx, k)
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Last returns the anchor with the highest seq.
func (b *BlobAnchors) Last(ctx context.Context) (Anchor, bool, error) {
	ks, err := b.keys(ctx)
	if err != nil || len(ks) == 0 {
		return Anchor{}, false, err
	}
	a, err := b.read(ctx, ks[len(ks)-1])
	return a, err == nil, err
}
