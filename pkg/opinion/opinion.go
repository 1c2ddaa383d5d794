// Package opinion is a defence lawyer's written opinion on a case (Art.
// 9–10 of the working opinion): the lawyer submits it, the handler records
// whether it was adopted and why, the lawyer sees the answer, and the case
// cannot be concluded while an opinion on it is unanswered.
//
// Opinions live in their case's partition, so that listing a case's
// opinions is a strongly consistent read; Submit and casefile.Conclude are
// ordered by a conditional write on the case (see casefile.CheckOpen), so
// no opinion slips in unseen while a case is being concluded.
package opinion

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Status is where an opinion stands.
type Status string

// The states. Withdrawn: the case was concluded while the opinion was being
// submitted, and the submission was refused.
const (
	Unanswered Status = "unanswered"
	Answered   Status = "answered"
	Withdrawn  Status = "withdrawn"
)

// Lawyer is the author.
type Lawyer struct {
	License string `json:"license"`
	Name    string `json:"name"`
	Firm    string `json:"firm,omitempty"`
	Phone   string `json:"phone,omitempty"`
}

// Reply is the handler's answer: adopted or not, and why.
type Reply struct {
	Adopted bool      `json:"adopted"`
	Reason  string    `json:"reason"`
	By      string    `json:"by"`
	ByName  string    `json:"byName,omitempty"`
	At      time.Time `json:"at"`
	// Contact is whom to call about it (the case handler).
	Contact *casefile.Handler `json:"contact,omitempty"`
}

