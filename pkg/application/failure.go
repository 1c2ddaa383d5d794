package application

import "time"

// Failure codes.
const (
	// FailTooLarge: the case is over the dossier's ceilings (pages or bytes).
	FailTooLarge = "too_large"
	// FailOverBudget: building the dossier ran past its time budget.
	FailOverBudget = "over_budget"
)

// Failure is why an approved application's dossier was not built and will
// not be tried again for the case's content version: the case is over the
// dossier's ceilings, or its assembly ran past its time budget. The
// assemble job sets it when it gives up (and records dossier.fail and tells
// the unit); a change of the case's materials (a new content version) lets
// the job try again, which clears it, as does the dossier being ready. The
// application stays approved: the reply is given, only the download is not.
type Failure struct {
	// At is when the job gave up.
	At time.Time `json:"at"`
	// Version is the case's content version that failed.
	Version int `json:"version"`
	// Code is FailTooLarge or FailOverBudget.
	Code string `json:"code"`
	// Reason says it in Chinese and English, with the figures and the
	// limit, for the clerk's and the lawyer's pages.
	Reason string `json:"reason"`
}
