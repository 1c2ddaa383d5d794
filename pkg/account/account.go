// Package account is the user directory of the embedded sign-in: staff
// accounts (clerks with their unit, auditors, administrators) and, until
// lawyers register themselves, lawyers' accounts made by an administrator.
// Passwords are kept as argon2id hashes; consecutive failures lock an
// account for a cool-down; every sign-in, failure, lockout and account
// change is written to the audit log.
package account

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Account is one user of the directory. Its user name is the subject of the
// tokens it gets: a lawyer's is the 17-digit practice certificate number.
type Account struct {
	Username string    `json:"username"`
	Name     string    `json:"name"`
	Role     auth.Role `json:"role"`
	Unit     string    `json:"unit,omitempty"`
	// A lawyer who registered: the firm, the mobile number proved with a
	// code, and whether a clerk has checked the identity yet.
	Firm    string   `json:"firm,omitempty"`
	Phone   string   `json:"phone,omitempty"`
	Checked Checking `json:"checked,omitempty"`
	// The clerk's decision on the identity (DecideIdentity): who, when,
	// and a rejection's reason.
	CheckedBy   string    `json:"checkedBy,omitempty"`
	CheckedAt   time.Time `json:"checkedAt,omitzero"`
	CheckReason string    `json:"checkReason,omitempty"`
	Hash        string    `json:"hash"`
	// MustChange is set on an initial or reset password: the first sign-in
	// asks for a new one before it goes on.
	MustChange  bool      `json:"mustChange,omitempty"`
	Disabled    bool      `json:"disabled,omitempty"`
	Failures    int       `json:"failures,omitempty"` // consecutive, since the last success or lockout
	LockedUntil time.Time `json:"lockedUntil,omitzero"`
	// TOTP is a staff member's second factor once enrolled (totp.go):
	// the secret, the one being enrolled (both sealed, seal.go), and the
	// last time step used (a code works once).
	TOTP        string    `json:"totp,omitempty"`
	TOTPPending string    `json:"totpPending,omitempty"`
	TOTPStep    int64     `json:"totpStep,omitempty"`
	Created     time.Time `json:"created"`
	Changed     time.Time `json:"changed"`

	rev int64
}

// Checking is where a registered lawyer's identity stands.
type Checking string

// Until a clerk checks a registered lawyer's certificate, the account is
// usable and its identity pending.
const (
	IdentityPending  Checking = "pending"
	IdentityVerified Checking = "verified"
	IdentityRejected Checking = "rejected"
)

// Identity is who the account signs in as.
func (a *Account) Identity() auth.Identity {
	return auth.Identity{Subject: a.Username, Name: a.Name, Role: a.Role, Unit: a.Unit}
}

// Roles an account may have: the API's three and the administrator, who
// manages accounts.
var Roles = []auth.Role{auth.Clerk, auth.Auditor, auth.Admin, auth.Lawyer}

// Errors of SignIn. A wrong user name and a wrong password are one error,
// so that the answer does not tell which names exist.
var (
	ErrCredentials = errors.New("account: wrong user name or password")
	ErrDisabled    = errors.New("account: disabled")
	ErrExists      = errors.New("account: user name taken")
	ErrNotFound    = errors.New("account: no such account")
)

// Errors of DecideIdentity.
var (
	ErrDecided      = errors.New("account: the identity was decided before")
	ErrNoReason     = errors.New("account: a rejection needs its reason")
	ErrNotCheckable = errors.New("account: not a registered lawyer's identity")
)

// What is wrong with a password being set.
var (
	ErrPasswordShort = fmt.Errorf("account: a password has at least %d characters", MinPasswordLen)
	ErrPasswordLong  = errors.New("account: a password has at most 256 bytes")
	ErrPasswordSame  = errors.New("account: the new password must differ from the old one")
)

// LockedError is SignIn's error while an account is locked.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return "account: locked until " + e.Until.UTC().Format(time.RFC3339)
}

// Actor is who changes an account or signs in, as the audit log names them.
type Actor struct {
	Subject, Role string
	IP, UserAgent string
	RequestID     string
}

// Directory is the accounts in the metadata table.
type Directory struct {
	T     store.Table
	Audit *audit.Log
	Now   func() time.Time
	// MaxFailures consecutive wrong passwords lock the account for
	// Lockout (defaults 5 and 15 minutes).
	MaxFailures int
	Lockout     time.Duration
	// Verifier checks a registering lawyer's identity with an outside
	// service (nil, or Manual: a clerk checks it).
	Verifier Verifier
	// Secrets seal staff members' second-factor secrets in their records
	// (seal.go); without them no second factor is enrolled or checked.
	Secrets *SecretKeys
}

