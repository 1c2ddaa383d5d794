package service

import (
	"context"
	"errors"
	"strings"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/msg"
)

// DecideIdentity records a clerk's check of a registered lawyer's identity
// (license, the practice certificate number): account.IdentityVerified, or
// account.IdentityRejected with its reason. A clerk of any unit may decide
// it, once (account.Directory.DecideIdentity); the decision is audited
// (account.identity) and shown on every application of the lawyer
// (ApplicationView.LawyerIdentity).
func (s *Service) DecideIdentity(ctx context.Context, c Caller, license string, decision account.Checking, reason string) (*account.Account, error) {
	var ps casefile.Problems
	switch {
	case decision != account.IdentityVerified && decision != account.IdentityRejected:
		ps = append(ps, casefile.Problem{Field: "decision", Message: string(msg.IdentityDecision)})
	case decision == account.IdentityRejected && strings.TrimSpace(reason) == "":
		ps = append(ps, casefile.Problem{Field: "reason", Message: string(msg.IdentityReason)})
	}
	if len(ps) > 0 {
		return nil, InvalidError(ps)
	}
	if s.Accounts == nil {
		return nil, Fail(LawyerNotFound, msg.LawyerNotFound)
	}
	by := account.Actor{Subject: c.Subject, Role: string(c.Role), IP: c.IP, UserAgent: c.UserAgent, RequestID: c.RequestID}
	a, err := s.Accounts.DecideIdentity(ctx, license, decision, reason, by)
	switch {
	case errors.Is(err, account.ErrNotFound), errors.Is(err, account.ErrNotCheckable):
		return nil, Fail(LawyerNotFound, msg.LawyerNotFound)
	case errors.Is(err, account.ErrDecided):
		prev, gerr := s.Accounts.Get(ctx, license)
		if gerr != nil {
			return nil, internal(gerr)
		}
		return nil, Fail(IdentityDecided, msg.IdentityDecided, deadline.DateOf(prev.CheckedAt), identityWord(prev.Checked))
	case err != nil:
		return nil, internal(err)
	}
	return a, nil
}

// LawyerIdentity is where the identity of the lawyer with practice
// certificate number license stands: "" when the lawyer has no registered
// account (made by an administrator, or signed in through another
// provider) or this deployment keeps no accounts.
func (s *Service) LawyerIdentity(ctx context.Context, license string) account.Checking {
	if s.Accounts == nil || license == "" {
		return ""
	}
	a, err := s.Accounts.Get(ctx, license)
	if err != nil {
		return ""
	}
	return a.Checked
}

// identityWord is the decision in the words of the message.
func identityWord(c account.Checking) msg.Text {
	if c == account.IdentityVerified {
		return msg.IdentityVerified
	}
	return msg.IdentityRejected
}
