// Package casefile holds the criminal case (卷宗) as the procuratorate
// registers it, and the scanned materials its clerks upload by volume.
package casefile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Stage is the procedural stage a case is at.
type Stage string

// The stages, in procedural order.
const (
	Investigation     Stage = "investigation"
	ArrestReview      Stage = "arrest_review"
	ProsecutionReview Stage = "prosecution_review" // 审查起诉
	Trial             Stage = "trial"
	Closed            Stage = "closed"
)

var stageOrder = []Stage{Investigation, ArrestReview, ProsecutionReview, Trial, Closed}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool { return slices.Contains(stageOrder, s) }

// Reviewable reports whether defence lawyers may review files at stage s:
// from 审查起诉 on, not during investigation or arrest review.
func (s Stage) Reviewable() bool {
	return slices.Index(stageOrder, s) >= slices.Index(stageOrder, ProsecutionReview)
}

// Exclusion is a category that bars internet review of a case.
type Exclusion string

// Known exclusions; each sends the lawyer to on-site review instead.
const (
	StateSecrets         Exclusion = "state_secrets"
	Minor                Exclusion = "minor"
	CoOffendersAtLarge   Exclusion = "co_offenders_at_large"
	WitnessProtection    Exclusion = "witness_protection"
	OtherSensitiveReason Exclusion = "other"
)

var exclusionText = map[Exclusion]string{
	StateSecrets:         "涉及国家秘密",
	Minor:                "涉及未成年人",
	CoOffendersAtLarge:   "有同案犯在逃",
	WitnessProtection:    "涉及证人保护",
	OtherSensitiveReason: "其他不宜网上阅卷的情形",
}

// Text is the exclusion's reason in Chinese, for replies.
func (e Exclusion) Text() string {
	if t, ok := exclusionText[e]; ok {
		return t
	}
	return string(e)
}

