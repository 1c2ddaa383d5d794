// Package application is a lawyer's application to review a case's files:
// its checks (all problems reported at once, 一次性告知补正), its states, and
// the rule that every application ends with a reply (件件有回复).
package application

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Status is where an application stands.
type Status string

// The states. Submitted and PendingReview wait for a clerk; Refused is an
// end; Expired ends the review until a new link reopens it (Reopen); every
// end carries a reply.
const (
	Submitted     Status = "submitted"
	PendingReview Status = "pending_review"
	Approved      Status = "approved"
	Ready         Status = "ready" // dossier assembled, link issued
	Refused       Status = "refused"
	Expired       Status = "expired"
	// NeedsCorrection (补正): the clerk asked the lawyer to fix named
	// items; the application stays open and the statutory clock waits for
	// the lawyer (docs/design.md, "补正 stops the clock").
	NeedsCorrection Status = "needs_correction"
)

// Undecided reports whether the application still waits for the unit's
// decision (with the lawyer, while NeedsCorrection).
func (s Status) Undecided() bool { return s == Submitted || s == PendingReview || s == NeedsCorrection }

// Live reports whether the application is still open or usable.
func (s Status) Live() bool { return s != Refused && s != Expired }

var transitions = map[Status][]Status{
	Submitted:     {PendingReview, Refused},
	PendingReview: {Approved, Refused, NeedsCorrection},
	// NeedsCorrection→PendingReview: the lawyer resubmitted; a clerk may
	// still refuse while waiting (e.g. the lawyer withdrew by phone).
	NeedsCorrection: {PendingReview, Refused},
	Approved:        {Ready, Refused},
	Ready:           {Expired, Refused, Ready}, // Ready→Ready: a new copy after the case changed, or a new link
	// Expired→Ready: a new link after the old one expired (Reopen): the
	// counter and the clock deter leaks, they never end a lawyer's review.
	Expired: {Ready},
}

// CanMove reports whether from→to is allowed.
func CanMove(from, to Status) bool { return slices.Contains(transitions[from], to) }

// Kind is who applies.
type Kind string

// Kinds of applicant. Victims' agents always need explicit clerk permission.
const (
	Defence     Kind = "defence"
	VictimAgent Kind = "victim_agent"
)

// Channel is how the application arrived.
type Channel string

// Channels: online by the lawyer, or registered by a clerk from the 12309
// hotline or the 12309 service centre on the lawyer's behalf.
const (
	Online  Channel = "online"
	Hotline Channel = "hotline"
	Centre  Channel = "centre"
)

// Lawyer identifies the applicant.
type Lawyer struct {
	Name    string `json:"name"`
	License string `json:"license"` // 执业证号
	Firm    string `json:"firm"`
	Phone   string `json:"phone"`
}

// Decision is what the answer to an application decided.
type Decision string

// The decisions: approved (许可) or refused (不予许可, with a written
// reason).
const (
	Approve Decision = "approve"
	Reject  Decision = "reject"
)

// Reply is the written answer to an application.
type Reply struct {
	Decision Decision  `json:"decision"`
	Reason   string    `json:"reason"`
	By       string    `json:"by"`
	ByName   string    `json:"byName,omitempty"`
	At       time.Time `json:"at"`
	// Contact is whom to call about it (the case handler).
	Contact *casefile.Handler `json:"contact,omitempty"`
}

