package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/notify"
)

// A lawyer registers in the middle of a sign-in: name, certificate number,
// firm and mobile number; a six-digit code sent to the mobile number (the
// notifier: SMS on AWS, the outbox locally) proves it; then the account
// exists, usable at once, its identity pending a clerk's check, and the
// sign-in goes on.

// registration is a sign-in's registration waiting for its code.
type registration struct {
	Acct    account.Account `json:"acct"`
	Code    []byte          `json:"code"` // sha256 of the code sent
	Expires time.Time       `json:"expires"`
	Tries   int             `json:"tries"`
}

// codeTTL is how long a sent code works; maxCodeTries how many wrong
// codes end it.
const (
	codeTTL      = 10 * time.Minute
	maxCodeTries = 5
)

func (p *Provider) registerPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if _, ok := p.st.request(r.Context(), id); !ok {
		p.render(w, http.StatusBadRequest, page{Expired: true})
		return
	}
	p.render(w, http.StatusOK, page{ID: id, Register: true})
}

func (p *Provider) registerSubmit(w http.ResponseWriter, r *http.Request) {
	id := r.PostFormValue("id")
	if _, ok := p.st.request(r.Context(), id); !ok {
		p.render(w, http.StatusBadRequest, page{Expired: true})
		return
	}
	a := account.Account{Username: casefile.NormalizeLicense(r.PostFormValue("license")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Firm: strings.TrimSpace(r.PostFormValue("firm")), Phone: strings.TrimSpace(r.PostFormValue("phone"))}
	pg := page{ID: id, Register: true, Acct: a}
	if ps := account.CheckRegistration(a); len(ps) > 0 {
		pg.Problems = ps
		p.render(w, http.StatusBadRequest, pg)
		return
	}
	if _, err := p.dir.Get(r.Context(), a.Username); err == nil {
		pg.Error = "该执业证号已注册，请直接登录；忘记密码请联系检察院 (This certificate number is registered already: sign in, or ask the procuratorate to reset the password)"
		p.render(w, http.StatusConflict, pg)
		return
	} else if !errors.Is(err, account.ErrNotFound) {
		p.fail(w, pg, err)
		return
	}
	from := actor(r)
	if p.codes.Blocked("ip:"+from.IP) || p.codes.Blocked("phone:"+a.Phone) {
		pg.Error = "验证码发送过于频繁，请稍后再试 (Too many codes sent: try again later)"
		p.render(w, http.StatusTooManyRequests, pg)
		return
	}
	p.codes.Failed("ip:" + from.IP) // every code sent counts
	p.codes.Failed("phone:" + a.Phone)
	n, err := rand.Int(rand.Reader, big.NewInt(1000000))
	if err != nil {
		p.fail(w, pg, err)
		return
	}
	code := fmt.Sprintf("%06d", n.Int64())
	if err := p.notices.Deliver(r.Context(), notify.Notice{ID: "signup-" + rand.Text(), To: notify.Lawyer(a.Username), Phone: a.Phone,
		Kind: "signup_code", Subject: "阅卷注册验证码",
		Body: "您的注册验证码为 " + code + "，10 分钟内有效。如非本人操作，请忽略。"}); err != nil {
		p.fail(w, pg, fmt.Errorf("send the code: %w", err))
		return
	}
	sum := sha256.Sum256([]byte(code))
	if !p.st.registering(r.Context(), id, &registration{Acct: a, Code: sum[:], Expires: time.Now().Add(codeTTL)}) {
		p.render(w, http.StatusBadRequest, page{Expired: true})
		return
	}
	p.render(w, http.StatusOK, page{ID: id, Confirm: true, Acct: a})
}

func (p *Provider) confirmSubmit(w http.ResponseWriter, r *http.Request) {
	id := r.PostFormValue("id")
	a, ok := p.st.request(r.Context(), id)
	if !ok || a.Reg == nil {
		p.render(w, http.StatusBadRequest, page{Expired: true})
		return
	}
	reg := a.Reg
	pg := page{ID: id, Confirm: true, Acct: reg.Acct}
	code := strings.TrimSpace(r.PostFormValue("code"))
	sum := sha256.Sum256([]byte(code))
	right := subtle.ConstantTimeCompare(sum[:], reg.Code) == 1
	if time.Now().After(reg.Expires) || !p.st.codeTry(r.Context(), id, reg.Code, right) {
		if a, ok := p.st.request(r.Context(), id); ok && a.Reg != nil {
			reg = a.Reg
		}
		if time.Now().After(reg.Expires) || reg.Tries >= maxCodeTries {
			pg = page{ID: id, Register: true, Acct: reg.Acct,
				Error: "验证码已失效，请重新获取 (The code is no longer valid: ask for a new one)"}
			p.render(w, http.StatusBadRequest, pg)
			return
		}
		pg.Error = "验证码不正确 (Wrong code)"
		p.render(w, http.StatusBadRequest, pg)
		return
	}
	pw, again := r.PostFormValue("password"), r.PostFormValue("confirm")
	if subtle.ConstantTimeCompare([]byte(pw), []byte(again)) != 1 {
		pg.Error = "两次输入的密码不一致 (The two passwords differ)"
		p.render(w, http.StatusBadRequest, pg)
		return
	}
	acct, err := p.dir.Register(r.Context(), reg.Acct, pw, actor(r))
	switch {
	case errors.Is(err, account.ErrPasswordShort), errors.Is(err, account.ErrPasswordLong):
		pg.Error = passwordProblem(err)
		p.render(w, http.StatusBadRequest, pg)
		return
	case errors.Is(err, account.ErrExists):
		pg = page{ID: id, Error: "该执业证号已注册，请直接登录 (This certificate number is registered already: sign in)"}
		p.render(w, http.StatusConflict, pg)
		return
	case err != nil:
		p.fail(w, pg, err)
		return
	}
	p.startSession(w, r, acct.Username)
	p.complete(w, r, id, acct.Username, time.Now())
}

func (p *Provider) fail(w http.ResponseWriter, pg page, err error) {
	p.log.Error("registration", "err", err)
	pg.Error = "暂时无法注册，请稍后再试 (Registration is unavailable: try again later)"
	p.render(w, http.StatusInternalServerError, pg)
}

// registering keeps reg on request id.
func (s *storage) registering(ctx context.Context, id string, reg *registration) bool {
	return s.changeRequest(ctx, id, func(a *authRequest) bool { a.Reg = reg; return true })
}

// codeTry counts a try of the code whose hash is code: a right one ends the
// registration's wait (it is used once), a wrong one counts toward
// maxCodeTries. The count is written before the answer, so tries in two
// processes add up.
func (s *storage) codeTry(ctx context.Context, id string, code []byte, right bool) bool {
	ok := false
	s.changeRequest(ctx, id, func(a *authRequest) bool {
		if a.Reg == nil || !bytes.Equal(a.Reg.Code, code) || a.Reg.Tries >= maxCodeTries {
			return false
		}
		if !right {
			a.Reg.Tries++
			return true
		}
		ok = true
		return true
	})
	return ok
}