// Handler is the prosecutor handling the case (承办人).
type Handler struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// Case is a registered case.
type Case struct {
	ID           string      `json:"id"`
	CaseNo       string      `json:"caseNo"`
	Title        string      `json:"title"`
	Unit         string      `json:"unit"`
	Stage        Stage       `json:"stage"`
	OnlineReview bool        `json:"onlineReview"`
	Exclusions   []Exclusion `json:"exclusions,omitempty"`
	Handler      Handler     `json:"handler"`
	Defendants   []string    `json:"defendants"`
	// ContentVersion increases whenever the set of accepted materials
	// changes; a base dossier is built once per content version.
	ContentVersion int       `json:"contentVersion"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
	// Concluded marks the case concluded (办结), see Conclude.
	Concluded   bool       `json:"concluded,omitempty"`
	ConcludedAt *time.Time `json:"concludedAt,omitempty"`
	ConcludedBy string     `json:"concludedBy,omitempty"`

	rev int64
}

// Problem is one thing wrong with a request, with the field it concerns.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Problems is a list of problems, reported all at once.
type Problems []Problem

func (p Problems) Error() string {
	msgs := make([]string, len(p))
	for i, x := range p {
		msgs[i] = x.Field + ": " + x.Message
	}
	return strings.Join(msgs, "; ")
}

// Validate checks a case as a clerk registers it.
func (c *Case) Validate() error {
	var ps Problems
	c.CaseNo = NormalizeCaseNo(c.CaseNo)
	c.Title = strings.TrimSpace(c.Title)
	if c.CaseNo == "" {
		ps = append(ps, Problem{"caseNo", string(msg.CaseNoRequired)})
	} else {
		ps.Text(limits.CaseNo, "caseNo", c.CaseNo)
	}
	if c.Title == "" {
		ps = append(ps, Problem{"title", string(msg.CaseTitleRequired)})
	} else {
		ps.Text(limits.CaseTitle, "title", c.Title)
	}
	if !c.Stage.Valid() {
		ps = append(ps, Problem{"stage", msg.UnknownStage.Format(limits.Short(string(c.Stage), 32))})
	}
	c.Handler.Name, c.Handler.Phone = strings.TrimSpace(c.Handler.Name), strings.TrimSpace(c.Handler.Phone)
	if c.Handler.Name == "" || c.Handler.Phone == "" {
		ps = append(ps, Problem{"handler", string(msg.HandlerRequired)})
	}
	ps.Text(limits.PersonName, "handler.name", c.Handler.Name)
	ps.Text(limits.Phone, "handler.phone", c.Handler.Phone)
	// A list over its count is refused whole, its items unchecked.
	if ps.Count(limits.Defendants, "defendants", len(c.Defendants)) {
		var defs []string
		for i, d := range c.Defendants {
			if d = strings.TrimSpace(d); d != "" {
				ps.Text(limits.DefendantName, fmt.Sprintf("defendants[%d]", i), d)
				defs = append(defs, d)
			}
		}
		c.Defendants = defs
		if len(defs) == 0 {
			ps = append(ps, Problem{"defendants", string(msg.DefendantRequired)})
		}
	}
	if ps.Count(limits.Exclusions, "exclusions", len(c.Exclusions)) {
		for _, e := range c.Exclusions {
			if _, ok := exclusionText[e]; !ok {
				ps = append(ps, Problem{"exclusions", msg.UnknownExclusion.Format(limits.Short(string(e), 32))})
			}
		}
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// HasDefendant reports whether name is a defendant of the case.
func (c *Case) HasDefendant(name string) bool {
	return slices.Contains(c.Defendants, strings.TrimSpace(name))
}

// MaterialStatus is where an uploaded file stands.
type MaterialStatus string

// Material statuses.
const (
	AwaitingUpload MaterialStatus = "awaiting_upload"
	Processing     MaterialStatus = "processing"
	Accepted       MaterialStatus = "accepted"
	Rejected       MaterialStatus = "rejected"
)

// OCRState is what text recognition (issue 18, docs/ocr.md) made of an
// accepted material. A material is never refused for it.
type OCRState string

// OCR states; empty when recognition did not run (switched off, or the
// material was accepted before it existed).
const (
	OCRDone    OCRState = "done"    // every page has text: recognised, or its own
	OCRPartial OCRState = "partial" // recognition failed on OCRFailedPages
	OCRFailed  OCRState = "failed"  // recognition failed on every page it was needed on
)

// MaterialUploadPrefix begins the key of every material's upload in the
// uploads bucket. The key alone says what an uploaded object is, so an
// ObjectCreated event needs no lookup to be routed (ingest.ParseKey).
const MaterialUploadPrefix = "uploads/materials/"

// MaterialUploadKey is where the original upload of material id of case
// caseID goes.
func MaterialUploadKey(caseID, id string) string { return MaterialUploadPrefix + caseID + "/" + id }

// Material is one scanned file of a case volume.
type Material struct {
	ID          string         `json:"id"`
	CaseID      string         `json:"caseId"`
	Volume      int            `json:"volume"`
	VolumeTitle string         `json:"volumeTitle"`
	Seq         int            `json:"seq"`
	Title       string         `json:"title"`
	Filename    string         `json:"filename"`
	Size        int64          `json:"size,omitempty"` // declared at registration; the upload URL accepts exactly this many bytes
	Status      MaterialStatus `json:"status"`
	Reason      string         `json:"reason,omitempty"`
	Pages       int            `json:"pages,omitempty"`
	Kind        string         `json:"kind,omitempty"`
	// Decrypted: the upload was a PDF with only an owner password; it was
	// opened with the empty user password and its restrictions removed.
	Decrypted bool `json:"decrypted,omitempty"`
	// Repaired lists what ingest repaired or converted to accept a file
	// that readers open (scan.Info.Repaired), for the clerk to check.
	Repaired []string `json:"repaired,omitempty"`
	// OCR is what text recognition made of the pages; OCRFailedPages the
	// pages it failed on (they are in the dossier without text), Rotated
	// the pages that lay sideways or upside down and were turned upright.
	OCR            OCRState `json:"ocr,omitempty"`
	OCRFailedPages []int    `json:"ocrFailedPages,omitempty"`
	Rotated        []int    `json:"rotated,omitempty"`
	// Replaces is the material this one replaces (a clerk's re-scan): the
	// replaced one leaves the case when this one is accepted (at once when
	// it had nothing in the dossier); a change list between dossiers names
	// the pair.
	Replaces  string    `json:"replaces,omitempty"`
	UploadKey string    `json:"-"`
	PDFKey    string    `json:"-"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Unfinished marks a verdict (accepted, rejected) whose follow-ups, the
	// case's new content version and the audit record, are not all written
	// yet (see docs/recovery.md). Runs counts the ingest runs begun and not
	// ended (a run that crashed the process leaves its count).
	Unfinished bool `json:"-"`
	Runs       int  `json:"-"`
	// LapsesAt is when a material still awaiting its upload stops existing
	// (the store's expiry): its last upload URL has expired by then, so a
	// refresh mid-upload leaves no permanent 等待上传 row. Nil: never.
	LapsesAt *time.Time `json:"lapsesAt,omitempty"`

	rev int64
}