const listPK = "accounts"

func (d *Directory) records() store.Records[Account] {
	return store.Records[Account]{T: d.T, Kind: "account",
		Rev: func(a *Account) *int64 { return &a.rev },
		Item: func(a *Account) store.Item {
			return store.Item{PK: "account#" + a.Username, SK: "account", GSI1PK: listPK, GSI1SK: a.Username}
		}}
}

func (d *Directory) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Directory) maxFailures() int {
	if d.MaxFailures > 0 {
		return d.MaxFailures
	}
	return 5
}

func (d *Directory) lockout() time.Duration {
	if d.Lockout > 0 {
		return d.Lockout
	}
	return 15 * time.Minute
}

var (
	staffName   = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)
	certificate = regexp.MustCompile(`^[0-9]{17}$`)
)

// check reports what is wrong with a new account.
func check(a *Account) error {
	var problems []string
	switch {
	case a.Role == auth.Lawyer && !certificate.MatchString(a.Username):
		problems = append(problems, "a lawyer's user name is the 17-digit practice certificate number")
	case a.Role != auth.Lawyer && !staffName.MatchString(a.Username):
		problems = append(problems, "a user name is 2 to 32 of a-z, 0-9, '.', '_', '-', starting with a letter or digit")
	}
	known := false
	for _, r := range Roles {
		known = known || r == a.Role
	}
	if !known {
		problems = append(problems, fmt.Sprintf("unknown role %q (clerk, auditor, admin or lawyer)", a.Role))
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(a.Name)); n == 0 || n > 50 {
		problems = append(problems, "a name of 1 to 50 characters is required")
	}
	if a.Role == auth.Clerk && strings.TrimSpace(a.Unit) == "" {
		problems = append(problems, "a clerk needs a unit")
	}
	if a.Role != auth.Clerk && a.Unit != "" {
		problems = append(problems, "only a clerk has a unit")
	}
	if len(problems) > 0 {
		return fmt.Errorf("account: %s", strings.Join(problems, "; "))
	}
	return nil
}

// CheckPasswordRule reports what is wrong with a password being set.
func CheckPasswordRule(password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return ErrPasswordShort
	}
	if len(password) > 256 {
		return ErrPasswordLong
	}
	return nil
}

// Add creates an account with password, which must be changed at the
// first sign-in.
func (d *Directory) Add(ctx context.Context, a Account, password string, by Actor) (*Account, error) {
	a.Name, a.Unit = strings.TrimSpace(a.Name), strings.TrimSpace(a.Unit)
	if err := check(&a); err != nil {
		return nil, err
	}
	if err := CheckPasswordRule(password); err != nil {
		return nil, err
	}
	h, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	now := d.now()
	a.Hash, a.MustChange, a.Created, a.Changed, a.rev = h, true, now, now, 0
	a.Disabled, a.Failures, a.LockedUntil = false, 0, time.Time{}
	if err := d.records().Put(ctx, &a); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, fmt.Errorf("%w: %s", ErrExists, a.Username)
		}
		return nil, err
	}
	detail := map[string]string{"role": string(a.Role)}
	if a.Unit != "" {
		detail["unit"] = a.Unit
	}
	return &a, d.record(ctx, by, audit.AccountCreate, a.Username, audit.OK, detail)
}

// mobile is a mainland mobile number.
var mobile = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// CheckRegistration reports what is wrong with a lawyer's registration, all
// at once.
func CheckRegistration(a Account) []string {
	var problems []string
	if !certificate.MatchString(a.Username) {
		problems = append(problems, "执业证号为 17 位数字 (the practice certificate number has 17 digits)")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(a.Name)); n == 0 || n > 50 {
		problems = append(problems, "请填写姓名（最多 50 字） (enter your name, at most 50 characters)")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(a.Firm)); n == 0 || n > 100 {
		problems = append(problems, "请填写律师事务所（最多 100 字） (enter your law firm, at most 100 characters)")
	}
	if !mobile.MatchString(a.Phone) {
		problems = append(problems, "手机号为 11 位数字，以 1 开头 (the mobile number has 11 digits, starting with 1)")
	}
	return problems
}

