package account

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// A clerk enrols a second factor with the code her app shows; from then on
// her password alone is half a sign-in: the code completes it, once; wrong
// codes lock the account like wrong passwords; the administrator's reset
// removes it. A lawyer has none. Each change and refusal is audited.
func TestTOTP(t *testing.T) {
	onStores(t, func(t *testing.T, d *Directory, clock *time.Time) {
		ctx := context.Background()
		if _, err := d.Add(ctx, Account{Username: "clerk71", Name: "秦书记员", Role: auth.Clerk, Unit: "通州检察院"}, "one-time-71", admin); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Add(ctx, Account{Username: "11101201910071717", Name: "秦律师", Role: auth.Lawyer}, "one-time-72", admin); err != nil {
			t.Fatal(err)
		}
		if _, err := d.BeginTOTP(ctx, "11101201910071717"); !errors.Is(err, ErrTOTPNotStaff) {
			t.Errorf("a lawyer's second factor: %v", err)
		}
		me := Actor{Subject: "clerk71", Role: "clerk"}
		key, err := d.BeginTOTP(ctx, "clerk71")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(key.URL(), "otpauth://totp/") || !strings.Contains(key.URL(), "clerk71") {
			t.Errorf("the QR code's URL: %s", key.URL())
		}
		code := func(at time.Time) string {
			c, err := totp.GenerateCode(key.Secret(), at)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		if err := d.ConfirmTOTP(ctx, "clerk71", "000000", me); !errors.Is(err, ErrTOTPCode) {
			t.Fatalf("a wrong code confirmed the enrolment: %v", err)
		}
		if err := d.ConfirmTOTP(ctx, "clerk71", code(*clock), me); err != nil {
			t.Fatal(err)
		}
		if err := d.SetPassword(ctx, "clerk71", "qin-own-password", me); err != nil {
			t.Fatal(err)
		}
		a, err := d.SignIn(ctx, "clerk71", "qin-own-password", Actor{})
		if err != nil || !a.HasTOTP() {
			t.Fatalf("the password step: %v, second factor %v", err, a != nil && a.HasTOTP())
		}
		// The code that confirmed the enrolment was used.
		if _, err := d.CheckTOTP(ctx, "clerk71", code(*clock), Actor{}); !errors.Is(err, ErrTOTPCode) {
			t.Errorf("a used code: %v", err)
		}
		*clock = clock.Add(30 * time.Second)
		if _, err := d.CheckTOTP(ctx, "clerk71", code(*clock), Actor{}); err != nil {
			t.Fatalf("the next code: %v", err)
		}
		// Five wrong codes lock the account, the password step too.
		var locked *LockedError
		for i := range 5 {
			_, err = d.CheckTOTP(ctx, "clerk71", "12345"+string(rune('0'+i)), Actor{})
		}
		if !errors.As(err, &locked) {
			t.Fatalf("the fifth wrong code: %v", err)
		}
		if _, err := d.SignIn(ctx, "clerk71", "qin-own-password", Actor{}); !errors.As(err, &locked) {
			t.Errorf("the password while locked: %v", err)
		}
		if err := d.ResetTOTP(ctx, "clerk71", admin); err != nil {
			t.Fatal(err)
		}
		*clock = clock.Add(16 * time.Minute)
		if a, err := d.SignIn(ctx, "clerk71", "qin-own-password", Actor{}); err != nil || a.HasTOTP() {
			t.Fatalf("after the reset: %v", err)
		}
		var got []string
		for _, e := range events(t, d) {
			if e.Target == "clerk71" && (e.Action == audit.AccountTOTP || e.Action == audit.AuthSignIn || e.Action == audit.AuthLockout) {
				got = append(got, string(e.Action)+":"+string(e.Result)+":"+e.Detail["change"]+e.Detail["reason"]+e.Detail["factor"])
			}
		}
		want := "account.totp:ok:enrolled auth.signin:denied:totp auth.signin:ok:totp auth.signin:denied:totp auth.signin:denied:totp auth.signin:denied:totp auth.signin:denied:totp auth.lockout:denied: auth.signin:denied:totp auth.signin:denied:locked account.totp:ok:reset auth.signin:ok:"
		if strings.Join(got, " ") != want {
			t.Errorf("audit:\n got %s\nwant %s", strings.Join(got, " "), want)
		}
	})
}
