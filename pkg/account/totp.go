package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// Staff may add a second factor: a time-based one-time code (RFC 6238,
// 30 s, six digits, SHA-1 — what every authenticator app reads from the
// QR code). Once enrolled, the sign-in asks for a code after the password;
// a wrong code counts toward the lockout like a wrong password; a code
// works once. An administrator resets it when the phone is lost.

// The errors of the second factor.
var (
	ErrTOTPCode     = errors.New("account: wrong or used one-time code")
	ErrTOTPNotStaff = errors.New("account: only staff accounts have a second factor")
	ErrTOTPNone     = errors.New("account: no second factor is being enrolled")
)

// totpIssuer names the service in the authenticator app.
const totpIssuer = "阅卷"

// HasTOTP reports whether sign-in asks a for a code.
func (a *Account) HasTOTP() bool { return a.TOTP != "" }

// BeginTOTP starts enrolling a staff member's second factor: a new secret,
// kept as pending until ConfirmTOTP proves the app has it. The key (its
// otpauth:// URL for the QR code, and the secret) is shown once.
func (d *Directory) BeginTOTP(ctx context.Context, username string) (*otp.Key, error) {
	if d.Secrets == nil {
		return nil, ErrNoSecretKeys
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: username})
	if err != nil {
		return nil, err
	}
	if _, err := d.update(ctx, username, func(a *Account) error {
		if a.Role == auth.Lawyer {
			return ErrTOTPNotStaff
		}
		a.TOTPPending = d.Secrets.seal(username, key.Secret())
		return nil
	}); err != nil {
		return nil, err
	}
	return key, nil
}

// step is the RFC 6238 time step of code at now, if code is right for
// secret (one step either side, for clocks a little off).
func step(secret, code string, now time.Time) (int64, bool) {
	for _, skew := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(skew) * 30 * time.Second)
		want, err := totp.GenerateCode(secret, at)
		if err == nil && len(code) == 6 && want == code {
			return at.Unix() / 30, true
		}
	}
	return 0, false
}

// ConfirmTOTP ends the enrolment with a code from the app: the second factor
// is on from the next sign-in.
func (d *Directory) ConfirmTOTP(ctx context.Context, username, code string, by Actor) error {
	if d.Secrets == nil {
		return ErrNoSecretKeys
	}
	if _, err := d.update(ctx, username, func(a *Account) error {
		if a.TOTPPending == "" {
			return ErrTOTPNone
		}
		secret, _, err := d.Secrets.open(username, a.TOTPPending)
		if err != nil {
			return err
		}
		st, ok := step(secret, code, d.now())
		if !ok {
			return ErrTOTPCode
		}
		a.TOTP, a.TOTPPending, a.TOTPStep, a.Changed = d.Secrets.seal(username, secret), "", st, d.now()
		return nil
	}); err != nil {
		return err
	}
	return d.record(ctx, by, audit.AccountTOTP, username, audit.OK, map[string]string{"change": "enrolled"})
}

// CheckTOTP checks the code of a user who gave the right password. A wrong
// code, or one already used, counts toward the lockout as a wrong password
// does, and is audited as a refused sign-in (reason totp); the right one is
// the sign-in (auth.signin, factor totp). A secret that does not open
// (ErrSecretSealed) refuses the sign-in too (reason sealed), without
// counting against the user. A secret kept plain, or sealed with an older
// key, is sealed with the current key in the same write.
func (d *Directory) CheckTOTP(ctx context.Context, username, code string, from Actor) (*Account, error) {
	if d.Secrets == nil {
		return nil, ErrNoSecretKeys
	}
	from.Subject = clip(username)
	now := d.now()
	var bad, locked bool
	a, err := d.update(ctx, username, func(a *Account) error {
		from.Role = string(a.Role)
		bad, locked = false, false
		switch {
		case a.Disabled:
			return ErrDisabled
		case now.Before(a.LockedUntil):
			return &LockedError{Until: a.LockedUntil}
		case a.TOTP == "":
			return ErrTOTPNone
		}
		secret, reseal, err := d.Secrets.open(username, a.TOTP)
		if err != nil {
			return err
		}
		if reseal {
			a.TOTP = d.Secrets.seal(username, secret)
		}
		st, ok := step(secret, code, now)
		if ok && st > a.TOTPStep {
			a.TOTPStep, a.Failures = st, 0
			return nil
		}
		bad = true
		a.Failures++
		if a.Failures >= d.maxFailures() {
			a.Failures, a.LockedUntil, locked = 0, now.Add(d.lockout()), true
		}
		return nil
	})
	if err != nil {
		var le *LockedError
		switch {
		case errors.As(err, &le):
			return nil, d.refuse(ctx, from, username, "locked", err)
		case errors.Is(err, ErrSecretSealed):
			return nil, d.refuse(ctx, from, username, "sealed", err)
		}
		return nil, err
	}
	if locked {
		if err := d.record(ctx, from, audit.AuthLockout, username, audit.Denied,
			map[string]string{"failures": fmt.Sprint(d.maxFailures()), "until": a.LockedUntil.Format(time.RFC3339)}); err != nil {
			return nil, err
		}
		return nil, d.refuse(ctx, from, username, "totp", &LockedError{Until: a.LockedUntil})
	}
	if bad {
		return nil, d.refuse(ctx, from, username, "totp", ErrTOTPCode)
	}
	return a, d.record(ctx, from, audit.AuthSignIn, username, audit.OK, map[string]string{"factor": "totp"})
}

// ResetTOTP removes a staff member's second factor (a lost phone): the next
// sign-in asks for the password alone, and the member may enrol again.
func (d *Directory) ResetTOTP(ctx context.Context, username string, by Actor) error {
	if _, err := d.update(ctx, username, func(a *Account) error {
		a.TOTP, a.TOTPPending, a.TOTPStep, a.Changed = "", "", 0, d.now()
		return nil
	}); err != nil {
		return err
	}
	return d.record(ctx, by, audit.AccountTOTP, username, audit.OK, map[string]string{"change": "reset"})
}