// Register creates the account of a lawyer who proved their mobile number:
// usable at once, its identity pending a clerk's check unless the
// directory's Verifier decides it at once.
func (d *Directory) Register(ctx context.Context, a Account, password string, from Actor) (*Account, error) {
	a.Name, a.Firm = strings.TrimSpace(a.Name), strings.TrimSpace(a.Firm)
	a.Role, a.Unit = auth.Lawyer, ""
	if ps := CheckRegistration(a); len(ps) > 0 {
		return nil, fmt.Errorf("account: %s", strings.Join(ps, "; "))
	}
	if err := CheckPasswordRule(password); err != nil {
		return nil, err
	}
	h, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	now := d.now()
	a.Hash, a.MustChange, a.Checked, a.Created, a.Changed, a.rev = h, false, IdentityPending, now, now, 0
	if err := d.records().Put(ctx, &a); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, fmt.Errorf("%w: %s", ErrExists, a.Username)
		}
		return nil, err
	}
	from.Subject, from.Role = a.Username, string(auth.Lawyer)
	if err := d.record(ctx, from, audit.AccountRegister, a.Username, audit.OK, map[string]string{"firm": a.Firm}); err != nil {
		return &a, err
	}
	return d.verifyRegistered(ctx, &a, from)
}

// DecideIdentity records a clerk's check of a registered lawyer's
// identity: verified, or rejected with its reason. An identity is decided
// once, from pending (ErrDecided after): the decision is shown on every
// application card of the lawyer, and a second clerk must not silently
// overturn the first; a decision made in error is an administrator's to
// correct (not built yet). A staff account, or a lawyer made by an
// administrator, has no identity to check (ErrNotCheckable).
func (d *Directory) DecideIdentity(ctx context.Context, username string, decision Checking, reason string, by Actor) (*Account, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case decision != IdentityVerified && decision != IdentityRejected:
		return nil, fmt.Errorf("account: unknown identity decision %q (verified or rejected)", decision)
	case decision == IdentityRejected && reason == "":
		return nil, ErrNoReason
	}
	a, err := d.update(ctx, username, func(a *Account) error {
		switch {
		case a.Role != auth.Lawyer || a.Checked == "":
			return ErrNotCheckable
		case a.Checked != IdentityPending:
			return ErrDecided
		}
		now := d.now()
		a.Checked, a.CheckReason, a.CheckedBy, a.CheckedAt, a.Changed = decision, reason, by.Subject, now, now
		return nil
	})
	if err != nil {
		return nil, err
	}
	detail := map[string]string{"decision": string(decision)}
	if reason != "" {
		detail["reason"] = reason
	}
	return a, d.record(ctx, by, audit.AccountIdentity, username, audit.OK, detail)
}

// Get returns the account of username.
func (d *Directory) Get(ctx context.Context, username string) (*Account, error) {
	a, err := d.records().Get(ctx, "account#"+username, "account")
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, username)
	}
	return a, err
}

// List returns every account, by user name.
func (d *Directory) List(ctx context.Context) ([]*Account, error) {
	return d.records().List(ctx, store.Query{Index: store.GSI1, PK: listPK}, nil)
}

func (d *Directory) update(ctx context.Context, username string, fn func(*Account) error) (*Account, error) {
	a, err := d.records().Update(ctx, "account#"+username, "account", fn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, username)
	}
	return a, err
}

// Disable stops an account from signing in. Tokens it already holds run
// out with their lifetime.
func (d *Directory) Disable(ctx context.Context, username string, by Actor) error {
	if _, err := d.update(ctx, username, func(a *Account) error {
		a.Disabled, a.Changed = true, d.now()
		return nil
	}); err != nil {
		return err
	}
	return d.record(ctx, by, audit.AccountDisable, username, audit.OK, nil)
}

