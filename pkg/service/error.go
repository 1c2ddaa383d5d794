// Package service holds the use cases of the service — submit an
// application, decide it, settle the audit records a crash left pending —
// between the transports (the HTTP API, the scheduled jobs) and the
// repositories. A use case checks the rules, writes its audit intents,
// stores the change, queues the work it causes and sends its notices; its
// callers decode, authorize, call and encode. Every failure a caller should
// tell apart is one *Error with a Code (docs/design.md, "Layers").
package service

import (
	"errors"

	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/msg"
)

// Code says what kind of failure an Error is; the HTTP API maps each to a
// status in one table (httpapi's statusOf) and sends it as the error's code.
type Code string

// The codes a use case returns, each answered with its status by the one
// table in httpapi (statusOf).
const (
	// Invalid: the request has problems the sender can fix (Problems lists
	// each, all at once).
	Invalid Code = "invalid"
	// NotFound: no such thing, or not one the caller may see; the codes
	// below name the thing.
	NotFound            Code = "not_found"
	ApplicationNotFound Code = "application_not_found"
	CaseNotFound        Code = "case_not_found"
	MaterialNotFound    Code = "material_not_found"
	AttachmentNotFound  Code = "attachment_not_found"
	ComplaintNotFound   Code = "complaint_not_found"
	OpinionNotFound     Code = "opinion_not_found"
	// LawyerNotFound: no registered lawyer's account of that practice
	// certificate number (or no account directory in this deployment).
	LawyerNotFound Code = "lawyer_not_found"
	// BindingNotFound: no explicit binding of the lawyer to the case.
	BindingNotFound Code = "binding_not_found"
	// DuplicateCase: the case number is registered already.
	DuplicateCase Code = "duplicate_case"
	// AlreadyDecided: the application was decided before.
	AlreadyDecided Code = "already_decided"
	// IdentityDecided: the lawyer's identity was verified or rejected
	// before; it is decided once.
	IdentityDecided Code = "identity_decided"
	// AwaitingScans: an application cannot be approved while its case
	// has no accepted scans (the dossier would have nothing to bind).
	AwaitingScans Code = "awaiting_scans"
	// AlreadyAcknowledged: the unit acknowledged the application (受理)
	// before; it is done once.
	AlreadyAcknowledged Code = "already_acknowledged"
	// AwaitingCorrection: the application waits for the lawyer's 补正; it
	// cannot be approved, nor asked to be corrected again, until then.
	AwaitingCorrection Code = "awaiting_correction"
	// NotAwaitingCorrection: a resubmission of an application nobody
	// asked to be corrected (or already resubmitted).
	NotAwaitingCorrection Code = "not_awaiting_correction"
	// AlreadyAnswered: the complaint or opinion was answered (or
	// withdrawn) before.
	AlreadyAnswered Code = "already_answered"
	// OpinionsUnanswered: a case with lawyers' opinions not yet answered
	// cannot be concluded (Problems names each).
	OpinionsUnanswered Code = "opinions_unanswered"
	// CaseConcluded: the case was concluded and takes no more submissions.
	CaseConcluded Code = "case_concluded"
	// MaterialBusy: the material is being checked, or a replacement of it
	// is pending; a verdict or the replacement comes first.
	MaterialBusy Code = "material_busy"
	// UploadNotAwaited: the material is not awaiting its upload (nothing to
	// resume).
	UploadNotAwaited Code = "upload_not_awaited"
	// NotReady: the application's dossier is not ready for download.
	NotReady Code = "not_ready"
	// RenewLimited: the lawyer asked for new links more often than
	// RenewalsPerDay allows.
	RenewLimited Code = "renew_limited"
	// FindLimited: the caller's searches for a case found nothing too
	// often (FindMissesBurst); one more is allowed every FindMissEvery.
	FindLimited Code = "find_limited"
	// The refusals of a download link (links.go).
	LinkExpired   Code = "link_expired"
	LinkRevoked   Code = "link_revoked"
	LinkExhausted Code = "link_exhausted"
	LinkInvalid   Code = "link_invalid"
	LinkForeign   Code = "link_foreign"
	// BadQuery: a query's parameters cannot be read or run.
	BadQuery Code = "bad_query"
	// Internal: anything else; the message tells nothing of the cause.
	Internal Code = "internal"
)

// Error is the one error type of the use cases: a code, a message for
// the person who sent the request (Chinese, then English) and, for Invalid,
// the problems field by field. Err is the cause, for the log only.
type Error struct {
	Code     Code
	Message  string
	Problems casefile.Problems
	Err      error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return string(e.Code) + ": " + e.Message + ": " + e.Err.Error()
	}
	return string(e.Code) + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Fail is an Error of code whose message is m with args (msg.Text.Format).
func Fail(code Code, m msg.Text, args ...any) *Error {
	return &Error{Code: code, Message: m.Format(args...)}
}

// Errorf is an Error of code with message.
func Errorf(code Code, message string) *Error { return &Error{Code: code, Message: message} }

// InvalidError is the Error of a request with problems ps.
func InvalidError(ps casefile.Problems) *Error {
	return &Error{Code: Invalid, Message: string(msg.FixAll) + ps.Error(), Problems: ps}
}

// ErrorCode is err's code: Internal for an error that is no *Error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}