// Opinion is one written opinion on one case.
type Opinion struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"caseId"`
	CaseNo      string    `json:"caseNo"`
	Unit        string    `json:"unit"`
	Lawyer      Lawyer    `json:"lawyer"`
	Text        string    `json:"text"`
	Attachments []string  `json:"attachments"`
	Status      Status    `json:"status"`
	SubmittedAt time.Time `json:"submittedAt"`
	Reply       *Reply    `json:"reply,omitempty"`

	rev int64
}

// Validate checks an opinion as the lawyer submits it.
func (o *Opinion) Validate() casefile.Problems {
	var ps casefile.Problems
	o.Text = strings.TrimSpace(o.Text)
	if o.Text == "" && len(o.Attachments) == 0 {
		ps = append(ps, casefile.Problem{Field: "text", Message: string(msg.OpinionRequired)})
	}
	ps.Text(limits.OpinionText, "text", o.Text)
	if ps.Count(limits.Attachments, "attachments", len(o.Attachments)) {
		for i, id := range o.Attachments {
			ps.Text(limits.AttachmentID, fmt.Sprintf("attachments[%d]", i), id)
		}
	}
	return ps
}

// Errors.
var (
	ErrAnswered = errors.New("opinion: already answered")
	ErrNotOpen  = errors.New("opinion: withdrawn")
)

// Repo keeps opinions.
type Repo struct {
	T     store.Table
	Cases *casefile.Repo
	Now   func() time.Time
}

func (r *Repo) now() time.Time { return store.Now(r.Now) }

// locator maps an opinion id to its case.
func locKey(id string) (string, string)          { return "opinion#" + id, "opinion" }
func itemKey(caseID, id string) (string, string) { return "case#" + caseID, "opinion#" + id }

// records is the repository's typed view of the table.
func (r *Repo) records() store.Records[Opinion] {
	return store.Records[Opinion]{T: r.T, Kind: "opinion",
		Rev: func(o *Opinion) *int64 { return &o.rev },
		Item: func(o *Opinion) store.Item {
			pk, sk := itemKey(o.CaseID, o.ID)
			return store.Item{PK: pk, SK: sk,
				GSI1PK: "lawyer#" + o.Lawyer.License + "#opinions", GSI1SK: store.TimeKey(o.SubmittedAt) + "#" + o.ID,
				GSI2PK: "unit#" + o.Unit + "#opinions", GSI2SK: store.TimeKey(o.SubmittedAt) + "#" + o.ID}
		},
	}
}

// Submit validates and stores a new opinion on a case the caller has
// loaded (CaseID, CaseNo and Unit set). It returns casefile.ErrConcluded if
// the case is concluded, also when Conclude wins a race with it.
func (r *Repo) Submit(ctx context.Context, o *Opinion) error {
	if ps := o.Validate(); len(ps) > 0 {
		return ps
	}
	if o.ID == "" {
		o.ID = casefile.NewID()
	}
	if o.SubmittedAt.IsZero() {
		o.SubmittedAt = r.now()
	}
	if o.Attachments == nil {
		o.Attachments = []string{}
	}
	o.Status, o.Reply, o.rev = Unanswered, nil, 0
	lpk, lsk := locKey(o.ID)
	if _, err := r.T.Put(ctx, store.Item{PK: lpk, SK: lsk, Data: []byte(o.CaseID)}); err != nil {
		return fmt.Errorf("opinion: claim id %s: %w", o.ID, err)
	}
	// Written before the case check: a Conclude that reads the case after
	// our check succeeds lists this opinion.
	if err := r.records().Put(ctx, o); err != nil {
		return err
	}
	err := r.Cases.CheckOpen(ctx, o.CaseID)
	if err == nil {
		return nil
	}
	// Refused or failed: take it back so it blocks nothing.
	if _, uerr := r.update(ctx, o.CaseID, o.ID, func(x *Opinion) error { x.Status = Withdrawn; return nil }); uerr != nil {
		return errors.Join(err, uerr)
	}
	o.Status = Withdrawn
	return err
}

// Get returns the opinion with id.
func (r *Repo) Get(ctx context.Context, id string) (*Opinion, error) {
	lpk, lsk := locKey(id)
	it, err := r.T.Get(ctx, lpk, lsk)
	if err != nil {
		return nil, fmt.Errorf("opinion %s: %w", id, err)
	}
	return r.get(ctx, string(it.Data), id)
}

func (r *Repo) get(ctx context.Context, caseID, id string) (*Opinion, error) {
	pk, sk := itemKey(caseID, id)
	return r.records().Get(ctx, pk, sk)
}

func (r *Repo) update(ctx context.Context, caseID, id string, fn func(*Opinion) error) (*Opinion, error) {
	pk, sk := itemKey(caseID, id)
	return r.records().Update(ctx, pk, sk, fn)
}

// Answer records the handler's reply. The reason is required, adopted or
// not. ErrAnswered if already answered.
func (r *Repo) Answer(ctx context.Context, id string, rep Reply) (*Opinion, error) {
	rep.Reason = strings.TrimSpace(rep.Reason)
	if rep.Reason == "" {
		return nil, casefile.Problems{{Field: "reason", Message: string(msg.ReplyReason)}}
	}
	if m := limits.OpinionReason.Check("reason", rep.Reason); m != "" {
		return nil, casefile.Problems{{Field: "reason", Message: m}}
	}
	if rep.At.IsZero() {
		rep.At = r.now()
	}
	o, err := r.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return r.update(ctx, o.CaseID, id, func(x *Opinion) error {
		switch x.Status {
		case Answered:
			return ErrAnswered
		case Withdrawn:
			return ErrNotOpen
		}
		x.Status, x.Reply = Answered, &rep
		return nil
	})
}

// ByCase returns a case's opinions in submission order (a strongly
// consistent read).
func (r *Repo) ByCase(ctx context.Context, caseID string) ([]*Opinion, error) {
	return r.records().List(ctx, store.Query{PK: "case#" + caseID, SKPrefix: "opinion#"}, nil)
}

// Unanswered returns a case's opinions still awaiting an answer.
func (r *Repo) Unanswered(ctx context.Context, caseID string) ([]*Opinion, error) {
	all, err := r.ByCase(ctx, caseID)
	if err != nil {
		return nil, err
	}
	var out []*Opinion
	for _, o := range all {
		if o.Status == Unanswered {
			out = append(out, o)
		}
	}
	return out, nil
}

func (r *Repo) list(ctx context.Context, q store.Query, keep func(*Opinion) bool) ([]*Opinion, error) {
	return r.records().List(ctx, q, func(o *Opinion) bool {
		return o.Status != Withdrawn && (keep == nil || keep(o))
	})
}

// ByLawyer returns a lawyer's opinions, newest first.
func (r *Repo) ByLawyer(ctx context.Context, license string) ([]*Opinion, error) {
	return r.list(ctx, store.Query{Index: store.GSI1, PK: "lawyer#" + license + "#opinions", Desc: true}, nil)
}

// ByUnit returns a unit's opinions, oldest first; with unanswered=true only
// those awaiting an answer.
func (r *Repo) ByUnit(ctx context.Context, unit string, unanswered bool) ([]*Opinion, error) {
	var keep func(*Opinion) bool
	if unanswered {
		keep = func(o *Opinion) bool { return o.Status == Unanswered }
	}
	return r.list(ctx, store.Query{Index: store.GSI2, PK: "unit#" + unit + "#opinions"}, keep)
}
