package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// userCmd runs `yuejuan user ARGS` in process with stdin.
func userCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	t.Setenv("YUEJUAN_DATA", "")
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append([]string{"user"}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// The first administrator is made as the README says; the one-time password
// printed is the one that signs in, the directory keeps only its hash, and
// the audit log names the change and who made it.
func TestUserCommand(t *testing.T) {
	data := t.TempDir()
	out, err := userCmd(t, "", "add", "--data", data, "--role", "admin", "--name", "系统管理员", "admin")
	if err != nil {
		t.Fatal(err, out)
	}
	m := regexp.MustCompile(`one-time password: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no password printed:\n%s", out)
	}
	if out, err := userCmd(t, "clerk-password-1\n", "add", "--data", data, "--role", "clerk", "--name", "王书记员", "--unit", "市检察院", "--password-stdin", "clerk01"); err != nil || strings.Contains(out, "clerk-password-1") {
		t.Fatalf("add with --password-stdin: %v\n%s", err, out)
	}
	if out, err := userCmd(t, "", "add", "--data", data, "--role", "clerk", "--name", "无单位", "clerk02"); err == nil || !strings.Contains(err.Error(), "unit") {
		t.Fatalf("a clerk without a unit: %v\n%s", err, out)
	}
	if _, err := userCmd(t, "", "disable", "--data", data, "clerk01"); err != nil {
		t.Fatal(err)
	}
	out, err = userCmd(t, "", "list", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`admin\s+admin\s+-\s+系统管理员\s+one-time password not yet changed`).MatchString(out) ||
		!regexp.MustCompile(`clerk01\s+clerk\s+市检察院\s+王书记员\s+disabled`).MatchString(out) {
		t.Errorf("list:\n%s", out)
	}

	tbl, err := sqlitestore.Open(filepath.Join(data, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	dir := &account.Directory{T: tbl, Audit: &audit.Log{T: tbl}}
	if _, err := dir.SignIn(context.Background(), "admin", m[1], account.Actor{}); err != nil {
		t.Errorf("the printed password does not sign in: %v", err)
	}
	var acts []string
	if err := dir.Audit.Each(context.Background(), audit.Filter{}, func(e audit.Event) error {
		if strings.HasPrefix(string(e.Action), "account.") && !strings.HasPrefix(e.Actor, "cli:") {
			t.Errorf("%s by %q: want the command's user, cli:USER@HOST", e.Action, e.Actor)
		}
		acts = append(acts, string(e.Action)+" "+e.Target)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(acts, ", "); got != "account.create admin, account.create clerk01, account.disable clerk01, auth.signin admin" {
		t.Errorf("audit: %s", got)
	}
}

// yuejuan outbox shows what the local server sent a lawyer, as the SMS
// would read: how a lawyer registering on one machine gets the code.
func TestOutboxCommand(t *testing.T) {
	data := t.TempDir()
	if out, err := userCmd(t, "", "list", "--data", data); err != nil { // makes the table
		t.Fatal(err, out)
	}
	tbl, err := sqlitestore.Open(filepath.Join(data, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	err = (&notify.Outbox{T: tbl}).Deliver(context.Background(), notify.Notice{To: notify.Lawyer("11101201910012345"), Phone: "13900001111",
		Subject: "阅卷注册验证码", Body: "您的注册验证码为 123456，10 分钟内有效。"})
	tbl.Close()
	if err != nil {
		t.Fatal(err)
	}
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"outbox", "--data", data, "11101201910012345"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "13900001111  【阅卷注册验证码】您的注册验证码为 123456") {
		t.Errorf("outbox:\n%s", out.String())
	}
}

// yuejuan user reset-totp removes a staff member's second factor from the
// server (the administrator's page does the same): list shows it on, then
// off, and the log has account.totp under the command's user.
func TestUserResetTOTP(t *testing.T) {
	data := t.TempDir()
	if out, err := userCmd(t, "audit-password-9\n", "add", "--data", data, "--role", "auditor", "--name", "蒋审计", "--password-stdin", "audit09"); err != nil {
		t.Fatal(err, out)
	}
	tbl, err := sqlitestore.Open(filepath.Join(data, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	// Enrolment seals the secret (a key of its own here: the command
	// resets the second factor without opening it).
	dir := &account.Directory{T: tbl, Audit: &audit.Log{T: tbl}, Secrets: account.NewSecretKeys()}
	ctx := context.Background()
	key, err := dir.BeginTOTP(ctx, "audit09")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(key.Secret(), time.Now())
	if err := dir.ConfirmTOTP(ctx, "audit09", code, account.Actor{Subject: "audit09"}); err != nil {
		t.Fatal(err)
	}
	tbl.Close()
	if out, _ := userCmd(t, "", "list", "--data", data); !strings.Contains(out, "two-step verification on") {
		t.Errorf("list before the reset:\n%s", out)
	}
	if out, err := userCmd(t, "", "reset-totp", "--data", data, "audit09"); err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("reset-totp: %v\n%s", err, out)
	}
	if out, _ := userCmd(t, "", "list", "--data", data); strings.Contains(out, "two-step") {
		t.Errorf("list after the reset:\n%s", out)
	}
	tbl, err = sqlitestore.Open(filepath.Join(data, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	var last audit.Event
	if err := (&audit.Log{T: tbl}).Each(ctx, audit.Filter{}, func(e audit.Event) error { last = e; return nil }); err != nil {
		t.Fatal(err)
	}
	if last.Action != audit.AccountTOTP || last.Detail["change"] != "reset" || !strings.HasPrefix(last.Actor, "cli:") {
		t.Errorf("the last record: %+v", last)
	}
}