// Transition is one recorded state change, or, with Step, one recorded
// act that changes no state (From and To both the status it happened in).
type Transition struct {
	From   Status    `json:"from,omitempty"`
	To     Status    `json:"to"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
	Step   StepKind  `json:"step,omitempty"`
}

// StepKind names a recorded act that is not a change of state.
type StepKind string

// StepAcknowledged is the unit's 受理.
const StepAcknowledged StepKind = "acknowledged"

// Record adds step, done by by with reason at at, to the history without
// changing the status.
func (a *Application) Record(step StepKind, by, reason string, at time.Time) {
	a.History = append(a.History, Transition{From: a.Status, To: a.Status, At: at, By: by, Reason: reason, Step: step})
}

// fieldLabels name what a clerk may ask to be fixed, as the lawyer reads it.
var fieldLabels = map[string]string{
	"client": "委托人", "lawyer.firm": "律师事务所", "lawyer.phone": "联系电话",
	"attachments." + string(PracticeCertificate): "律师执业证",
	"attachments." + string(FirmLetter):          "律师事务所证明",
	"attachments." + string(PowerOfAttorney):     "授权委托书或法律援助公函",
	"attachments." + string(LegalAidLetter):      "授权委托书或法律援助公函",
}

// FieldLabel is field in Chinese (the field itself if unknown).
func FieldLabel(field string) string {
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	return field
}

// Application is one lawyer's request to review one case.
type Application struct {
	ID     string `json:"id"`
	CaseID string `json:"caseId"`
	CaseNo string `json:"caseNo"`
	// CaseTitle is the case's name (案件名称) when it was applied for, so
	// the lawyer's list names the case, not only its number.
	CaseTitle string `json:"caseTitle,omitempty"`
	// Receipt is the receipt number (受理回执号), ReceiptNo: filled when the
	// application is shown, not stored.
	Receipt     string   `json:"receipt,omitempty"`
	Unit        string   `json:"unit"`
	Client      string   `json:"client"`
	Kind        Kind     `json:"kind"`
	Channel     Channel  `json:"channel"`
	Lawyer      Lawyer   `json:"lawyer"`
	Attachments []string `json:"attachments"`
	Status      Status   `json:"status"`
	// Flags are warnings a clerk should see (e.g. a legacy 12-digit
	// certificate number); they do not block the application.
	Flags       []string  `json:"flags,omitempty"`
	SubmittedAt time.Time `json:"submittedAt"`
	// Deadline is the statutory reply date (Asia/Shanghai civil date).
	Deadline          string `json:"deadline"`
	DeadlineUncertain bool   `json:"deadlineUncertain,omitempty"`
	Reply             *Reply `json:"reply,omitempty"`
	// Reminded and OverdueNotified record what the deadline job has sent.
	Reminded        bool         `json:"reminded,omitempty"`
	OverdueNotified bool         `json:"overdueNotified,omitempty"`
	CopyKey         string       `json:"copyKey,omitempty"`
	LinkID          string       `json:"linkId,omitempty"`
	History         []Transition `json:"history"`

	// Hold, while set, says why the dossier of the approved application is
	// not built yet: materials of its case are not all decided (see Hold).
	Hold *Hold `json:"hold,omitempty"`
	// Acknowledged is the unit's 受理: who acknowledged receipt, and when;
	// nil until then. A recorded step, not a state (docs/design.md,
	// "受理 is a step, not a state").
	Acknowledged *Step `json:"acknowledged,omitempty"`
	// Corrections are the rounds of 补正, oldest first; the last is open
	// while the status is NeedsCorrection.
	Corrections []Correction `json:"corrections,omitempty"`
	// Failure, while set, says why the dossier of the approved application
	// was given up for the case's content version (see Failure).
	Failure *Failure `json:"failure,omitempty"`

	rev int64
}

// Step is a recorded act of a person on an application.
type Step struct {
	By     string    `json:"by"`
	ByName string    `json:"byName,omitempty"`
	At     time.Time `json:"at"`
}

// Correction is one round of 补正: the items the clerk named, each with
// its reason, and the lawyer's answer.
type Correction struct {
	Items []CorrectionItem `json:"items"`
	Note  string           `json:"note,omitempty"`
	Asked Step             `json:"asked"`
	// Answered is set when the lawyer resubmitted; Replaced are the
	// attachment ids the answer replaced (kept viewable), Changed the
	// fields it changed, "field: old → new".
	Answered *Step    `json:"answered,omitempty"`
	Replaced []string `json:"replaced,omitempty"`
	Changed  []string `json:"changed,omitempty"`
}

// CorrectionItem is one thing to fix: a field the lawyer typed
// (CorrectableFields) or a document slot ("attachments.<kind>").
type CorrectionItem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// CorrectableFields are the typed fields a clerk may ask to be fixed; the
// case number is not among them (a wrong case is a new application).
var CorrectableFields = []string{"client", "lawyer.firm", "lawyer.phone"}

// Correctable reports whether field names something a clerk may ask the
// lawyer to fix: a CorrectableFields field, or a document slot of an
// application's kinds.
func Correctable(field string) bool {
	if slices.Contains(CorrectableFields, field) {
		return true
	}
	k, ok := strings.CutPrefix(field, "attachments.")
	return ok && AttachmentKind(k).Valid() && AttachmentKind(k) != SupportingDocument
}

// OpenCorrection is the round of 补正 waiting for the lawyer, or nil.
func (a *Application) OpenCorrection() *Correction {
	if a.Status != NeedsCorrection || len(a.Corrections) == 0 {
		return nil
	}
	return &a.Corrections[len(a.Corrections)-1]
}

// ReceiptNo is a's receipt number (受理回执号): "YJ", the day it was
// submitted (Beijing time, YYYYMMDD) and its id in capitals, joined by
// hyphens — YJ-20261207-01KC3Z8QF1T9V5X2M7A4B6C8D0. The id is a ULID, unique
// by construction (its first ten characters the submission's millisecond),
// so the receipt is unique without a counter, and the id can be read back
// from it (lower case). docs/api.md, "Receipt numbers".
func ReceiptNo(a *Application) string {
	if a.ID == "" {
		return ""
	}
	return "YJ-" + a.SubmittedAt.In(beijing).Format("20060102") + "-" + strings.ToUpper(a.ID)
}

// beijing is the zone of the receipt's date.
var beijing = time.FixedZone("CST", 8*3600)

// Move changes the status, recording who did it and why.
func (a *Application) Move(to Status, by, reason string, at time.Time) error {
	if !CanMove(a.Status, to) {
		return fmt.Errorf("%w: %s → %s", ErrTransition, a.Status, to)
	}
	a.History = append(a.History, Transition{From: a.Status, To: to, At: at, By: by, Reason: reason})
	a.Status = to
	return nil
}

// ErrTransition is returned for a state change the rules forbid.
var ErrTransition = errors.New("application: transition not allowed")

// AttachmentKind names a supporting document.
type AttachmentKind string

// Attachment kinds.
const (
	PracticeCertificate AttachmentKind = "practice_certificate"
	FirmLetter          AttachmentKind = "firm_letter"
	PowerOfAttorney     AttachmentKind = "power_of_attorney"
	LegalAidLetter      AttachmentKind = "legal_aid_letter"
	// SupportingDocument is any other document a lawyer sends with a
	// complaint or an opinion; it never stands in for an application's
	// required documents.
	SupportingDocument AttachmentKind = "supporting_document"
)

// Valid reports whether k is known.
func (k AttachmentKind) Valid() bool {
	return k == PracticeCertificate || k == FirmLetter || k == PowerOfAttorney || k == LegalAidLetter || k == SupportingDocument
}

// AttachmentUploadPrefix begins the key of every attachment's upload in
// the uploads bucket (see casefile.MaterialUploadPrefix).
const AttachmentUploadPrefix = "uploads/attachments/"

// AttachmentUploadKey is where the upload of attachment id goes.
func AttachmentUploadKey(id string) string { return AttachmentUploadPrefix + id }

// Attachment is a lawyer's uploaded supporting document.
type Attachment struct {
	ID          string         `json:"id"`
	Kind        AttachmentKind `json:"kind"`
	Filename    string         `json:"filename"`
	Owner       string         `json:"owner"` // license no. of the uploading lawyer, or clerk id
	Uploaded    bool           `json:"uploaded"`
	ContentType string         `json:"contentType,omitempty"` // sniffed from the bytes
	Size        int64          `json:"size,omitempty"`
	// Pages is a PDF's page count (1 for an image), read when it arrived.
	Pages int `json:"pages,omitempty"`
	// Verdict is final once the file arrived (Uploaded): accepted, or
	// refused with Reason in Chinese, so the lawyer's page says at once
	// what submit would say (issue 16, defect 6).
	Verdict   Verdict   `json:"verdict,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Key       string    `json:"-"`
	CreatedAt time.Time `json:"createdAt"`
}