// Reset sets a new password that must be changed at the next sign-in,
// enables the account and lifts a lockout.
func (d *Directory) Reset(ctx context.Context, username, password string, by Actor) error {
	if err := CheckPasswordRule(password); err != nil {
		return err
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	if _, err := d.update(ctx, username, func(a *Account) error {
		a.Hash, a.MustChange, a.Disabled, a.Failures, a.LockedUntil, a.Changed = h, true, false, 0, time.Time{}, d.now()
		return nil
	}); err != nil {
		return err
	}
	return d.record(ctx, by, audit.AccountReset, username, audit.OK, nil)
}

// ChangePassword sets the password the user chose, given their current
// one.
func (d *Directory) ChangePassword(ctx context.Context, username, old, password string, by Actor) error {
	a, err := d.Get(ctx, username)
	if err != nil {
		return err
	}
	if ok, err := CheckPassword(a.Hash, old); err != nil || !ok {
		return ErrCredentials
	}
	if old == password {
		return ErrPasswordSame
	}
	return d.SetPassword(ctx, username, password, by)
}

// SetPassword sets the password a user chose after proving who they are
// (ChangePassword, or the sign-in that asks to replace a one-time
// password).
func (d *Directory) SetPassword(ctx context.Context, username, password string, by Actor) error {
	if err := CheckPasswordRule(password); err != nil {
		return err
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	if _, err := d.update(ctx, username, func(a *Account) error {
		if ok, _ := CheckPassword(a.Hash, password); ok {
			return ErrPasswordSame
		}
		a.Hash, a.MustChange, a.Changed = h, false, d.now()
		return nil
	}); err != nil {
		return err
	}
	return d.record(ctx, by, audit.AccountPassword, username, audit.OK, nil)
}

// SignIn checks a user name and password. Consecutive failures lock the
// account for the cool-down; while locked, no password is tried. Each
// outcome is audited: auth.signin (ok, or denied with the reason),
// auth.lockout when the failure that locks it happens.
func (d *Directory) SignIn(ctx context.Context, username, password string, from Actor) (*Account, error) {
	from.Subject = clip(username)
	a, err := d.Get(ctx, username)
	if errors.Is(err, ErrNotFound) {
		_, _ = CheckPassword(dummyHash, password)
		return nil, d.refuse(ctx, from, "", "unknown", ErrCredentials)
	}
	if err != nil {
		return nil, err
	}
	from.Role = string(a.Role)
	now := d.now()
	if now.Before(a.LockedUntil) {
		return nil, d.refuse(ctx, from, username, "locked", &LockedError{Until: a.LockedUntil})
	}
	ok, err := CheckPassword(a.Hash, password)
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", username, err)
	}
	if !ok {
		locked := false
		a, err = d.update(ctx, username, func(a *Account) error {
			a.Failures++
			locked = a.Failures >= d.maxFailures()
			if locked {
				a.Failures, a.LockedUntil = 0, now.Add(d.lockout())
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if locked {
			if err := d.record(ctx, from, audit.AuthLockout, username, audit.Denied,
				map[string]string{"failures": fmt.Sprint(d.maxFailures()), "until": a.LockedUntil.Format(time.RFC3339)}); err != nil {
				return nil, err
			}
			return nil, d.refuse(ctx, from, username, "password", &LockedError{Until: a.LockedUntil})
		}
		return nil, d.refuse(ctx, from, username, "password", ErrCredentials)
	}
	if a.Disabled {
		return nil, d.refuse(ctx, from, username, "disabled", ErrDisabled)
	}
	if a.HasTOTP() {
		// Half a sign-in: the failures count on, and the sign-in is
		// recorded, by CheckTOTP.
		return a, nil
	}
	if a.Failures > 0 || !a.LockedUntil.IsZero() {
		if a, err = d.update(ctx, username, func(a *Account) error {
			a.Failures, a.LockedUntil = 0, time.Time{}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return a, d.record(ctx, from, audit.AuthSignIn, username, audit.OK, nil)
}

// refuse records a failed sign-in and returns err (or the record's error).
func (d *Directory) refuse(ctx context.Context, from Actor, target, reason string, err error) error {
	if rerr := d.record(ctx, from, audit.AuthSignIn, target, audit.Denied, map[string]string{"reason": reason}); rerr != nil {
		return rerr
	}
	return err
}

// RecordSignOut audits the end of a session.
func (d *Directory) RecordSignOut(ctx context.Context, id auth.Identity, from Actor) error {
	from.Subject, from.Role = id.Subject, string(id.Role)
	return d.record(ctx, from, audit.AuthSignOut, id.Subject, audit.OK, nil)
}

func (d *Directory) record(ctx context.Context, by Actor, act audit.Action, target string, res audit.Result, detail map[string]string) error {
	if d.Audit == nil {
		return nil
	}
	_, err := d.Audit.Append(ctx, audit.Event{Actor: by.Subject, Role: by.Role, Action: act, Target: target,
		IP: by.IP, UserAgent: by.UserAgent, RequestID: by.RequestID, Result: res, Detail: detail})
	if err != nil {
		return fmt.Errorf("account: audit %s: %w", act, err)
	}
	return nil
}

// clip keeps a typed user name short in the log: whatever is typed into
// the sign-in form is recorded as the actor of a failure.
func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	for i := 64; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i]
		}
	}
	return ""
}