// Validate checks a material's description before its upload URL is issued.
func (m *Material) Validate() error {
	var ps Problems
	m.Title = strings.TrimSpace(m.Title)
	m.Filename = strings.TrimSpace(m.Filename)
	m.VolumeTitle = strings.TrimSpace(m.VolumeTitle)
	ps.Range(limits.Volume, "volume", m.Volume)
	ps.Range(limits.Seq, "seq", m.Seq)
	ps.Text(limits.VolumeTitle, "volumeTitle", m.VolumeTitle)
	if m.Title == "" {
		ps = append(ps, Problem{"title", string(msg.MaterialTitleRequired)})
	} else {
		ps.Text(limits.MaterialTitle, "title", m.Title)
	}
	if m.Filename == "" || strings.ContainsAny(m.Filename, "/\\\x00") {
		ps = append(ps, Problem{"filename", string(msg.BareFilename)})
	} else {
		ps.Text(limits.Filename, "filename", m.Filename)
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// ErrDuplicate is returned when a case number is already registered.
var ErrDuplicate = errors.New("casefile: case number already registered")

// Repo keeps cases and materials in a store table.
type Repo struct {
	T   store.Table
	Now func() time.Time
}

func (r *Repo) now() time.Time { return store.Now(r.Now) }

// NewID returns a new sortable unique id.
func NewID() string { return strings.ToLower(ulid.Make().String()) }

func caseKey(id string) (string, string) { return "case#" + id, "case" }

// Create registers c, rejecting a case number already in use. It first
// registers c's unit in the unit registry (see Units).
func (r *Repo) Create(ctx context.Context, c *Case) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := r.RegisterUnit(ctx, c.Unit); err != nil {
		return err
	}
	now := r.now()
	c.ID = NewID()
	c.CreatedAt, c.UpdatedAt = now, now
	// The case number is unique: claim it first with a conditional write.
	idx := store.Item{PK: "caseno#" + c.CaseNo, SK: "caseno", Data: []byte(c.ID)}
	if _, err := r.T.Put(ctx, idx); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: %s", ErrDuplicate, c.CaseNo)
		}
		return fmt.Errorf("casefile: claim case number: %w", err)
	}
	return r.put(ctx, c)
}

// cases is the repository's typed view of the case records.
func (r *Repo) cases() store.Records[Case] {
	return store.Records[Case]{T: r.T, Kind: "casefile: case",
		Rev: func(c *Case) *int64 { return &c.rev },
		Item: func(c *Case) store.Item {
			pk, sk := caseKey(c.ID)
			return store.Item{PK: pk, SK: sk, GSI1PK: "unit#" + c.Unit + "#cases", GSI1SK: store.TimeKey(c.CreatedAt) + "#" + c.ID}
		},
	}
}

func (r *Repo) put(ctx context.Context, c *Case) error { return r.cases().Put(ctx, c) }

// Get returns the case with id (store.ErrNotFound if none).
func (r *Repo) Get(ctx context.Context, id string) (*Case, error) {
	pk, sk := caseKey(id)
	return r.cases().Get(ctx, pk, sk)
}

// GetByNo returns the case registered under case number no, however it
// was typed (NormalizeCaseNo); a case registered before numbers were
// normalised is found under the number as it was registered.
func (r *Repo) GetByNo(ctx context.Context, no string) (*Case, error) {
	it, err := r.T.Get(ctx, "caseno#"+NormalizeCaseNo(no), "caseno")
	if errors.Is(err, store.ErrNotFound) && strings.TrimSpace(no) != NormalizeCaseNo(no) {
		it, err = r.T.Get(ctx, "caseno#"+strings.TrimSpace(no), "caseno")
	}
	if err != nil {
		return nil, fmt.Errorf("casefile: case number %s: %w", no, err)
	}
	return r.Get(ctx, string(it.Data))
}

// ListByUnit returns a unit's cases, newest first.
func (r *Repo) ListByUnit(ctx context.Context, unit string) ([]*Case, error) {
	return r.cases().List(ctx, store.Query{Index: store.GSI1, PK: "unit#" + unit + "#cases", Desc: true}, nil)
}

// Update applies fn to the stored case and saves it, retrying on concurrent
// writes so that no update is lost.
func (r *Repo) Update(ctx context.Context, id string, fn func(*Case) error) (*Case, error) {
	pk, sk := caseKey(id)
	return r.cases().Update(ctx, pk, sk, func(c *Case) error {
		if err := fn(c); err != nil {
			return err
		}
		c.UpdatedAt = r.now()
		return nil
	})
}

// IDTime returns the creation time encoded in an id made by NewID.
func IDTime(id string) (time.Time, bool) {
	u, err := ulid.ParseStrict(strings.ToUpper(id))
	if err != nil {
		return time.Time{}, false
	}
	return ulid.Time(u.Time()), true
}