// Verdict is what the check of an arrived attachment decided.
type Verdict string

// The verdicts: an attachment is accepted, or refused with a reason.
const (
	AttachmentAccepted Verdict = "accepted"
	AttachmentRefused  Verdict = "refused"
)

// AllowedType reports whether an attachment sniffed as contentType may
// support an application (PDF, JPEG, PNG).
func AllowedType(contentType string) bool { return slices.Contains(allowedTypes, contentType) }

// Judge sets at's verdict from its sniffed type and, for a PDF, whether it
// could be read (pages > 0; readErr the reader's failure): a file of
// another type, or a PDF no reader opens, is refused with the reason the
// lawyer reads.
func Judge(at *Attachment, pages int, readErr error) {
	at.Pages, at.Verdict, at.Reason = pages, AttachmentAccepted, ""
	switch {
	case !AllowedType(at.ContentType):
		at.Verdict, at.Reason, at.Pages = AttachmentRefused, msg.AttachmentType.Format(at.Filename, at.ContentType), 0
	case at.ContentType == "application/pdf" && (readErr != nil || pages < 1):
		at.Verdict, at.Reason, at.Pages = AttachmentRefused, msg.AttachmentUnreadable.Format(at.Filename), 0
	}
}

var (
	license17 = regexp.MustCompile(`^[0-9]{17}$`)
	license12 = regexp.MustCompile(`^[0-9]{12}$`)
)

