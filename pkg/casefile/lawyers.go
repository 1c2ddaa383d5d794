package casefile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Binding ties a defence lawyer to a case: the lawyer is told of the case's
// procedural decisions and may submit written opinions on it. A lawyer is
// bound explicitly (a clerk records the retainer, e.g. at the investigation
// or arrest-review stage, before any file review) or through a live
// application on the case (see BoundLawyers).
type Binding struct {
	License string `json:"license"`
	Name    string `json:"name"`
	Firm    string `json:"firm,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Client  string `json:"client,omitempty"`
	// Source is "explicit" or "application".
	Source        string    `json:"source"`
	ApplicationID string    `json:"applicationId,omitempty"`
	By            string    `json:"by,omitempty"`
	At            time.Time `json:"at"`
}

// Binding sources.
const (
	BoundExplicitly    = "explicit"
	BoundByApplication = "application"
)

const (
	maxBindingsPerCase = 1000
	bindingSKPrefix    = "lawyer#"
)

// Validate checks an explicit binding as a clerk records it.
func (b *Binding) Validate() error {
	var ps Problems
	b.License = NormalizeLicense(b.License)
	b.Name = strings.TrimSpace(b.Name)
	b.Firm = strings.TrimSpace(b.Firm)
	b.Phone = strings.TrimSpace(b.Phone)
	b.Client = strings.TrimSpace(b.Client)
	if !allDigits(b.License) || (len(b.License) != 17 && len(b.License) != 12) {
		ps = append(ps, Problem{"license", string(msg.License)})
	}
	if b.Name == "" {
		ps = append(ps, Problem{"name", string(msg.LawyerNameRequired)})
	}
	if b.Phone == "" {
		ps = append(ps, Problem{"phone", string(msg.LawyerPhoneRequired)})
	}
	ps.Text(limits.PersonName, "name", b.Name)
	ps.Text(limits.Phone, "phone", b.Phone)
	ps.Text(limits.Firm, "firm", b.Firm)
	ps.Text(limits.DefendantName, "client", b.Client)
	if len(ps) > 0 {
		return ps
	}
	return nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func bindKey(caseID, license string) (string, string) {
	return "case#" + caseID, bindingSKPrefix + license
}

// Bind records an explicit binding of a lawyer to a case, replacing an
// earlier one of the same lawyer.
func (r *Repo) Bind(ctx context.Context, caseID string, b *Binding) error {
	if err := b.Validate(); err != nil {
		return err
	}
	b.Source, b.ApplicationID = BoundExplicitly, ""
	if b.At.IsZero() {
		b.At = r.now()
	}
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	pk, sk := bindKey(caseID, b.License)
	_, err = store.Retry(func() (int64, error) {
		var ver int64
		if old, err := r.T.Get(ctx, pk, sk); err == nil {
			ver = old.Version
		} else if !errors.Is(err, store.ErrNotFound) {
			return 0, err
		}
		return r.T.Put(ctx, store.Item{PK: pk, SK: sk, Version: ver, Data: data})
	})
	if err != nil {
		return fmt.Errorf("casefile: bind %s to %s: %w", b.License, caseID, err)
	}
	return nil
}

// Unbind removes an explicit binding (store.ErrNotFound if there is none).
// A lawyer bound through a live application stays bound.
func (r *Repo) Unbind(ctx context.Context, caseID, license string) error {
	pk, sk := bindKey(caseID, license)
	_, err := store.Retry(func() (struct{}, error) {
		it, err := r.T.Get(ctx, pk, sk)
		if err != nil {
			return struct{}{}, err
		}
		return struct{}{}, r.T.Delete(ctx, pk, sk, it.Version)
	})
	if err != nil {
		return fmt.Errorf("casefile: unbind %s: %w", license, err)
	}
	return nil
}

// Bindings returns a case's explicit bindings, by certificate number.
func (r *Repo) Bindings(ctx context.Context, caseID string) ([]Binding, error) {
	var out []Binding
	q := store.Query{PK: "case#" + caseID, SKPrefix: bindingSKPrefix}
	for {
		p, err := r.T.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("casefile: bindings of %s: %w", caseID, err)
		}
		for _, it := range p.Items {
			var b Binding
			if err := json.Unmarshal(it.Data, &b); err != nil {
				return nil, fmt.Errorf("casefile: decode binding %s: %w", it.SK, err)
			}
			out = append(out, b)
		}
		if p.Next == "" || len(out) >= maxBindingsPerCase {
			return out, nil
		}
		q.Cursor = p.Next
	}
}

// LawyerSource lists lawyers bound to a case by other records: those with
// a live application on it (package application cannot be imported here).
type LawyerSource func(ctx context.Context, caseID string) ([]Binding, error)

// BoundLawyers returns every lawyer bound to the case, one per certificate
// number: the explicit bindings, then those from src (may be nil) that are
// not bound explicitly, ordered by certificate number.
func (r *Repo) BoundLawyers(ctx context.Context, caseID string, src LawyerSource) ([]Binding, error) {
	out, err := r.Bindings(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if src != nil {
		more, err := src(ctx, caseID)
		if err != nil {
			return nil, err
		}
		for _, b := range more {
			if !slices.ContainsFunc(out, func(x Binding) bool { return x.License == b.License }) {
				out = append(out, b)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Binding) int { return strings.Compare(a.License, b.License) })
	return out, nil
}

// ErrConcluded is returned when something may not be added to a case that
// has been concluded.
var ErrConcluded = errors.New("casefile: the case has been concluded")

// UnansweredError refuses Conclude: the items still await an answer.
type UnansweredError struct {
	Items []string
}

func (e *UnansweredError) Error() string {
	return "casefile: case cannot be concluded while these await an answer: " + strings.Join(e.Items, ", ")
}

// CheckOpen returns ErrConcluded if the case is concluded. It rewrites the
// case unchanged with a conditional write, so that it is ordered against a
// concurrent Conclude: a record written before CheckOpen succeeds is seen by
// every later Conclude, and a Conclude that wins makes CheckOpen fail.
func (r *Repo) CheckOpen(ctx context.Context, id string) error {
	_, err := store.Retry(func() (*Case, error) {
		c, err := r.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if c.Concluded {
			return nil, ErrConcluded
		}
		return c, r.put(ctx, c)
	})
	return err
}

// Conclude marks the case concluded, unless unanswered (read after the
// case, inside the conditional update) names anything still awaiting an
// answer: then it returns an *UnansweredError naming them. Concluding a
// concluded case changes nothing.
func (r *Repo) Conclude(ctx context.Context, id, by string, unanswered func(ctx context.Context, c *Case) ([]string, error)) (*Case, error) {
	return store.Retry(func() (*Case, error) {
		c, err := r.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if c.Concluded {
			return c, nil
		}
		if unanswered != nil {
			items, err := unanswered(ctx, c)
			if err != nil {
				return nil, err
			}
			if len(items) > 0 {
				return nil, &UnansweredError{Items: items}
			}
		}
		now := r.now()
		c.Concluded, c.ConcludedAt, c.ConcludedBy = true, &now, by
		c.Stage = Closed
		c.UpdatedAt = now
		if err := r.put(ctx, c); err != nil {
			return nil, err
		}
		return c, nil
	})
}
