package account

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/internal/dynalitetest"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func TestMain(m *testing.M) {
	code := m.Run()
	dynalitetest.Stop()
	os.Exit(code)
}

// onStores runs test on a directory over SQLite and over DynamoDB
// (dynalite), as the local server and a deployment keep it.
func onStores(t *testing.T, test func(t *testing.T, d *Directory, clock *time.Time)) {
	for _, s := range []struct {
		name string
		open func(t *testing.T) store.Table
	}{
		{"sqlite", func(t *testing.T) store.Table {
			tb, err := sqlitestore.Open(filepath.Join(t.TempDir(), "meta.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { tb.Close() })
			return tb
		}},
		{"dynalite", func(t *testing.T) store.Table { return dynalitetest.Table(t) }},
	} {
		t.Run(s.name, func(t *testing.T) {
			tb := s.open(t)
			clock := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			now := func() time.Time { return clock }
			d := &Directory{T: tb, Audit: &audit.Log{T: tb, Now: now}, Now: now, Secrets: NewSecretKeys()}
			test(t, d, &clock)
		})
	}
}

var admin = Actor{Subject: "cli:root", Role: "admin"}

func events(t *testing.T, d *Directory) []audit.Event {
	t.Helper()
	var out []audit.Event
	if err := d.Audit.Each(context.Background(), audit.Filter{}, func(e audit.Event) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAccounts(t *testing.T) {
	onStores(t, func(t *testing.T, d *Directory, _ *time.Time) {
		ctx := context.Background()
		if _, err := d.Add(ctx, Account{Username: "clerk01", Name: "王书记员", Role: auth.Clerk, Unit: "市检察院"}, "initial-pass-1", admin); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Add(ctx, Account{Username: "audit01", Name: "李审计", Role: auth.Auditor}, "initial-pass-2", admin); err != nil {
			t.Fatal(err)
		}
		_, err := d.Add(ctx, Account{Username: "clerk01", Name: "又一个", Role: auth.Clerk, Unit: "区检察院"}, "initial-pass-3", admin)
		if !errors.Is(err, ErrExists) {
			t.Fatalf("a second clerk01: %v, want ErrExists", err)
		}
		for _, bad := range []struct {
			a    Account
			pw   string
			want string
		}{
			{Account{Username: "clerk02", Name: "无单位", Role: auth.Clerk}, "long-enough-1", "unit"},
			{Account{Username: "1234", Name: "张律师", Role: auth.Lawyer}, "long-enough-1", "17-digit"},
			{Account{Username: "x02", Name: "某", Role: "judge"}, "long-enough-1", "unknown role"},
			{Account{Username: "x03", Name: "某", Role: auth.Auditor}, "short", "at least 10"},
		} {
			if _, err := d.Add(ctx, bad.a, bad.pw, admin); err == nil || !strings.Contains(err.Error(), bad.want) {
				t.Errorf("Add(%+v): %v, want an error about %q", bad.a, err, bad.want)
			}
		}
		list, err := d.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Username != "audit01" || list[1].Username != "clerk01" {
			t.Fatalf("list: %+v", list)
		}
		c := list[1]
		if !strings.HasPrefix(c.Hash, "$argon2id$v=19$m=47104,t=1,p=1$") || strings.Contains(c.Hash, "initial-pass-1") || !c.MustChange {
			t.Errorf("stored account: hash %q, must change %v", c.Hash, c.MustChange)
		}
		a, err := d.SignIn(ctx, "clerk01", "initial-pass-1", Actor{IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		if id := a.Identity(); id != (auth.Identity{Subject: "clerk01", Name: "王书记员", Role: auth.Clerk, Unit: "市检察院"}) {
			t.Errorf("identity %+v", id)
		}
		if err := d.ChangePassword(ctx, "clerk01", "initial-pass-1", "my-own-password", Actor{Subject: "clerk01"}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.SignIn(ctx, "clerk01", "initial-pass-1", Actor{}); !errors.Is(err, ErrCredentials) {
			t.Errorf("the old password after a change: %v", err)
		}
		if a, err := d.SignIn(ctx, "clerk01", "my-own-password", Actor{}); err != nil || a.MustChange {
			t.Errorf("the new password: %v, %+v", err, a)
		}
		if err := d.Disable(ctx, "audit01", admin); err != nil {
			t.Fatal(err)
		}
		if _, err := d.SignIn(ctx, "audit01", "initial-pass-2", Actor{}); !errors.Is(err, ErrDisabled) {
			t.Errorf("a disabled account signs in: %v", err)
		}
		if err := d.Reset(ctx, "audit01", "reset-password-9", admin); err != nil {
			t.Fatal(err)
		}
		if _, err := d.SignIn(ctx, "audit01", "reset-password-9", Actor{}); err != nil {
			t.Errorf("after reset: %v", err)
		}
		var acts []string
		for _, e := range events(t, d) {
			acts = append(acts, string(e.Action)+":"+string(e.Result)+":"+e.Target)
		}
		want := "account.create:ok:clerk01 account.create:ok:audit01 auth.signin:ok:clerk01 account.password:ok:clerk01 " +
			"auth.signin:denied:clerk01 auth.signin:ok:clerk01 account.disable:ok:audit01 auth.signin:denied:audit01 " +
			"account.reset:ok:audit01 auth.signin:ok:audit01"
		if got := strings.Join(acts, " "); got != want {
			t.Errorf("audit records:\n got %s\nwant %s", got, want)
		}
	})
}

// Five wrong passwords in a row lock the account for the cool-down: the
// right password is refused until it ends, the log says so, and an
// unknown name is refused like a wrong password.
func TestLockout(t *testing.T) {
	onStores(t, func(t *testing.T, d *Directory, clock *time.Time) {
		ctx := context.Background()
		if _, err := d.Add(ctx, Account{Username: "clerk01", Name: "王书记员", Role: auth.Clerk, Unit: "市检察院"}, "right-password", admin); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 4; i++ {
			if _, err := d.SignIn(ctx, "clerk01", "wrong-password", Actor{IP: "192.0.2.7"}); !errors.Is(err, ErrCredentials) {
				t.Fatalf("wrong password %d: %v", i, err)
			}
		}
		_, err := d.SignIn(ctx, "clerk01", "wrong-password", Actor{IP: "192.0.2.7"})
		var locked *LockedError
		if !errors.As(err, &locked) || !locked.Until.Equal(clock.Add(15*time.Minute)) {
			t.Fatalf("fifth wrong password: %v, want locked for 15 minutes", err)
		}
		*clock = clock.Add(14 * time.Minute)
		if _, err := d.SignIn(ctx, "clerk01", "right-password", Actor{}); !errors.As(err, &locked) {
			t.Fatalf("the right password while locked: %v", err)
		}
		*clock = clock.Add(2 * time.Minute)
		if _, err := d.SignIn(ctx, "clerk01", "right-password", Actor{}); err != nil {
			t.Fatalf("after the cool-down: %v", err)
		}
		if _, err := d.SignIn(ctx, "nobody", "whatever-it-is", Actor{}); !errors.Is(err, ErrCredentials) {
			t.Errorf("unknown user: %v", err)
		}
		var lockouts, denied int
		for _, e := range events(t, d) {
			switch {
			case e.Action == audit.AuthLockout:
				lockouts++
				if e.Target != "clerk01" || e.IP != "192.0.2.7" || e.Detail["failures"] != "5" {
					t.Errorf("lockout record %+v", e)
				}
			case e.Action == audit.AuthSignIn && e.Result == audit.Denied:
				denied++
			}
		}
		if lockouts != 1 || denied != 7 {
			t.Errorf("%d lockout records, %d refused sign-ins; want 1 and 7", lockouts, denied)
		}
	})
}

func TestPasswordHash(t *testing.T) {
	start := time.Now()
	var h string
	for range 3 {
		var err error
		if h, err = HashPassword("correct horse battery"); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("one argon2id hash (m=46 MiB, t=1, p=1): %v", time.Since(start)/3)
	if ok, err := CheckPassword(h, "correct horse battery"); !ok || err != nil {
		t.Errorf("the right password: %v %v", ok, err)
	}
	if ok, _ := CheckPassword(h, "correct horse batterx"); ok {
		t.Error("a wrong password matched")
	}
	h2, _ := HashPassword("correct horse battery")
	if h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", "$argon2id$v=19$m=0,t=3,p=2$c2FsdA$aGFzaA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Errorf("CheckPassword(%q) took it as a hash", bad)
		}
	}
}
