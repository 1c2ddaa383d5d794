// Package link is the lawyer's download link: our own signed token bound to
// one application, one lawyer and one dossier copy, with an expiry and a
// download limit kept in the metadata store (design decision 1). The token
// alone never grants access: the link record must also be live.
package link

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Audience is the JWT audience of download tokens; login tokens carry a
// different one, so neither can stand in for the other.
const Audience = "yuejuan-download"

// Refusal reasons, each with its own answer to the lawyer.
var (
	ErrExpired   = errors.New("link expired")
	ErrRevoked   = errors.New("link revoked")
	ErrExhausted = errors.New("download limit reached")
	ErrTampered  = errors.New("link is damaged or forged")
	ErrForeign   = errors.New("link was not issued by this service")
	ErrNotFound  = errors.New("link not found")
	// ErrNotResumable means a resumed transfer must be counted as a new
	// download (see Resume).
	ErrNotResumable = errors.New("transfer cannot be resumed without counting a download")
)

// Link is one issued download link.
type Link struct {
	ID            string `json:"id"`
	ApplicationID string `json:"applicationId"`
	CaseID        string `json:"caseId"`
	Lawyer        string `json:"lawyer"` // practice certificate no.
	CopyKey       string `json:"copyKey"`
	// Version is the dossier version of the copy (0: before versions);
	// Supplement marks the link of a version's supplement, not its full
	// copy (docs/versions.md).
	Version      int       `json:"version,omitempty"`
	Supplement   bool      `json:"supplement,omitempty"`
	Filename     string    `json:"filename"`
	ExpiresAt    time.Time `json:"expiresAt"`
	MaxDownloads int       `json:"maxDownloads"`
	Used         int       `json:"used"`
	Revoked      bool      `json:"revoked"`
	CreatedAt    time.Time `json:"createdAt"`
	// LastUsedAt is when a download was last counted; Resumes how many
	// resumed transfers (ranges not starting at byte 0) were let through
	// without counting since then, and ResumedBytes how many bytes they
	// were granted together.
	LastUsedAt   time.Time `json:"lastUsedAt,omitzero"`
	Resumes      int       `json:"resumes,omitempty"`
	ResumedBytes int64     `json:"resumedBytes,omitempty"`
}

// SupplementID is the id of the link to a version's supplement that goes
// with the link id of its full copy (docs/versions.md): the download door
// knows the one from the other, and the application names only the full
// copy's.
func SupplementID(linkID string) string { return linkID + "-supplement" }

// Resumed transfers are free, within limits: they continue the last counted
// download, within ResumeWindow of it, at most ResumesPerDownload times, and
// all of them together are granted at most 1/ResumeShare of the file (each
// resume's URL serves only the range it asked for). Past that a "resume"
// counts as a download, or is refused when none is left: a client that never
// asks for byte 0 cannot fetch the file again, and an exhausted link yields
// at most half of it, never the whole. The price: a transfer that broke in
// its first half is counted again when resumed.
const (
	ResumesPerDownload = 4
	ResumeWindow       = 24 * time.Hour
	ResumeShare        = 2
)

// Left is how many downloads remain.
func (l *Link) Left() int { return max(0, l.MaxDownloads-l.Used) }

// Claims is a download token's body; ID is the link id.
type Claims struct {
	ApplicationID string `json:"app"`
	jwt.RegisteredClaims
}

// Signer mints and verifies download tokens.
type Signer struct {
	Keys   *auth.KeySet
	Issuer string

	tokens tokenCache // tokens made in the last minutes (tokencache.go)
}

// Token returns the signed token for l.
func (s *Signer) Token(l *Link) (string, error) {
	key, now := tokenKey(s.Issuer, l), time.Now()
	if t, ok := s.tokens.get(key, now); ok {
		return t, nil
	}
	t, err := s.sign(l)
	if err == nil {
		s.tokens.put(key, t, now)
	}
	return t, err
}

func (s *Signer) sign(l *Link) (string, error) {
	return s.Keys.Sign(Claims{
		ApplicationID: l.ApplicationID,
		RegisteredClaims: jwt.RegisteredClaims{
			ID:        l.ID,
			Subject:   l.Lawyer,
			Issuer:    s.Issuer,
			Audience:  jwt.ClaimStrings{Audience},
			IssuedAt:  jwt.NewNumericDate(l.CreatedAt),
			ExpiresAt: jwt.NewNumericDate(l.ExpiresAt),
		},
	})
}

// Parse verifies raw and returns its claims, or one of ErrExpired,
// ErrTampered, ErrForeign. With ErrExpired it returns the claims too: the
// signature, issuer and audience were good (jwt checks the signature before
// the expiry), so the refusal can name the lawyer and the application.
func (s *Signer) Parse(raw string) (*Claims, error) {
	var c Claims
	err := s.Keys.Parse(raw, s.Issuer, Audience, &c)
	complete := c.ID != "" && c.ApplicationID != "" && c.Subject != ""
	switch {
	case err == nil:
		if !complete {
			return nil, ErrTampered
		}
		return &c, nil
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return nil, ErrForeign // unknown key id, or no usable algorithm
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenMalformed):
		return nil, ErrTampered
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), errors.Is(err, jwt.ErrTokenInvalidAudience):
		return nil, ErrForeign
	case errors.Is(err, jwt.ErrTokenExpired):
		if !complete {
			return nil, ErrTampered
		}
		return &c, ErrExpired
	default:
		return nil, ErrTampered
	}
}

