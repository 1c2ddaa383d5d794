// Package complaint is a lawyer's complaint (控告申诉) that a procuratorate
// or its staff obstructed the lawyer's rights: its deadline from the policy
// table (ten days; urgent ones three working days; an obstructed meeting
// five working days), its queue, and the rule that it closes only with a
// written answer.
package complaint

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Kind is what the complaint is about.
type Kind string

// The kinds.
const (
	ObstructedReview  Kind = "obstructed_review"  // 阅卷受阻
	ObstructedMeeting Kind = "obstructed_meeting" // 会见受阻
	Other             Kind = "other"
)

var kindLabel = map[Kind]string{
	ObstructedReview:  "阅卷权受阻",
	ObstructedMeeting: "会见权受阻",
	Other:             "其他阻碍依法行使诉讼权利",
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

// Status is where a complaint stands.
type Status string

// The states: open until answered in writing.
const (
	Open     Status = "open"
	Answered Status = "answered"
)

// Lawyer is the complainant.
type Lawyer struct {
	License string `json:"license"`
	Name    string `json:"name"`
	Firm    string `json:"firm,omitempty"`
	Phone   string `json:"phone,omitempty"`
}

// Answer is the written answer that closes a complaint.
type Answer struct {
	Text   string    `json:"text"`
	By     string    `json:"by"`
	ByName string    `json:"byName,omitempty"`
	At     time.Time `json:"at"`
	// Contact is whom to call about it (the case handler, if the
	// complaint concerns a registered case).
	Contact *casefile.Handler `json:"contact,omitempty"`
}

// Complaint is one lawyer's complaint to one unit.
type Complaint struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"caseId,omitempty"`
	CaseNo      string    `json:"caseNo,omitempty"`
	Unit        string    `json:"unit"`
	Kind        Kind      `json:"kind"`
	Urgent      bool      `json:"urgent"`
	Description string    `json:"description"`
	Attachments []string  `json:"attachments"`
	Lawyer      Lawyer    `json:"lawyer"`
	Status      Status    `json:"status"`
	SubmittedAt time.Time `json:"submittedAt"`
	// Period is the key of the policy period that sets the deadline;
	// Deadline the last day to answer (Asia/Shanghai civil date).
	Period            string  `json:"period"`
	PeriodLabel       string  `json:"periodLabel"`
	Deadline          string  `json:"deadline"`
	DeadlineUncertain bool    `json:"deadlineUncertain,omitempty"`
	Answer            *Answer `json:"answer,omitempty"`
	// Reminded and OverdueMarked record what the deadline job has done.
	Reminded      bool `json:"reminded,omitempty"`
	OverdueMarked bool `json:"overdueMarked,omitempty"`

	rev int64
}

// Period returns the policy period of a complaint: three working days if
// urgent; otherwise five working days for an obstructed meeting, and ten
// days for anything else. The specific rule replaces the general one (an
// obstructed meeting is due in five working days even when ten calendar
// days would end sooner across a holiday).
func Period(kind Kind, urgent bool) deadline.Period {
	switch {
	case urgent:
		return deadline.UrgentComplaint
	case kind == ObstructedMeeting:
		return deadline.ObstructedMeeting
	default:
		return deadline.Complaint
	}
}

// Due computes the deadline of a complaint submitted at submitted, counted
// from the day of submission (not counted itself) under CPL Art. 105.
func Due(cal *deadline.Calendar, submitted time.Time, kind Kind, urgent bool) (deadline.Period, deadline.Result) {
	p := Period(kind, urgent)
	return p, cal.Due(deadline.DateOf(submitted), p)
}

// Validate checks a complaint as the lawyer submits it. caseKnown says
// whether CaseNo names a registered case.
func (c *Complaint) Validate(caseKnown bool) casefile.Problems {
	var ps casefile.Problems
	add := func(f, m string) { ps = append(ps, casefile.Problem{Field: f, Message: m}) }
	c.CaseNo = strings.TrimSpace(c.CaseNo)
	c.Unit = strings.TrimSpace(c.Unit)
	c.Description = strings.TrimSpace(c.Description)
	c.Lawyer.Phone = strings.TrimSpace(c.Lawyer.Phone)
	c.Lawyer.Firm = strings.TrimSpace(c.Lawyer.Firm)
	if !c.Kind.Valid() {
		add("kind", msg.UnknownComplaintKind.Format(limits.Short(string(c.Kind), 32)))
	}
	if c.Description == "" {
		add("description", string(msg.DescribeObstruction))
	} else {
		ps.Text(limits.ComplaintDescription, "description", c.Description)
	}
	switch {
	case !ps.Text(limits.CaseNo, "caseNo", c.CaseNo):
	case !ps.Text(limits.Unit, "unit", c.Unit):
	case c.CaseNo != "" && !caseKnown:
		add("caseNo", msg.NoSuchCaseNoName.Format(c.CaseNo))
	case c.CaseNo == "" && c.Unit == "":
		add("unit", string(msg.ChooseUnit))
	}
	if c.Lawyer.Phone == "" {
		add("phone", string(msg.PhoneForAnswer))
	}
	ps.Text(limits.Phone, "phone", c.Lawyer.Phone)
	ps.Text(limits.Firm, "firm", c.Lawyer.Firm)
	if ps.Count(limits.Attachments, "attachments", len(c.Attachments)) {
		for i, id := range c.Attachments {
			ps.Text(limits.AttachmentID, fmt.Sprintf("attachments[%d]", i), id)
		}
	}
	return ps
}

// ErrAnswered is returned when answering a complaint that already has an answer.
var ErrAnswered = errors.New("complaint: already answered")

// Repo keeps complaints in a store table.
type Repo struct {
	T   store.Table
	Now func() time.Time
}

func (r *Repo) now() time.Time { return store.Now(r.Now) }

func key(id string) (string, string) { return "complaint#" + id, "complaint" }

// Open complaints are listed under one partition by deadline, for the
// deadline job.
const openPK = "open#complaints"

func openSK(c *Complaint) string { return c.Deadline + "#" + c.ID }

// records is the repository's typed view of the table.
func (r *Repo) records() store.Records[Complaint] {
	return store.Records[Complaint]{T: r.T, Kind: "complaint",
		Rev: func(c *Complaint) *int64 { return &c.rev },
		Item: func(c *Complaint) store.Item {
			pk, sk := key(c.ID)
			return store.Item{PK: pk, SK: sk,
				GSI1PK: "lawyer#" + c.Lawyer.License + "#complaints", GSI1SK: store.TimeKey(c.SubmittedAt) + "#" + c.ID,
				GSI2PK: "unit#" + c.Unit + "#complaints", GSI2SK: c.Deadline + "#" + store.TimeKey(c.SubmittedAt) + "#" + c.ID}
		},
		Saved: r.trackOpen,
	}
}

// trackOpen keeps the open list in step with a just-saved complaint.
func (r *Repo) trackOpen(ctx context.Context, c *Complaint) error {
	if c.Status == Open {
		if err := store.Mark(ctx, r.T, store.Item{PK: openPK, SK: openSK(c), Data: []byte(c.ID)}); err != nil {
			return fmt.Errorf("complaint: track open %s: %w", c.ID, err)
		}
		return nil
	}
	return store.Unmark(ctx, r.T, openPK, openSK(c))
}

// Create stores a new complaint (ID filled if empty). Deadline, Period and
// Status must be set by the caller (see Due).
func (r *Repo) Create(ctx context.Context, c *Complaint) error {
	if c.ID == "" {
		c.ID = casefile.NewID()
	}
	if c.SubmittedAt.IsZero() {
		c.SubmittedAt = r.now()
	}
	if c.Attachments == nil {
		c.Attachments = []string{}
	}
	c.rev = 0
	return r.records().Put(ctx, c)
}

// Get returns the complaint with id.
func (r *Repo) Get(ctx context.Context, id string) (*Complaint, error) {
	pk, sk := key(id)
	return r.records().Get(ctx, pk, sk)
}

// Update applies fn to the stored complaint and saves it, retrying on
// concurrent writes.
func (r *Repo) Update(ctx context.Context, id string, fn func(*Complaint) error) (*Complaint, error) {
	pk, sk := key(id)
	return r.records().Update(ctx, pk, sk, fn)
}

// AnswerWith closes the complaint with a written answer (ErrAnswered if it
// already has one).
func (r *Repo) AnswerWith(ctx context.Context, id string, a Answer) (*Complaint, error) {
	a.Text = strings.TrimSpace(a.Text)
	if a.Text == "" {
		return nil, casefile.Problems{{Field: "answer", Message: string(msg.AnswerRequired)}}
	}
	if m := limits.ComplaintAnswer.Check("answer", a.Text); m != "" {
		return nil, casefile.Problems{{Field: "answer", Message: m}}
	}
	if a.At.IsZero() {
		a.At = r.now()
	}
	return r.Update(ctx, id, func(c *Complaint) error {
		if c.Status != Open {
			return ErrAnswered
		}
		c.Status, c.Answer = Answered, &a
		return nil
	})
}

func (r *Repo) list(ctx context.Context, q store.Query, keep func(*Complaint) bool) ([]*Complaint, error) {
	return r.records().List(ctx, q, keep)
}

// ByLawyer returns a lawyer's complaints, newest first.
func (r *Repo) ByLawyer(ctx context.Context, license string) ([]*Complaint, error) {
	return r.list(ctx, store.Query{Index: store.GSI1, PK: "lawyer#" + license + "#complaints", Desc: true}, nil)
}

// ByUnit returns a unit's complaints by deadline, earliest first; with
// open=true only those not yet answered.
func (r *Repo) ByUnit(ctx context.Context, unit string, open bool) ([]*Complaint, error) {
	var keep func(*Complaint) bool
	if open {
		keep = func(c *Complaint) bool { return c.Status == Open }
	}
	return r.list(ctx, store.Query{Index: store.GSI2, PK: "unit#" + unit + "#complaints"}, keep)
}

// OpenDueBy returns the open complaints whose deadline is on or before
// date (YYYY-MM-DD), earliest first.
func (r *Repo) OpenDueBy(ctx context.Context, date string) ([]*Complaint, error) {
	items, err := store.All(ctx, r.T, store.Query{PK: openPK, SKFrom: "0", SKTo: date + "#~"})
	if err != nil {
		return nil, fmt.Errorf("complaint: open list: %w", err)
	}
	var out []*Complaint
	for _, it := range items {
		c, err := r.Get(ctx, string(it.Data))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if c.Status == Open {
			out = append(out, c)
		} else {
			_ = r.trackOpen(ctx, c) // stale entry from a crash between writes
		}
	}
	return out, nil
}

// Stats is a unit's on-time record for complaints submitted in a period.
type Stats struct {
	Unit string `json:"unit"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	deadline.Record
	ByKind map[string]int `json:"byKind"`
	Urgent int            `json:"urgent"`
	// Units is the per-unit breakdown of a total across units (see Total),
	// sorted by unit; empty for one unit's Stats.
	Units []Stats `json:"units,omitempty"`
}

// Tally computes Stats over cs for complaints submitted in [from, to) (zero
// bounds are open), as of today.
func Tally(cs []*Complaint, from, to time.Time, today deadline.Date) Stats {
	st := Stats{ByKind: map[string]int{}}
	st.OnTimeRate = 1
	for _, c := range cs {
		if (!from.IsZero() && c.SubmittedAt.Before(from)) || (!to.IsZero() && !c.SubmittedAt.Before(to)) {
			continue
		}
		st.ByKind[string(c.Kind)]++
		if c.Urgent {
			st.Urgent++
		}
		var answered *time.Time
		if c.Answer != nil {
			answered = &c.Answer.At
		}
		st.Count(c.Deadline, answered, today)
	}
	return st
}

// Total sums the per-unit Stats units (each from Tally) into one, with the
// on-time rate recomputed from the sums and units kept as its Units. Unit,
// From and To are left for the caller to set.
func Total(units []Stats) Stats {
	t := Stats{ByKind: map[string]int{}, Units: units}
	t.OnTimeRate = 1
	for _, u := range units {
		t.Add(u.Record)
		t.Urgent += u.Urgent
		for k, n := range u.ByKind {
			t.ByKind[k] += n
		}
	}
	return t
}