// Problem is one thing the applicant must fix.
type Problem = casefile.Problem

// Problems lists them all at once.
type Problems = casefile.Problems

// Check is everything validation looks at.
type Check struct {
	App *Application
	// SignedName is the lawyer's name from the token, or for a clerk
	// registering on a lawyer's behalf, empty (not compared).
	SignedName string
	Case       *casefile.Case // nil if the case number is unknown
	// Attachments are the records for App.Attachments, in order; nil
	// entries for ids that do not exist or belong to someone else.
	Attachments []*Attachment
}

var allowedTypes = []string{"application/pdf", "image/jpeg", "image/png"}

// Validate returns every problem with the application, or nil. It also
// normalises fields and sets App.Flags.
func Validate(c Check) Problems {
	a := c.App
	var ps Problems
	add := func(f, m string) { ps = append(ps, Problem{Field: f, Message: m}) }
	a.Lawyer.Name = strings.TrimSpace(a.Lawyer.Name)
	a.Lawyer.License = casefile.NormalizeLicense(a.Lawyer.License)
	a.Lawyer.Firm = strings.TrimSpace(a.Lawyer.Firm)
	a.Lawyer.Phone = strings.TrimSpace(a.Lawyer.Phone)
	a.Client = strings.TrimSpace(a.Client)
	a.CaseNo = casefile.NormalizeCaseNo(a.CaseNo)
	a.Flags = nil

	switch {
	case license17.MatchString(a.Lawyer.License):
	case license12.MatchString(a.Lawyer.License):
		a.Flags = append(a.Flags, "legacy_license_12_digits")
	default:
		add("lawyer.license", string(msg.License))
	}
	switch {
	case a.Lawyer.Name == "":
		add("lawyer.name", string(msg.LawyerNameRequired))
	case !ps.Text(limits.PersonName, "lawyer.name", a.Lawyer.Name):
	case c.SignedName != "" && a.Lawyer.Name != c.SignedName:
		add("lawyer.name", msg.NameNotSigner.Format(a.Lawyer.Name, c.SignedName))
	}
	if a.Lawyer.Firm == "" {
		add("lawyer.firm", string(msg.FirmRequired))
	}
	ps.Text(limits.Firm, "lawyer.firm", a.Lawyer.Firm)
	if a.Lawyer.Phone == "" {
		add("lawyer.phone", string(msg.PhoneForResult))
	}
	ps.Text(limits.Phone, "lawyer.phone", a.Lawyer.Phone)
	if a.Kind == "" {
		a.Kind = Defence
	}
	if a.Kind != Defence && a.Kind != VictimAgent {
		add("kind", string(msg.ApplicantKind))
	}
	if a.Channel == "" {
		a.Channel = Online
	}
	switch {
	case a.CaseNo == "":
		add("caseNo", string(msg.CaseNoRequired))
	case !ps.Text(limits.CaseNo, "caseNo", a.CaseNo):
	case c.Case == nil:
		add("caseNo", msg.NoSuchCaseNo.Format(a.CaseNo))
	case !c.Case.Stage.Reviewable():
		add("caseNo", string(msg.NotReviewable))
	}
	switch {
	case a.Client == "":
		add("client", string(msg.ClientRequired))
	case !ps.Text(limits.DefendantName, "client", a.Client):
	case c.Case != nil && a.Kind == Defence && !c.Case.HasDefendant(a.Client):
		add("client", msg.NotADefendant.Format(a.Client))
	}

	if !ps.Count(limits.Attachments, "attachments", len(a.Attachments)) {
		return ps // the documents are not looked at one by one
	}
	// tried: the kinds sent, whose problem, if any, is said at the file,
	// not again as missing (issue 16, defect 6: each problem once).
	tried := map[AttachmentKind]bool{}
	for i, id := range a.Attachments {
		var at *Attachment
		if i < len(c.Attachments) {
			at = c.Attachments[i]
		}
		field := fmt.Sprintf("attachments[%d]", i)
		if at != nil {
			tried[at.Kind] = true
		}
		switch {
		case !ps.Text(limits.AttachmentID, field, id):
		case at == nil:
			add(field, msg.NotYourAttachment.Format(id))
		case !at.Uploaded:
			add(field, msg.NotUploaded.Format(at.Filename))
		case at.Verdict == AttachmentRefused:
			add(field, at.Reason)
		case !slices.Contains(allowedTypes, at.ContentType):
			add(field, msg.AttachmentType.Format(at.Filename, at.ContentType))
		}
	}
	// A missing document is named at its slot ("attachments.<kind>").
	if !tried[PracticeCertificate] {
		add("attachments."+string(PracticeCertificate), string(msg.NeedCertificate))
	}
	if !tried[FirmLetter] {
		add("attachments."+string(FirmLetter), string(msg.NeedFirmLetter))
	}
	if !tried[PowerOfAttorney] && !tried[LegalAidLetter] {
		add("attachments."+string(PowerOfAttorney), string(msg.NeedPowerOfAttorney))
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// Ineligible returns a refusal reason if the case may not be reviewed over
// the internet, or "" if it may. The lawyer is pointed to on-site review.
func Ineligible(c *casefile.Case) string {
	var why []string
	for _, e := range c.Exclusions {
		why = append(why, e.Text())
	}
	if !c.OnlineReview && len(why) == 0 {
		why = append(why, "本案未开通互联网阅卷")
	}
	if len(why) == 0 {
		return ""
	}
	return fmt.Sprintf("本案%s，不适用互联网阅卷。请携带执业证、律师事务所证明和授权委托书到本院案件管理部门现场阅卷，或致电 12309 预约。承办人：%s，电话 %s。",
		strings.Join(why, "、"), c.Handler.Name, c.Handler.Phone)
}

// Repo keeps applications and attachments in a store table.
type Repo struct {
	T   store.Table
	Now func() time.Time
}

func (r *Repo) now() time.Time { return store.Now(r.Now) }

func appKey(id string) (string, string) { return "app#" + id, "app" }
func liveKey(license, caseID string) (string, string) {
	return "live#" + license + "#" + caseID, "live"
}

// records is the repository's typed view of the application records; a
// saved application is kept in the open list while it is open (trackOpen).
func (r *Repo) records() store.Records[Application] {
	return store.Records[Application]{T: r.T, Kind: "application",
		Rev: func(a *Application) *int64 { return &a.rev },
		Item: func(a *Application) store.Item {
			pk, sk := appKey(a.ID)
			return store.Item{PK: pk, SK: sk,
				GSI1PK: "lawyer#" + a.Lawyer.License, GSI1SK: store.TimeKey(a.SubmittedAt) + "#" + a.ID,
				GSI2PK: "unit#" + a.Unit + "#apps", GSI2SK: a.Deadline + "#" + store.TimeKey(a.SubmittedAt) + "#" + a.ID}
		},
		Saved: r.trackOpen,
	}
}

func (r *Repo) put(ctx context.Context, a *Application) error { return r.records().Put(ctx, a) }

// Create stores a new application, or, if the same lawyer already has a
// live application for the same case, returns that one and created=false.
// It is safe under concurrent submits: a conditional write on a per-lawyer,
// per-case key decides which submit wins. The winner also lists the
// application under its case (see ByCase).
func (r *Repo) Create(ctx context.Context, a *Application) (got *Application, created bool, err error) {
	lpk, lsk := liveKey(a.Lawyer.License, a.CaseID)
	for range 50 {
		if a.ID == "" {
			a.ID = casefile.NewID()
		}
		_, err := r.T.Put(ctx, store.Item{PK: lpk, SK: lsk, Data: []byte(a.ID)})
		if err == nil {
			// The case index first: an index item without its
			// application is skipped by ByCase, an application without
			// its index item would be missed.
			if err := r.indexCase(ctx, a); err != nil {
				return nil, false, err
			}
			if err := r.put(ctx, a); err != nil {
				return nil, false, err
			}
			return a, true, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return nil, false, fmt.Errorf("application: claim live key: %w", err)
		}
		it, err := r.T.Get(ctx, lpk, lsk)
		if errors.Is(err, store.ErrNotFound) {
			continue // released meanwhile; try again
		}
		if err != nil {
			return nil, false, err
		}
		existing, err := r.Get(ctx, string(it.Data))
		if errors.Is(err, store.ErrNotFound) {
			// The winner has claimed the key but not yet written the
			// application, or died in between; wait for it, then reclaim.
			if time.Since(r.liveAge(it)) > 30*time.Second {
				_ = r.T.Delete(ctx, lpk, lsk, it.Version)
				continue
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if err != nil {
			return nil, false, err
		}
		if existing.Status.Live() {
			return existing, false, nil
		}
		_ = r.T.Delete(ctx, lpk, lsk, it.Version) // stale marker of an ended application
	}
	return nil, false, errors.New("application: create: could not settle a concurrent submission, please retry")
}

// Live returns the lawyer's live application for the case, or nil if there
// is none. It is a read-only shortcut for the common repeated submit; Create
// remains the one that decides under concurrency.
func (r *Repo) Live(ctx context.Context, license, caseID string) (*Application, error) {
	lpk, lsk := liveKey(license, caseID)
	it, err := r.T.Get(ctx, lpk, lsk)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a, err := r.Get(ctx, string(it.Data))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil || !a.Status.Live() {
		return nil, err
	}
	return a, nil
}

// liveAge is the creation time encoded in the application's ULID.
func (r *Repo) liveAge(it store.Item) time.Time {
	if t, ok := casefile.IDTime(string(it.Data)); ok {
		return t
	}
	return time.Time{}
}

// Get returns the application with id.
func (r *Repo) Get(ctx context.Context, id string) (*Application, error) {
	pk, sk := appKey(id)
	return r.records().Get(ctx, pk, sk)
}

// Update applies fn to the stored application and saves it, retrying on
// concurrent writes. When the application ends, its live key is released so
// that the lawyer can apply again.
func (r *Repo) Update(ctx context.Context, id string, fn func(*Application) error) (*Application, error) {
	return store.Retry(func() (*Application, error) {
		a, err := r.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		wasLive := a.Status.Live()
		if err := fn(a); err != nil {
			return nil, err
		}
		if err := r.put(ctx, a); err != nil {
			return nil, err
		}
		if wasLive && !a.Status.Live() {
			lpk, lsk := liveKey(a.Lawyer.License, a.CaseID)
			if it, err := r.T.Get(ctx, lpk, lsk); err == nil && string(it.Data) == a.ID {
				_ = r.T.Delete(ctx, lpk, lsk, it.Version)
			}
		}
		return a, nil
	})
}

// ErrLiveElsewhere is returned by Reopen when the lawyer has applied for
// the case again since: that application is the live one.
var ErrLiveElsewhere = errors.New("application: the lawyer has another live application for this case")

// Reopen applies fn, which makes ended application id live again, after
// claiming the application's live key back (see Create): if the lawyer has
// applied for the case again meanwhile, it returns ErrLiveElsewhere and
// changes nothing.
func (r *Repo) Reopen(ctx context.Context, id string, fn func(*Application) error) (*Application, error) {
	a, err := r.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	lpk, lsk := liveKey(a.Lawyer.License, a.CaseID)
	claimed := false
	for range 50 {
		if _, err := r.T.Put(ctx, store.Item{PK: lpk, SK: lsk, Data: []byte(a.ID)}); err == nil {
			claimed = true
			break
		} else if !errors.Is(err, store.ErrConflict) {
			return nil, fmt.Errorf("application: claim live key: %w", err)
		}
		it, err := r.T.Get(ctx, lpk, lsk)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if string(it.Data) == a.ID {
			break // ours already
		}
		other, err := r.Get(ctx, string(it.Data))
		if err == nil && other.Status.Live() {
			return nil, ErrLiveElsewhere
		}
		if errors.Is(err, store.ErrNotFound) && time.Since(r.liveAge(it)) <= 30*time.Second {
			return nil, ErrLiveElsewhere // being created now
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		_ = r.T.Delete(ctx, lpk, lsk, it.Version) // stale marker of an ended application
	}
	got, err := r.Update(ctx, id, fn)
	if err != nil && claimed {
		if it, gerr := r.T.Get(ctx, lpk, lsk); gerr == nil && string(it.Data) == a.ID {
			_ = r.T.Delete(ctx, lpk, lsk, it.Version)
		}
	}
	return got, err
}

func (r *Repo) list(ctx context.Context, q store.Query, keep func(*Application) bool) ([]*Application, error) {
	return r.records().List(ctx, q, keep)
}

// ByLawyer returns a lawyer's applications, newest first.
func (r *Repo) ByLawyer(ctx context.Context, license string) ([]*Application, error) {
	return r.list(ctx, store.Query{Index: store.GSI1, PK: "lawyer#" + license, Desc: true}, nil)
}

// ByUnit returns a unit's applications by deadline, earliest first; with
// open=true only those still waiting for a decision.
func (r *Repo) ByUnit(ctx context.Context, unit string, open bool) ([]*Application, error) {
	var keep func(*Application) bool
	if open {
		keep = func(a *Application) bool { return a.Status.Undecided() }
	}
	return r.list(ctx, store.Query{Index: store.GSI2, PK: "unit#" + unit + "#apps"}, keep)
}

func attKey(id string) (string, string) { return "att#" + id, "att" }

// PutAttachment creates or replaces an attachment record.
func (r *Repo) PutAttachment(ctx context.Context, at *Attachment) error {
	data, err := json.Marshal(struct {
		*Attachment
		Key string `json:"key"`
	}{at, at.Key})
	if err != nil {
		return err
	}
	pk, sk := attKey(at.ID)
	for range 20 {
		var ver int64
		if old, err := r.T.Get(ctx, pk, sk); err == nil {
			ver = old.Version
		}
		_, err = r.T.Put(ctx, store.Item{PK: pk, SK: sk, Version: ver, Data: data})
		if !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("application: save attachment %s: %w", at.ID, err)
	}
	return nil
}

// GetAttachment returns an attachment record.
func (r *Repo) GetAttachment(ctx context.Context, id string) (*Attachment, error) {
	pk, sk := attKey(id)
	it, err := r.T.Get(ctx, pk, sk)
	if err != nil {
		return nil, fmt.Errorf("attachment %s: %w", id, err)
	}
	var aux struct {
		Attachment
		Key string `json:"key"`
	}
	if err := json.Unmarshal(it.Data, &aux); err != nil {
		return nil, err
	}
	at := aux.Attachment
	at.Key = aux.Key
	return &at, nil
}

// Pending work: an approved application whose dossier is not yet made is
// listed under one partition, so a scheduler can re-queue it after a crash
// or a lost message without scanning every application.
const workPK = "work#assemble"

// MarkWork lists the application as awaiting its dossier.
func (r *Repo) MarkWork(ctx context.Context, id string) error {
	_, err := r.T.Put(ctx, store.Item{PK: workPK, SK: id, Data: []byte(r.now().Format(time.RFC3339))})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("application: mark work %s: %w", id, err)
	}
	return nil
}

// ClearWork removes the application from the pending work list.
func (r *Repo) ClearWork(ctx context.Context, id string) error {
	it, err := r.T.Get(ctx, workPK, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := r.T.Delete(ctx, workPK, id, it.Version); err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
		return err
	}
	return nil
}

// PendingWork lists applications awaiting their dossier.
func (r *Repo) PendingWork(ctx context.Context) ([]string, error) {
	items, err := store.All(ctx, r.T, store.Query{PK: workPK})
	if err != nil {
		return nil, fmt.Errorf("application: pending work: %w", err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.SK)
	}
	return ids, nil
}
