// Package procedure records the procedural decisions a unit takes on a case
// (accepted for arrest review, returned for supplementary investigation,
// change of jurisdiction, prosecution filed, …) and works out whom to tell:
// every lawyer bound to the case, with the handler's name and phone. It also
// builds the notices lawyers get about their applications (decided, link
// ready, link about to expire).
package procedure

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Kind is the kind of procedural decision.
type Kind string

// The kinds.
const (
	ArrestReviewAccepted       Kind = "arrest_review_accepted"
	SupplementaryInvestigation Kind = "supplementary_investigation"
	JurisdictionChange         Kind = "jurisdiction_change"
	ProsecutionFiled           Kind = "prosecution_filed"
	Other                      Kind = "other"
)

var kindLabel = map[Kind]string{
	ArrestReviewAccepted:       "受理审查逮捕",
	SupplementaryInvestigation: "退回补充侦查",
	JurisdictionChange:         "改变管辖",
	ProsecutionFiled:           "提起公诉",
	Other:                      "程序性决定",
}

// Valid reports whether k is known.
func (k Kind) Valid() bool { _, ok := kindLabel[k]; return ok }

// Label is the kind in Chinese.
func (k Kind) Label() string {
	if l, ok := kindLabel[k]; ok {
		return l
	}
	return string(k)
}

// Decision is one recorded procedural decision.
type Decision struct {
	ID     string `json:"id"`
	CaseID string `json:"caseId"`
	CaseNo string `json:"caseNo"`
	Unit   string `json:"unit"`
	Kind   Kind   `json:"kind"`
	Label  string `json:"label"`
	Text   string `json:"text,omitempty"`
	// Handler is whom lawyers may call about it (the case handler).
	Handler casefile.Handler `json:"handler"`
	By      string           `json:"by"`
	ByName  string           `json:"byName,omitempty"`
	At      time.Time        `json:"at"`
	// Notices are the ids of the notices sent about it, one per bound lawyer.
	Notices []string `json:"notices"`
}

// Validate checks a decision as a clerk records it.
func (d *Decision) Validate() error {
	var ps casefile.Problems
	d.Text = strings.TrimSpace(d.Text)
	if !d.Kind.Valid() {
		ps = append(ps, casefile.Problem{Field: "kind", Message: msg.UnknownDecisionKind.Format(limits.Short(string(d.Kind), 32))})
	}
	if d.Kind == Other && d.Text == "" {
		ps = append(ps, casefile.Problem{Field: "text", Message: string(msg.DecisionTextRequired)})
	}
	ps.Text(limits.DecisionText, "text", d.Text)
	if strings.TrimSpace(d.Handler.Name) == "" || strings.TrimSpace(d.Handler.Phone) == "" {
		ps = append(ps, casefile.Problem{Field: "handler", Message: string(msg.NoHandler)})
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// NoticeID is the id of the notice about decision d to the lawyer with
// license: fixed, so that a repeated send is not delivered twice.
func NoticeID(decisionID, license string) string { return "decision-" + decisionID + "-" + license }

// Repo keeps decisions in the case's partition.
type Repo struct {
	T   store.Table
	Now func() time.Time
}

func (r *Repo) now() time.Time { return store.Now(r.Now) }

// Create validates and stores a new decision, filling ID, Label and At.
func (r *Repo) Create(ctx context.Context, d *Decision) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if d.ID == "" {
		d.ID = casefile.NewID()
	}
	d.Label = d.Kind.Label()
	if d.At.IsZero() {
		d.At = r.now()
	}
	if d.Notices == nil {
		d.Notices = []string{}
	}
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if _, err := r.T.Put(ctx, store.Item{PK: "case#" + d.CaseID, SK: "decision#" + d.ID, Data: data}); err != nil {
		return fmt.Errorf("procedure: save decision %s: %w", d.ID, err)
	}
	return nil
}

// List returns a case's decisions, newest first.
func (r *Repo) List(ctx context.Context, caseID string) ([]*Decision, error) {
	var out []*Decision
	q := store.Query{PK: "case#" + caseID, SKPrefix: "decision#", Desc: true}
	items, err := store.All(ctx, r.T, q)
	if err != nil {
		return nil, fmt.Errorf("procedure: decisions of %s: %w", caseID, err)
	}
	for _, it := range items {
		var d Decision
		if err := json.Unmarshal(it.Data, &d); err != nil {
			return nil, fmt.Errorf("procedure: decode %s: %w", it.SK, err)
		}
		out = append(out, &d)
	}
	return out, nil
}

// Lawyers works out who is bound to a case: explicit bindings, and every
// lawyer with a live application on it (submitted, pending, approved or
// ready).
type Lawyers struct {
	Cases *casefile.Repo
	Apps  *application.Repo
}

// fromApplications lists the lawyers with a live application on the case.
// It reads the case's applications through their per-case index; the
// unit's applications are read once, to backfill the index for those
// created before it existed (application.Repo.EnsureIndexed).
func (l *Lawyers) fromApplications(c *casefile.Case) casefile.LawyerSource {
	return func(ctx context.Context, caseID string) ([]casefile.Binding, error) {
		if l.Apps == nil {
			return nil, nil
		}
		if err := l.Apps.EnsureIndexed(ctx, c.Unit); err != nil {
			return nil, err
		}
		apps, err := l.Apps.ByCase(ctx, caseID)
		if err != nil {
			return nil, err
		}
		var out []casefile.Binding
		for _, a := range apps {
			if !a.Status.Live() {
				continue
			}
			if slices.ContainsFunc(out, func(b casefile.Binding) bool { return b.License == a.Lawyer.License }) {
				continue
			}
			out = append(out, casefile.Binding{License: a.Lawyer.License, Name: a.Lawyer.Name, Firm: a.Lawyer.Firm,
				Phone: a.Lawyer.Phone, Client: a.Client, Source: casefile.BoundByApplication, ApplicationID: a.ID, At: a.SubmittedAt})
		}
		return out, nil
	}
}

// Bound returns every lawyer bound to case c.
func (l *Lawyers) Bound(ctx context.Context, c *casefile.Case) ([]casefile.Binding, error) {
	return l.Cases.BoundLawyers(ctx, c.ID, l.fromApplications(c))
}

// Binding returns the lawyer's binding to case c, or nil if the lawyer is
// not bound to it.
func (l *Lawyers) Binding(ctx context.Context, c *casefile.Case, license string) (*casefile.Binding, error) {
	all, err := l.Bound(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, b := range all {
		if b.License == license {
			return &b, nil
		}
	}
	return nil, nil
}
