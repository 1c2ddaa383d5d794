package link

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

const (
	issuer   = "https://yuejuan.test"
	lawyerNo = "13101201710123456"
)

func keySet(t *testing.T) *auth.KeySet {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return auth.NewKeySet(priv)
}

func testLink(now time.Time) *Link {
	return &Link{
		ID: "01jmlink", ApplicationID: "01jmapp", CaseID: "01jmcase", Lawyer: lawyerNo,
		CopyKey: "copies/01jmapp.pdf", Filename: "卷宗.pdf",
		CreatedAt: now, ExpiresAt: now.Add(72 * time.Hour), MaxDownloads: 3,
	}
}

func TestSignerRoundTrip(t *testing.T) {
	s := &Signer{Keys: keySet(t), Issuer: issuer}
	l := testLink(time.Now())
	raw, err := s.Token(l)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Parse(raw)
	if err != nil {
		t.Fatalf("Parse of a fresh token: %v", err)
	}
	if c.ID != l.ID || c.ApplicationID != l.ApplicationID || c.Subject != l.Lawyer {
		t.Errorf("claims = link %q app %q lawyer %q, want %q %q %q", c.ID, c.ApplicationID, c.Subject, l.ID, l.ApplicationID, l.Lawyer)
	}
	if !c.ExpiresAt.Time.Equal(l.ExpiresAt.Truncate(time.Second)) {
		t.Errorf("token expires %v, link %v", c.ExpiresAt.Time, l.ExpiresAt)
	}
}

func TestSignerRefuses(t *testing.T) {
	keys := keySet(t)
	s := &Signer{Keys: keys, Issuer: issuer}
	now := time.Now()
	token := func(t *testing.T, s *Signer, l *Link) string {
		t.Helper()
		raw, err := s.Token(l)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	editPayload := func(t *testing.T, raw string, edit func(map[string]any)) string {
		t.Helper()
		parts := strings.Split(raw, ".")
		body, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		body, _ = json.Marshal(m)
		parts[1] = base64.RawURLEncoding.EncodeToString(body)
		return strings.Join(parts, ".")
	}
	tests := []struct {
		name string
		raw  func(t *testing.T) string
		want error
	}{
		{"expired", func(t *testing.T) string {
			l := testLink(now.Add(-80 * time.Hour)) // expired 8 hours ago
			return token(t, s, l)
		}, ErrExpired},
		{"issued by another service", func(t *testing.T) string {
			return token(t, &Signer{Keys: keys, Issuer: "https://other.test"}, testLink(now))
		}, ErrForeign},
		{"signed by a key we do not know", func(t *testing.T) string {
			return token(t, &Signer{Keys: keySet(t), Issuer: issuer}, testLink(now))
		}, ErrForeign},
		{"a login token (audience yuejuan)", func(t *testing.T) string {
			a := &auth.Authority{Keys: keys, Issuer: issuer, Audience: "yuejuan"}
			raw, err := a.Issue(auth.Identity{Subject: lawyerNo, Name: "张律师", Role: auth.Lawyer}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}, ErrForeign},
		{"payload tampered: another application", func(t *testing.T) string {
			return editPayload(t, token(t, s, testLink(now)), func(m map[string]any) { m["app"] = "01jmother" })
		}, ErrTampered},
		{"payload tampered: expiry extended", func(t *testing.T) string {
			l := testLink(now.Add(-80 * time.Hour))
			return editPayload(t, token(t, s, l), func(m map[string]any) { m["exp"] = now.Add(time.Hour).Unix() })
		}, ErrTampered},
		{"signature tampered", func(t *testing.T) string {
			parts := strings.Split(token(t, s, testLink(now)), ".")
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			sig[10] ^= 0x80
			parts[2] = base64.RawURLEncoding.EncodeToString(sig)
			return strings.Join(parts, ".")
		}, ErrTampered},
		{"truncated", func(t *testing.T) string {
			raw := token(t, s, testLink(now))
			return raw[:len(raw)-5]
		}, ErrTampered},
		{"garbage", func(*testing.T) string { return "not-a-token" }, ErrTampered},
		{"validly signed but without an application", func(t *testing.T) string {
			l := testLink(now)
			l.ApplicationID = ""
			return token(t, s, l)
		}, ErrTampered},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := s.Parse(tc.raw(t))
			if !errors.Is(err, tc.want) {
				t.Errorf("Parse = %+v, %v; want %v", c, err, tc.want)
			}
			// Only an expired token, whose signature was good, yields
			// its claims with the error (for the audit record).
			if tc.want == ErrExpired {
				if c == nil || c.ID != "01jmlink" || c.Subject != lawyerNo {
					t.Errorf("Parse of an expired token returned claims %+v, want the link's", c)
				}
			} else if c != nil {
				t.Errorf("Parse returned claims %+v with its error", c)
			}
		})
	}
}

