package account

import (
	"context"
	"fmt"

	"github.com/yuejuan/yuejuan/pkg/audit"
)

// Verifier checks a registered lawyer's identity with an outside lawyer
// identity service (as 12309 checks lawyers with the Ministry of
// Justice's service). It answers IdentityVerified, IdentityRejected with
// its reason, or IdentityPending when it cannot tell, and then a clerk
// decides. Name is how the audit log names it as the decider.
type Verifier interface {
	Name() string
	Verify(ctx context.Context, a Account) (decision Checking, reason string, err error)
}

// Manual is the default Verifier: there is no outside service, so every
// identity waits for a clerk's check (DecideIdentity).
type Manual struct{}

// Name is the manual check's name.
func (Manual) Name() string { return "manual" }

// Verify leaves the identity pending.
func (Manual) Verify(context.Context, Account) (Checking, string, error) {
	return IdentityPending, "", nil
}

// verifyRegistered asks the directory's Verifier about a lawyer who has
// just registered and records what it decides. The registration stands
// whatever the outside service answers: a lawyer may apply at once, so a
// failing service leaves the identity pending for a clerk, and the
// failure is audited (account.identity, failed) rather than returned.
func (d *Directory) verifyRegistered(ctx context.Context, a *Account, from Actor) (*Account, error) {
	v := d.Verifier
	if v == nil {
		return a, nil
	}
	by := Actor{Subject: "verifier:" + v.Name(), Role: "system", IP: from.IP, UserAgent: from.UserAgent, RequestID: from.RequestID}
	decision, reason, err := v.Verify(ctx, *a)
	switch {
	case err != nil:
		return a, d.record(ctx, by, audit.AccountIdentity, a.Username, audit.Failed, map[string]string{"error": err.Error()})
	case decision == IdentityPending:
		return a, nil
	case decision != IdentityVerified && decision != IdentityRejected:
		return a, d.record(ctx, by, audit.AccountIdentity, a.Username, audit.Failed,
			map[string]string{"error": fmt.Sprintf("unknown decision %q", decision)})
	}
	return d.DecideIdentity(ctx, a.Username, decision, reason, by)
}
