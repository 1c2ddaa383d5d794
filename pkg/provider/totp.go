package provider

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/boombuler/barcode/qr"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// A staff member with a second factor gives its code after the password
// (POST /login/totp); one signed in to the provider enrols one at /totp.

// awaitTOTP marks request id as waiting for user's code.
func (s *storage) awaitTOTP(ctx context.Context, id, user string) bool {
	return s.changeRequest(ctx, id, func(a *authRequest) bool { a.TOTPUser = user; return true })
}

// secondFactor sends a user whose password was right to the code's form
// when the account has a second factor; false when it has none.
func (p *Provider) secondFactor(w http.ResponseWriter, r *http.Request, id string, a *account.Account) bool {
	if !a.HasTOTP() {
		return false
	}
	if !p.st.awaitTOTP(r.Context(), id, a.Username) {
		p.render(w, http.StatusBadRequest, page{Expired: true})
		return true
	}
	p.render(w, http.StatusOK, page{ID: id, Username: a.Username, TOTP: true})
	return true
}

func (p *Provider) totpSubmit(w http.ResponseWriter, r *http.Request) {
	id, code := r.PostFormValue("id"), strings.TrimSpace(r.PostFormValue("code"))
	a, ok := p.st.request(r.Context(), id)
	if !ok || a.TOTPUser == "" {
		p.render(w, http.StatusBadRequest, page{Expired: true})
		return
	}
	user := a.TOTPUser
	pg := page{ID: id, Username: user, TOTP: true}
	from := actor(r)
	// The same limits as the password's: codes are guessed the same way.
	if p.limiter.Blocked("ip:"+from.IP) || p.limiter.Blocked("user:"+user) {
		pg.Error = "尝试过于频繁，请一分钟后再试 (Too many attempts: try again in a minute)"
		p.render(w, http.StatusTooManyRequests, pg)
		return
	}
	_, err := p.dir.CheckTOTP(r.Context(), user, code, from)
	if err != nil {
		p.limiter.Failed("ip:" + from.IP)
		p.limiter.Failed("user:" + user)
	}
	var locked *account.LockedError
	switch {
	case errors.As(err, &locked):
		until := locked.Until.In(beijing).Format("15:04")
		pg.Error = fmt.Sprintf("账户已锁定：验证码连续错误次数过多。请于 %s 后再试，或请管理员重置 (The account is locked after too many wrong codes: try again after %s, or ask the administrator)", until, until)
		p.render(w, http.StatusUnauthorized, pg)
		return
	case errors.Is(err, account.ErrTOTPCode):
		pg.Error = "验证码错误或已使用，请输入应用中的新验证码 (Wrong or used code: enter the app's current code)"
		p.render(w, http.StatusUnauthorized, pg)
		return
	case errors.Is(err, account.ErrSecretSealed):
		// Not the user's doing: the key file lacks the key, or the record
		// was altered. Only an administrator can help.
		p.log.Error("second factor's secret does not open", "user", user, "err", err)
		pg.Error = "无法校验两步验证，请联系管理员重置两步验证 (Two-step verification cannot be checked: ask the administrator to reset it)"
		p.render(w, http.StatusInternalServerError, pg)
		return
	case err != nil:
		p.log.Error("second factor", "err", err)
		pg.Error = "暂时无法登录，请稍后再试 (Signing in is unavailable: try again later)"
		p.render(w, http.StatusInternalServerError, pg)
		return
	}
	p.startSession(w, r, user)
	p.complete(w, r, id, user, time.Now())
}

// enrolUser is the staff member signed in to the provider in r's browser.
func (p *Provider) enrolUser(w http.ResponseWriter, r *http.Request) (*account.Account, bool) {
	a, _ := p.signedIn(r)
	if a == nil {
		p.render(w, http.StatusUnauthorized, page{SignedOut: true})
		return nil, false
	}
	if a.Role == auth.Lawyer {
		http.Error(w, "两步验证仅适用于工作人员账户 (Two-step verification is for staff accounts)", http.StatusForbidden)
		return nil, false
	}
	return a, true
}

func (p *Provider) enrolPage(w http.ResponseWriter, r *http.Request) {
	a, ok := p.enrolUser(w, r)
	if !ok {
		return
	}
	key, err := p.dir.BeginTOTP(r.Context(), a.Username)
	if err != nil {
		p.log.Error("begin a second factor", "err", err)
		http.Error(w, "暂时无法设置，请稍后再试 (Unavailable: try again later)", http.StatusInternalServerError)
		return
	}
	svg, err := totpQR(key.URL())
	if err != nil {
		p.log.Error("QR code", "err", err)
	}
	p.render(w, http.StatusOK, page{Enrol: true, Username: a.Username, QR: svg, Secret: key.Secret()})
}

func (p *Provider) enrolSubmit(w http.ResponseWriter, r *http.Request) {
	a, ok := p.enrolUser(w, r)
	if !ok {
		return
	}
	by := actor(r)
	by.Subject, by.Role = a.Username, string(a.Role)
	err := p.dir.ConfirmTOTP(r.Context(), a.Username, strings.TrimSpace(r.PostFormValue("code")), by)
	switch {
	case err == nil:
		p.render(w, http.StatusOK, page{Enrolled: true})
	case errors.Is(err, account.ErrTOTPCode), errors.Is(err, account.ErrTOTPNone):
		// A new secret: the one shown before is not shown twice.
		p.enrolAgain(w, r, a.Username, "验证码不正确。请用新的二维码重新添加，再输入验证码 (Wrong code: add the new QR code to the app and enter its code)")
	default:
		p.log.Error("confirm a second factor", "err", err)
		http.Error(w, "暂时无法设置，请稍后再试 (Unavailable: try again later)", http.StatusInternalServerError)
	}
}

func (p *Provider) enrolAgain(w http.ResponseWriter, r *http.Request, user, msg string) {
	key, err := p.dir.BeginTOTP(r.Context(), user)
	if err != nil {
		p.log.Error("begin a second factor", "err", err)
		http.Error(w, "暂时无法设置，请稍后再试 (Unavailable: try again later)", http.StatusInternalServerError)
		return
	}
	svg, _ := totpQR(key.URL())
	p.render(w, http.StatusBadRequest, page{Enrol: true, Username: user, QR: svg, Secret: key.Secret(), Error: msg})
}

// totpQR draws the otpauth:// URL as an inline SVG QR code: no image
// request, no data: URL, so the page's CSP stays as strict.
func totpQR(url string) (template.HTML, error) {
	code, err := qr.Encode(url, qr.M, qr.Auto)
	if err != nil {
		return "", err
	}
	b := code.Bounds()
	n := b.Dx()
	var d strings.Builder
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if r, _, _, _ := code.At(b.Min.X+x, b.Min.Y+y).RGBA(); r == 0 {
				fmt.Fprintf(&d, "M%d %dh1v1h-1z", x+4, y+4)
			}
		}
	}
	// Only numbers go into the markup.
	return template.HTML(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="220" height="220" role="img" aria-label="两步验证二维码 (QR code)"><rect width="100%%" height="100%%" fill="#fff"/><path fill="#000" d="%s"/></svg>`, n+8, n+8, d.String())), nil
}