func TestDownloadTokenIsNotALogin(t *testing.T) {
	keys := keySet(t)
	s := &Signer{Keys: keys, Issuer: issuer}
	raw, err := s.Token(testLink(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	a := &auth.Authority{Keys: keys, Issuer: issuer, Audience: "yuejuan"}
	if id, err := a.Verify(t.Context(), raw); err == nil {
		t.Errorf("a download token logged in as %+v", id)
	}
}

func newRepo(t *testing.T, now *time.Time) *Repo {
	t.Helper()
	tb, err := sqlitestore.Open(filepath.Join(t.TempDir(), "link.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Close() })
	r := &Repo{T: tb}
	if now != nil {
		r.Now = func() time.Time { return *now }
	}
	return r
}

func TestRepoConsume(t *testing.T) {
	now := time.Now().UTC()
	r := newRepo(t, &now)
	l := testLink(now)
	l.ID = ""
	if err := r.Create(t.Context(), l); err != nil {
		t.Fatal(err)
	}
	if l.ID == "" || l.CreatedAt.IsZero() {
		t.Fatalf("Create did not fill ID and CreatedAt: %+v", l)
	}
	if got, err := r.Check(t.Context(), l.ID); err != nil || got.Left() != 3 {
		t.Fatalf("Check = %+v, %v; want 3 downloads left", got, err)
	}
	if got, _ := r.Check(t.Context(), l.ID); got.Left() != 3 {
		t.Error("Check used a download (a HEAD request or prefetch must not)")
	}
	for want := 2; want >= 0; want-- {
		got, err := r.Consume(t.Context(), l.ID)
		if err != nil {
			t.Fatalf("download %d: %v", 3-want, err)
		}
		if got.Left() != want {
			t.Errorf("after download %d: %d left, want %d", 3-want, got.Left(), want)
		}
	}
	for range 2 {
		if _, err := r.Consume(t.Context(), l.ID); !errors.Is(err, ErrExhausted) {
			t.Errorf("fourth download: %v, want ErrExhausted", err)
		}
	}
	if _, err := r.Check(t.Context(), l.ID); !errors.Is(err, ErrExhausted) {
		t.Errorf("Check after the limit: %v, want ErrExhausted", err)
	}
	if got, _ := r.Get(t.Context(), l.ID); got.Used != 3 {
		t.Errorf("refused downloads were counted: used = %d, want 3", got.Used)
	}
}

func TestRepoRefusals(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, r *Repo, now *time.Time, id string)
		want  error
	}{
		{"revoked", func(t *testing.T, r *Repo, _ *time.Time, id string) {
			if err := r.Revoke(t.Context(), id); err != nil {
				t.Fatal(err)
			}
		}, ErrRevoked},
		{"expired", func(t *testing.T, _ *Repo, now *time.Time, _ string) {
			*now = now.Add(72 * time.Hour)
		}, ErrExpired},
		{"revoked beats unused downloads and time left", func(t *testing.T, r *Repo, now *time.Time, id string) {
			*now = now.Add(time.Hour)
			if err := r.Revoke(t.Context(), id); err != nil {
				t.Fatal(err)
			}
		}, ErrRevoked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Now().UTC()
			r := newRepo(t, &now)
			l := testLink(now)
			if err := r.Create(t.Context(), l); err != nil {
				t.Fatal(err)
			}
			tc.setup(t, r, &now, l.ID)
			if _, err := r.Check(t.Context(), l.ID); !errors.Is(err, tc.want) {
				t.Errorf("Check: %v, want %v", err, tc.want)
			}
			if _, err := r.Consume(t.Context(), l.ID); !errors.Is(err, tc.want) {
				t.Errorf("Consume: %v, want %v", err, tc.want)
			}
			if got, _ := r.Get(t.Context(), l.ID); got == nil || got.Used != 0 {
				t.Errorf("refused download was counted: %+v", got)
			}
		})
	}
	r := newRepo(t, nil)
	for _, f := range []func() error{
		func() error { _, err := r.Get(t.Context(), "nope"); return err },
		func() error { _, err := r.Check(t.Context(), "nope"); return err },
		func() error { _, err := r.Consume(t.Context(), "nope"); return err },
		func() error { return r.Revoke(t.Context(), "nope") },
	} {
		if err := f(); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown link: %v, want ErrNotFound", err)
		}
	}
}

