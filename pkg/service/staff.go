package service

import (
	"context"
	"crypto/rand"
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/msg"
)

// The administrator's page manages the staff accounts of the embedded
// sign-in: list, add with a one-time password (shown once), disable, reset
// the password (a new one-time one), reset the second factor. Each change
// is audited by the directory (account.create, .disable, .reset, .totp).
// Lawyers' accounts are their own (they register) and are not listed.

// StaffRoles are the roles the administrator gives.
var StaffRoles = []auth.Role{auth.Clerk, auth.Auditor, auth.Admin}

var staffName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)

func actorOf(c Caller) account.Actor {
	return account.Actor{Subject: c.Subject, Role: string(c.Role), IP: c.IP, UserAgent: c.UserAgent, RequestID: c.RequestID}
}

// oneTimePassword is a new account's or a reset's password: 26 characters
// of base32, replaced at the first sign-in.
func oneTimePassword() string { return rand.Text() }

func (s *Service) accounts() (*account.Directory, error) {
	if s.Accounts == nil {
		return nil, Fail(NotFound, msg.AccountNotFound)
	}
	return s.Accounts, nil
}

// ListStaff returns the staff accounts, by user name.
func (s *Service) ListStaff(ctx context.Context) ([]*account.Account, error) {
	d, err := s.accounts()
	if err != nil {
		return nil, err
	}
	all, err := d.List(ctx)
	if err != nil {
		return nil, internal(err)
	}
	out := all[:0]
	for _, a := range all {
		if a.Role != auth.Lawyer {
			out = append(out, a)
		}
	}
	return out, nil
}

// AddStaff creates a staff account and returns it with its one-time
// password, which the administrator hands over; it is not kept.
func (s *Service) AddStaff(ctx context.Context, c Caller, a account.Account) (*account.Account, string, error) {
	a.Username, a.Name, a.Unit = strings.TrimSpace(a.Username), strings.TrimSpace(a.Name), strings.TrimSpace(a.Unit)
	var ps casefile.Problems
	if !staffName.MatchString(a.Username) {
		ps = append(ps, casefile.Problem{Field: "username", Message: string(msg.StaffUsername)})
	}
	if n := utf8.RuneCountInString(a.Name); n == 0 || n > 50 {
		ps = append(ps, casefile.Problem{Field: "name", Message: string(msg.StaffName)})
	}
	switch {
	case a.Role != auth.Clerk && a.Role != auth.Auditor && a.Role != auth.Admin:
		ps = append(ps, casefile.Problem{Field: "role", Message: string(msg.StaffRole)})
	case (a.Role == auth.Clerk) != (a.Unit != ""):
		ps = append(ps, casefile.Problem{Field: "unit", Message: string(msg.StaffUnit)})
	}
	if len(ps) > 0 {
		return nil, "", InvalidError(ps)
	}
	d, err := s.accounts()
	if err != nil {
		return nil, "", err
	}
	pw := oneTimePassword()
	made, err := d.Add(ctx, account.Account{Username: a.Username, Name: a.Name, Role: a.Role, Unit: a.Unit}, pw, actorOf(c))
	switch {
	case errors.Is(err, account.ErrExists):
		return nil, "", InvalidError(casefile.Problems{{Field: "username", Message: string(msg.AccountExists)}})
	case err != nil:
		return nil, "", internal(err)
	}
	return made, pw, nil
}

// staff reads a staff account to change.
func (s *Service) staff(ctx context.Context, username string) (*account.Directory, *account.Account, error) {
	d, err := s.accounts()
	if err != nil {
		return nil, nil, err
	}
	a, err := d.Get(ctx, username)
	switch {
	case errors.Is(err, account.ErrNotFound):
		return nil, nil, Fail(NotFound, msg.AccountNotFound)
	case err != nil:
		return nil, nil, internal(err)
	case a.Role == auth.Lawyer:
		return nil, nil, InvalidError(casefile.Problems{{Field: "username", Message: string(msg.NotStaff)}})
	}
	return d, a, nil
}

// DisableStaff stops an account from signing in (its tokens run out within
// their 10 minutes); an administrator cannot lock themselves out.
func (s *Service) DisableStaff(ctx context.Context, c Caller, username string) error {
	if username == c.Subject {
		return InvalidError(casefile.Problems{{Field: "username", Message: string(msg.SelfChange)}})
	}
	d, _, err := s.staff(ctx, username)
	if err != nil {
		return err
	}
	if err := d.Disable(ctx, username, actorOf(c)); err != nil {
		return internal(err)
	}
	return nil
}

// ResetStaffPassword sets a new one-time password (and enables the account,
// lifting a lockout) and returns it, to be handed over.
func (s *Service) ResetStaffPassword(ctx context.Context, c Caller, username string) (string, error) {
	d, _, err := s.staff(ctx, username)
	if err != nil {
		return "", err
	}
	pw := oneTimePassword()
	if err := d.Reset(ctx, username, pw, actorOf(c)); err != nil {
		return "", internal(err)
	}
	return pw, nil
}

// ResetStaffTOTP removes the account's second factor (a lost phone).
func (s *Service) ResetStaffTOTP(ctx context.Context, c Caller, username string) error {
	d, _, err := s.staff(ctx, username)
	if err != nil {
		return err
	}
	if err := d.ResetTOTP(ctx, username, actorOf(c)); err != nil {
		return internal(err)
	}
	return nil
}