// Repo keeps link records.
type Repo struct {
	T   store.Table
	Now func() time.Time
}

func (r *Repo) now() time.Time { return store.Now(r.Now) }

func key(id string) (string, string) { return "link#" + id, "link" }

// Create stores a new link, filling CreatedAt, and ID unless set. With a
// preset ID that already exists it returns an error for which
// errors.Is(err, store.ErrConflict) holds.
func (r *Repo) Create(ctx context.Context, l *Link) error {
	if l.ID == "" {
		l.ID = casefile.NewID()
	}
	l.CreatedAt = r.now()
	return r.save(ctx, l, 0)
}

func (r *Repo) save(ctx context.Context, l *Link, ver int64) error {
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	pk, sk := key(l.ID)
	// The record outlives the link by 90 days so a late click still gets
	// "expired", not "not found"; the audit log keeps the history forever.
	_, err = r.T.Put(ctx, store.Item{PK: pk, SK: sk, Version: ver, Data: data, ExpiresAt: l.ExpiresAt.Add(90 * 24 * time.Hour)})
	if err != nil {
		return fmt.Errorf("link: save %s: %w", l.ID, err)
	}
	return nil
}

func (r *Repo) get(ctx context.Context, id string) (*Link, int64, error) {
	pk, sk := key(id)
	it, err := r.T.Get(ctx, pk, sk)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("link %s: %w", id, err)
	}
	var l Link
	if err := json.Unmarshal(it.Data, &l); err != nil {
		return nil, 0, fmt.Errorf("link: decode %s: %w", id, err)
	}
	return &l, it.Version, nil
}

// Get returns the link with id.
func (r *Repo) Get(ctx context.Context, id string) (*Link, error) {
	l, _, err := r.get(ctx, id)
	return l, err
}

// Check returns the link if it may be used now, without using it.
func (r *Repo) Check(ctx context.Context, id string) (*Link, error) {
	l, _, err := r.get(ctx, id)
	if err != nil {
		return nil, err
	}
	return l, r.usable(l)
}

func (r *Repo) usable(l *Link) error {
	switch {
	case l.Revoked:
		return ErrRevoked
	case !r.now().Before(l.ExpiresAt):
		return ErrExpired
	case l.Used >= l.MaxDownloads:
		return ErrExhausted
	}
	return nil
}

// Consume uses one download atomically: of two concurrent calls on the last
// download, exactly one succeeds and the other gets ErrExhausted.
func (r *Repo) Consume(ctx context.Context, id string) (*Link, error) {
	return store.Retry(func() (*Link, error) {
		l, ver, err := r.get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := r.usable(l); err != nil {
			return l, err
		}
		l.Used++
		l.LastUsedAt = r.now()
		l.Resumes, l.ResumedBytes = 0, 0 // resumes continue this download now
		return l, r.save(ctx, l, ver)
	})
}

// Refund gives back one download that was counted but could not be
// delivered (the presigned URL or the audit record failed), so that a fault
// of ours never costs the lawyer a download.
func (r *Repo) Refund(ctx context.Context, id string) error {
	_, err := store.Retry(func() (*Link, error) {
		l, ver, err := r.get(ctx, id)
		if err != nil || l.Used == 0 {
			return nil, err
		}
		l.Used--
		return l, r.save(ctx, l, ver)
	})
	return err
}

// Resume lets a resumed transfer of n bytes (a range not starting at byte
// 0) of a file of size bytes through without counting a download,
// atomically recording it. It returns ErrNotResumable when the transfer
// must count as a new download instead: nothing was counted yet, the last
// counted download is older than ResumeWindow, or its allowance is used up
// (ResumesPerDownload resumes, or 1/ResumeShare of size in bytes granted). A
// revoked or expired link is refused as by Consume; an exhausted one may
// still resume its last download within that allowance.
func (r *Repo) Resume(ctx context.Context, id string, n, size int64) (*Link, error) {
	return store.Retry(func() (*Link, error) {
		l, ver, err := r.get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := r.usable(l); err != nil && !errors.Is(err, ErrExhausted) {
			return l, err
		}
		if l.Used == 0 || l.Resumes >= ResumesPerDownload || r.now().Sub(l.LastUsedAt) > ResumeWindow ||
			l.ResumedBytes+max(n, 0) > size/ResumeShare {
			return l, ErrNotResumable
		}
		l.Resumes++
		l.ResumedBytes += max(n, 0)
		return l, r.save(ctx, l, ver)
	})
}

// Revoke disables a link at once.
func (r *Repo) Revoke(ctx context.Context, id string) error {
	_, err := store.Retry(func() (*Link, error) {
		l, ver, err := r.get(ctx, id)
		if err != nil {
			return nil, err
		}
		l.Revoked = true
		return l, r.save(ctx, l, ver)
	})
	return err
}
