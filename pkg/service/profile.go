package service

import (
	"context"
	"errors"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// Profile is what the pages know of the signed-in user beyond the token:
// a registered lawyer's firm, mobile number and where the identity check
// stands, so that forms start filled in and the lawyer sees the check.
// Nothing of the account's secrets (password hash, second factor, lockout).
type Profile struct {
	Subject  string           `json:"subject"`
	Name     string           `json:"name"`
	Role     auth.Role        `json:"role"`
	Unit     string           `json:"unit,omitempty"`
	Firm     string           `json:"firm,omitempty"`
	Phone    string           `json:"phone,omitempty"`
	Identity account.Checking `json:"identity,omitempty"`
	// IdentityReason is a rejection's reason, for the lawyer to act on.
	IdentityReason string `json:"identityReason,omitempty"`
}

// ProfileOf is c's profile: the token's claims, and for a user of the
// embedded directory what the account adds. A user signed in through
// another provider (no account here) gets the claims alone.
func (s *Service) ProfileOf(ctx context.Context, c Caller) (*Profile, error) {
	p := &Profile{Subject: c.Subject, Name: c.Name, Role: c.Role, Unit: c.Unit}
	if s.Accounts == nil {
		return p, nil
	}
	a, err := s.Accounts.Get(ctx, c.Subject)
	if errors.Is(err, account.ErrNotFound) {
		return p, nil
	}
	if err != nil {
		return nil, internal(err)
	}
	if a.Role != c.Role {
		return p, nil // another provider's user who shares the name: not this account
	}
	if c.Role == auth.Lawyer {
		p.Firm, p.Phone, p.Identity = a.Firm, a.Phone, a.Checked
		if a.Checked == account.IdentityRejected {
			p.IdentityReason = a.CheckReason
		}
	}
	return p, nil
}