func TestRepoLastDownloadRace(t *testing.T) {
	r := newRepo(t, nil)
	for i := range 50 {
		l := testLink(time.Now())
		l.ID, l.MaxDownloads = "", 2
		if err := r.Create(t.Context(), l); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Consume(t.Context(), l.ID); err != nil {
			t.Fatal(err)
		}
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  [2]error
		)
		for g := range 2 {
			wg.Go(func() {
				<-start
				_, errs[g] = r.Consume(t.Context(), l.ID)
			})
		}
		close(start)
		wg.Wait()
		won, exhausted := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, ErrExhausted):
				exhausted++
			default:
				t.Errorf("round %d: unexpected error %v", i, err)
			}
		}
		if won != 1 || exhausted != 1 {
			t.Fatalf("round %d: %d won, %d exhausted; want exactly one of each", i, won, exhausted)
		}
		if got, _ := r.Get(t.Context(), l.ID); got.Used != 2 {
			t.Fatalf("round %d: used = %d, want 2", i, got.Used)
		}
	}
}

func TestRepoCreatePresetIDTwice(t *testing.T) {
	r := newRepo(t, nil)
	l := testLink(time.Now())
	if err := r.Create(t.Context(), l); err != nil {
		t.Fatal(err)
	}
	again := testLink(time.Now())
	again.MaxDownloads = 100
	if err := r.Create(t.Context(), again); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second Create with the same ID: %v, want store.ErrConflict", err)
	}
	if got, _ := r.Get(t.Context(), l.ID); got.MaxDownloads != 3 {
		t.Errorf("the second Create overwrote the first link: max downloads %d", got.MaxDownloads)
	}
}

func TestRepoLateClickIsToldExpired(t *testing.T) {
	// The store's own clock is real time here: a link that expired a month
	// ago still has its record, so the lawyer hears "expired", not "not found".
	r := newRepo(t, nil)
	l := testLink(time.Now().Add(-33 * 24 * time.Hour))
	if err := r.Create(t.Context(), l); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Consume(t.Context(), l.ID); !errors.Is(err, ErrExpired) {
		t.Errorf("Consume of a link that expired 30 days ago: %v, want ErrExpired", err)
	}
}

