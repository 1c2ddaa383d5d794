package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// formClient is a browser as far as the provider's forms go: cookies, and
// the pages' answers as text.
type formClient struct {
	t *testing.T
	c *http.Client
}

func newFormClient(t *testing.T) *formClient {
	jar, _ := cookiejar.New(nil)
	return &formClient{t: t, c: &http.Client{Jar: jar}}
}

func (f *formClient) get(u string) (*http.Response, string) {
	f.t.Helper()
	resp, err := f.c.Get(u)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (f *formClient) post(u string, v url.Values) (*http.Response, string) {
	f.t.Helper()
	resp, err := f.c.PostForm(u, v)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var loginID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// passwordStep opens the pages' sign-in and gives user's password: the
// answer is the provider's next page, and the sign-in's id.
func (f *formClient) passwordStep(base, user, password string) (*http.Response, string, string) {
	f.t.Helper()
	_, body := f.get(base + "/auth/login?next=/clerk")
	id := loginID.FindStringSubmatch(body)
	if id == nil {
		f.t.Fatalf("no sign-in form:\n%s", body)
	}
	resp, body := f.post(base+"/oidc/login", url.Values{"id": {id[1]}, "username": {user}, "password": {password}})
	return resp, body, id[1]
}

// TestTOTPSurvivesRestart: a clerk's second factor, enrolled on the real
// `yuejuan serve` with the key file the deployment names
// (YUEJUAN_TOTP_KEY_FILE, outside the data directory), is nowhere in the
// data directory as it is after a SIGKILL; started again (her record
// holding the secret plain, as an older version kept it), the server seals
// it at the start, checks her next code, and she is signed in. Started with another key file, the
// same code is refused with the way out (the administrator's reset). A key
// file named but missing stops the start, saying how to make one.
func TestTOTPSurvivesRestart(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "secrets", "totp.keys")
	s := &signinServer{t: t, addr: freePort(t), data: t.TempDir(), env: []string{"YUEJUAN_OCR=off", "YUEJUAN_TOTP_KEY_FILE=" + keys}}
	base := "http://" + s.addr

	// Named but missing: the server does not start.
	cmd := exec.Command(binPath, "serve", "--addr", s.addr, "--data", s.data)
	cmd.Env = append(append(os.Environ(), "YUEJUAN_PUBLIC_URL=", "YUEJUAN_DATA="), s.env...)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "YUEJUAN_TOTP_KEY_FILE") || !strings.Contains(string(out), keys) || !strings.Contains(string(out), "openssl rand -hex 32") {
		t.Fatalf("serve with a missing key file: %v\n%s", err, out)
	}
	newKey := func() []byte {
		k := make([]byte, 32)
		_, _ = rand.Read(k)
		return []byte(hex.EncodeToString(k) + "\n")
	}
	if err := os.MkdirAll(filepath.Dir(keys), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keys, newKey(), 0o600); err != nil {
		t.Fatal(err)
	}

	if out, err := userCmd(t, "totp-password-1\n", "add", "--data", s.data, "--role", "clerk", "--name", "韩书记员",
		"--unit", "西城检察院", "--password-stdin", "clerk62"); err != nil {
		t.Fatal(err, out)
	}
	s.start()
	t.Cleanup(s.kill)

	// She signs in (choosing her password) and enrols.
	f := newFormClient(t)
	_, _, id := f.passwordStep(base, "clerk62", "totp-password-1")
	resp, _ := f.post(base+"/oidc/login/password", url.Values{"id": {id}, "password": {"han-own-password"}, "confirm": {"han-own-password"}})
	if resp.Request.URL.Path != "/clerk" {
		t.Fatalf("signed in at %s (%d)\n%s", resp.Request.URL, resp.StatusCode, s.logs.String())
	}
	_, body := f.get(base + "/oidc/totp")
	m := regexp.MustCompile(`id="totp-secret" class="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no key on the enrolment page:\n%s", body)
	}
	secret := m[1]
	code, _ := totp.GenerateCode(secret, time.Now())
	if resp, body := f.post(base+"/oidc/totp", url.Values{"code": {code}}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "两步验证已启用") {
		t.Fatalf("enrolment: %d\n%s", resp.StatusCode, body)
	}

	s.kill()
	// No file of the data directory holds the secret as it is (the SQLite
	// database and its write-ahead log included).
	if err := filepath.WalkDir(s.data, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the second factor's secret as it is", p)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// As an older version kept it: the secret plain in her record. The
	// start seals it.
	setTOTP(t, s.data, "clerk62", secret)
	s.start()

	// After the restart: the password, then the next code, and she is in.
	f = newFormClient(t)
	resp, body, id = f.passwordStep(base, "clerk62", "han-own-password")
	if !strings.Contains(body, `action="/oidc/login/totp"`) {
		t.Fatalf("after the restart the password was not followed by the code's form: %d\n%s", resp.StatusCode, body)
	}
	code, _ = totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	resp, body = f.post(base+"/oidc/login/totp", url.Values{"id": {id}, "code": {code}})
	if resp.Request.URL.Path != "/clerk" {
		t.Fatalf("the code after the restart: at %s (%d)\n%s\n%s", resp.Request.URL, resp.StatusCode, body, s.logs.String())
	}

	s.kill()
	if got := storedTOTP(t, s.data, "clerk62"); !strings.HasPrefix(got, "sealed1:") || strings.Contains(got, secret) {
		t.Errorf("the plain secret an older version kept was not sealed at the start: %q", got)
	}
	if !strings.Contains(s.logs.String(), "sealed two-step secrets with the current key") {
		t.Errorf("the start did not say it sealed a secret:\n%s", s.logs.String())
	}

	// Another key file: her secret does not open, and the form says whom
	// to ask.
	if err := os.WriteFile(keys, newKey(), 0o600); err != nil {
		t.Fatal(err)
	}
	s.start()
	f = newFormClient(t)
	_, _, id = f.passwordStep(base, "clerk62", "han-own-password")
	code, _ = totp.GenerateCode(secret, time.Now())
	resp, body = f.post(base+"/oidc/login/totp", url.Values{"id": {id}, "code": {code}})
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "请联系管理员重置两步验证") {
		t.Errorf("a secret the key file cannot open: %d at %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
}

// setTOTP writes user's second-factor secret into the record as it is,
// past the directory. The server must be down.
func setTOTP(t *testing.T, data, user, v string) {
	t.Helper()
	tbl, err := sqlitestore.Open(filepath.Join(data, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	ctx := context.Background()
	it, err := tbl.Get(ctx, "account#"+user, "account")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(it.Data, &m); err != nil {
		t.Fatal(err)
	}
	m["totp"] = v
	if it.Data, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if _, err := tbl.Put(ctx, it); err != nil {
		t.Fatal(err)
	}
}

// storedTOTP is user's second-factor secret as the record holds it. The
// server must be down.
func storedTOTP(t *testing.T, data, user string) string {
	t.Helper()
	tbl, err := sqlitestore.Open(filepath.Join(data, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	it, err := tbl.Get(context.Background(), "account#"+user, "account")
	if err != nil {
		t.Fatal(err)
	}
	var a struct{ TOTP string }
	if err := json.Unmarshal(it.Data, &a); err != nil {
		t.Fatal(err)
	}
	return a.TOTP
}