func TestRepoResume(t *testing.T) {
	const size = 1000 // bytes of the copy; resumes may be granted 500 per download
	now := time.Now().UTC()
	r := newRepo(t, &now)
	l := testLink(now) // 3 downloads
	if err := r.Create(t.Context(), l); err != nil {
		t.Fatal(err)
	}
	// Nothing counted yet: a "resume" must count as the first download.
	if _, err := r.Resume(t.Context(), l.ID, 100, size); !errors.Is(err, ErrNotResumable) {
		t.Fatalf("Resume before any download: %v, want ErrNotResumable", err)
	}
	for range 3 {
		if _, err := r.Consume(t.Context(), l.ID); err != nil {
			t.Fatal(err)
		}
	}
	// The limit is reached, but the last download may still be resumed,
	// without counting, while the resumes stay within half the file: a
	// transfer that broke at 60 %, then at 90 %.
	for i, n := range []int64{400, 100} {
		got, err := r.Resume(t.Context(), l.ID, n, size)
		if err != nil {
			t.Fatalf("resume %d of %d bytes: %v", i+1, n, err)
		}
		if got.Used != 3 || got.ResumedBytes != []int64{400, 500}[i] {
			t.Fatalf("resume %d: used %d, resumed %d bytes", i+1, got.Used, got.ResumedBytes)
		}
	}
	// One byte more than half the file is not free, whatever the range.
	if _, err := r.Resume(t.Context(), l.ID, 1, size); !errors.Is(err, ErrNotResumable) {
		t.Errorf("resume past half the file: %v, want ErrNotResumable", err)
	}
	// The trick of issue 13: "bytes=1-" (999 bytes) on an exhausted link.
	l3 := testLink(now)
	l3.ID = "01jmlink3"
	if err := r.Create(t.Context(), l3); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := r.Consume(t.Context(), l3.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Resume(t.Context(), l3.ID, size-1, size); !errors.Is(err, ErrNotResumable) {
		t.Errorf("resume from byte 1 of an exhausted link: %v, want ErrNotResumable", err)
	}
	// At most ResumesPerDownload resumes, however small; a counted
	// download starts a new allowance.
	for i := range ResumesPerDownload {
		if _, err := r.Resume(t.Context(), l3.ID, 1, size); err != nil {
			t.Fatalf("small resume %d: %v", i+1, err)
		}
	}
	if _, err := r.Resume(t.Context(), l3.ID, 1, size); !errors.Is(err, ErrNotResumable) {
		t.Errorf("resume past the count: %v, want ErrNotResumable", err)
	}

	// A resume long after the last counted download counts again.
	l2 := testLink(now)
	l2.ID = "01jmlink2"
	if err := r.Create(t.Context(), l2); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Consume(t.Context(), l2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resume(t.Context(), l2.ID, 300, size); err != nil {
		t.Fatal(err)
	}
	got, err := r.Consume(t.Context(), l2.ID)
	if err != nil || got.Resumes != 0 || got.ResumedBytes != 0 {
		t.Fatalf("a counted download after a resume: %+v, %v; want the allowance renewed", got, err)
	}
	now = now.Add(ResumeWindow + time.Minute)
	if _, err := r.Resume(t.Context(), l2.ID, 10, size); !errors.Is(err, ErrNotResumable) {
		t.Errorf("resume a day later: %v, want ErrNotResumable", err)
	}
	// Revoked and expired links are refused as such.
	if err := r.Revoke(t.Context(), l2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resume(t.Context(), l2.ID, 10, size); !errors.Is(err, ErrRevoked) {
		t.Errorf("resume of a revoked link: %v, want ErrRevoked", err)
	}
	now = now.Add(72 * time.Hour)
	if _, err := r.Resume(t.Context(), l.ID, 10, size); !errors.Is(err, ErrExpired) {
		t.Errorf("resume of an expired link: %v, want ErrExpired", err)
	}
}

// A download counted but not delivered (our fault) is given back; a refund
// never goes below zero.
func TestRefundGivesBackOneDownload(t *testing.T) {
	ctx := context.Background()
	tbl, err := sqlitestore.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	repo := &Repo{T: tbl}
	l := &Link{ApplicationID: "a1", CaseID: "c1", Lawyer: "lic", CopyKey: "copies/x.pdf", ExpiresAt: time.Now().Add(time.Hour), MaxDownloads: 2}
	if err := repo.Create(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := repo.Refund(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := repo.Get(ctx, l.ID); got.Used != 0 {
		t.Fatalf("refund of an unused link: used = %d, want 0", got.Used)
	}
	if _, err := repo.Consume(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	if err := repo.Refund(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := repo.Get(ctx, l.ID); got.Left() != 2 {
		t.Errorf("after consume and refund: %d downloads left, want 2", got.Left())
	}
}
