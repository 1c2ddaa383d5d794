package provider

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/yuejuan/yuejuan/pkg/account"
)

// page is what the login page shows.
type page struct {
	ID       string
	Username string
	Error    string
	Change   bool // ask for a new password instead of the one-time one
	Expired  bool // the authorization request is gone
	Path     string
	// A lawyer's registration: its form, then the code's; what was typed,
	// and every problem with it.
	Register, Confirm bool
	Acct              account.Account
	Problems          []string
	CanRegister       bool
	// TOTP asks for the code of an enrolled second factor after the
	// password; Enrol shows a new secret (QR code and text, once) and asks
	// for its first code; Enrolled says it is on; SignedOut that enrolling
	// needs a sign-in first.
	TOTP, Enrol, Enrolled, SignedOut bool
	QR                               template.HTML // an inline SVG, made by totpQR from numbers only
	Secret                           string
}

// The login page: Chinese first, English beside it, as the pages' messages
// are; the pages' own style sheet; no script, so the strictest CSP.
var loginTmpl = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Change}}设置新密码{{else if or .Enrol .Enrolled .SignedOut}}两步验证{{else}}登录{{end}} · 阅卷</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<header class="topbar">
  <h1><a href="/">阅卷 · 互联网阅卷服务</a></h1>
</header>
<main>
  <section class="card signin" aria-labelledby="title">
{{- if .Expired}}
    <h2 id="title">登录已过期 <span lang="en">(Sign-in expired)</span></h2>
    <p>本次登录请求已失效，请返回首页重新登录。<span lang="en">This sign-in request is no longer valid: go back and sign in again.</span></p>
    <p><a href="/">返回首页 (Back to the start page)</a></p>
{{- else if .Register}}
    <h2 id="title">律师注册 <span lang="en">(Lawyers: register)</span></h2>
    <p class="muted">注册后即可申请阅卷；检察院核验您的执业证后，申请上会显示“身份已核验”。<span lang="en">You can apply as soon as you have registered; once the procuratorate has checked your certificate, your applications show the identity as verified.</span></p>
    <form method="post" action="{{.Path}}/register" novalidate>
      <input type="hidden" name="id" value="{{.ID}}">
      <div class="field"><label for="name">姓名 (Name)</label>
        <input id="name" name="name" type="text" autocomplete="name" required value="{{.Acct.Name}}" autofocus></div>
      <div class="field"><label for="license">执业证号（17 位） (Practice certificate number, 17 digits)</label>
        <input id="license" name="license" type="text" inputmode="numeric" autocomplete="username" required value="{{.Acct.Username}}"></div>
      <div class="field"><label for="firm">律师事务所 (Law firm)</label>
        <input id="firm" name="firm" type="text" autocomplete="organization" required value="{{.Acct.Firm}}"></div>
      <div class="field"><label for="phone">手机号 (Mobile number)</label>
        <input id="phone" name="phone" type="tel" inputmode="numeric" autocomplete="tel" required value="{{.Acct.Phone}}"></div>
      {{if or .Error .Problems}}<div class="form-error" id="form-error" role="alert">{{if .Error}}<div>{{.Error}}</div>{{end}}{{range .Problems}}<div>{{.}}</div>{{end}}</div>{{end}}
      <div class="buttons"><button type="submit" id="register-submit">发送验证码 (Send the code)</button></div>
    </form>
{{- else if .Confirm}}
    <h2 id="title">输入验证码 <span lang="en">(Enter the code)</span></h2>
    <p class="muted">验证码已发送至 {{.Acct.Phone}}，10 分钟内有效。请同时设置密码（至少 10 个字符）。<span lang="en">A code was sent to {{.Acct.Phone}}; it works for 10 minutes. Choose your password too (at least 10 characters).</span></p>
    <form method="post" action="{{.Path}}/register/confirm" novalidate>
      <input type="hidden" name="id" value="{{.ID}}">
      <input type="hidden" name="username" value="{{.Acct.Username}}" autocomplete="username">
      <div class="field"><label for="code">验证码 (Code)</label>
        <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus{{if .Error}} aria-invalid="true" aria-describedby="form-error"{{end}}></div>
      <div class="field"><label for="password">密码 (Password)</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required minlength="10"></div>
      <div class="field"><label for="confirm">再次输入密码 (Password again)</label>
        <input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="10"></div>
      {{if .Error}}<div class="form-error" id="form-error" role="alert">{{.Error}}</div>{{end}}
      <div class="buttons"><button type="submit" id="confirm-submit">完成注册并登录 (Register and sign in)</button></div>
    </form>
{{- else if .SignedOut}}
    <h2 id="title">两步验证 <span lang="en">(Two-step verification)</span></h2>
    <p>请先登录，再设置两步验证。<span lang="en">Sign in first, then set up two-step verification.</span></p>
    <p><a href="/auth/login">登录 (Sign in)</a></p>
{{- else if .Enrolled}}
    <h2 id="title">两步验证已启用 <span lang="en">(Two-step verification is on)</span></h2>
    <p>今后登录时，输入密码后还需输入验证器应用中的 6 位验证码。手机丢失时请联系管理员重置。<span lang="en">From now on, signing in asks for the 6-digit code of your authenticator app after the password. If you lose the phone, ask the administrator to reset it.</span></p>
    <p><a id="totp-back" href="/">返回 (Back)</a></p>
{{- else if .Enrol}}
    <h2 id="title">设置两步验证 <span lang="en">(Set up two-step verification)</span></h2>
    <p class="muted">用验证器应用（如手机上的身份验证器）扫描二维码，或手动输入密钥；然后输入应用显示的 6 位验证码。二维码和密钥只显示这一次。<span lang="en">Scan the QR code with an authenticator app, or type the key; then enter the 6-digit code it shows. The QR code and key are shown this once.</span></p>
    <div class="totp-qr">{{.QR}}</div>
    <p>密钥 (Key)：<code id="totp-secret" class="totp-secret">{{.Secret}}</code></p>
    <form method="post" action="{{.Path}}/totp" novalidate>
      <input type="hidden" name="username" value="{{.Username}}" autocomplete="username">
      <div class="field"><label for="code">验证码 (Code)</label>
        <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required autofocus{{if .Error}} aria-invalid="true" aria-describedby="form-error"{{end}}></div>
      {{if .Error}}<div class="form-error" id="form-error" role="alert">{{.Error}}</div>{{end}}
      <div class="buttons"><button type="submit" id="totp-enrol-submit">启用 (Turn on)</button></div>
    </form>
{{- else if .TOTP}}
    <h2 id="title">两步验证 <span lang="en">(Two-step verification)</span></h2>
    <p class="muted">请输入验证器应用中的 6 位验证码。<span lang="en">Enter the 6-digit code of your authenticator app.</span></p>
    <form method="post" action="{{.Path}}/login/totp" novalidate>
      <input type="hidden" name="id" value="{{.ID}}">
      <input type="hidden" name="username" value="{{.Username}}" autocomplete="username">
      <div class="field"><label for="code">验证码 (Code)</label>
        <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required autofocus{{if .Error}} aria-invalid="true" aria-describedby="form-error"{{end}}></div>
      {{if .Error}}<div class="form-error" id="form-error" role="alert">{{.Error}}</div>{{end}}
      <div class="buttons"><button type="submit" id="totp-submit">登录 (Sign in)</button></div>
    </form>
    <p class="muted">手机丢失？请联系本单位管理员重置两步验证。<span lang="en">Lost the phone? Ask your unit's administrator to reset it.</span></p>
{{- else if .Change}}
    <h2 id="title">设置新密码 <span lang="en">(Choose your password)</span></h2>
    <p class="muted">您使用的是管理员发放的一次性密码，请设置自己的密码（至少 10 个字符）。<span lang="en">You signed in with a one-time password from the administrator: choose your own (at least 10 characters).</span></p>
    <form method="post" action="{{.Path}}/login/password" novalidate>
      <input type="hidden" name="id" value="{{.ID}}">
      <input type="hidden" name="username" value="{{.Username}}" autocomplete="username">
      <div class="field">
        <label for="password">新密码 (New password)</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required minlength="10"{{if .Error}} aria-invalid="true" aria-describedby="form-error"{{end}} autofocus>
      </div>
      <div class="field">
        <label for="confirm">再次输入新密码 (New password again)</label>
        <input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="10">
      </div>
      {{if .Error}}<div class="form-error" id="form-error" role="alert">{{.Error}}</div>{{end}}
      <div class="buttons"><button type="submit" id="password-submit">保存并登录 (Save and sign in)</button></div>
    </form>
{{- else}}
    <h2 id="title">登录 <span lang="en">(Sign in)</span></h2>
    <p class="muted">律师、案管和审计人员使用同一入口，登录后进入各自的页面。<span lang="en">Lawyers, clerks and auditors all sign in here and are taken to their own pages.</span></p>
    <form method="post" action="{{.Path}}/login" novalidate>
      <input type="hidden" name="id" value="{{.ID}}">
      <div class="field">
        <label for="username">用户名 (User name)</label>
        <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="{{.Username}}"{{if .Error}} aria-invalid="true" aria-describedby="form-error"{{end}}{{if not .Username}} autofocus{{end}}>
        <div class="hint muted">律师为 17 位执业证号 (Lawyers: the 17-digit practice certificate number)</div>
      </div>
      <div class="field">
        <label for="password">密码 (Password)</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required{{if .Username}} autofocus{{end}}>
      </div>
      {{if .Error}}<div class="form-error" id="form-error" role="alert">{{.Error}}</div>{{end}}
      <div class="buttons"><button type="submit" id="signin-submit">登录 (Sign in)</button></div>
    </form>
    {{if .CanRegister}}<p>律师首次使用？<a id="register-link" href="{{.Path}}/register?id={{.ID}}">注册账户</a> <span lang="en">(Lawyers new here: <a href="{{.Path}}/register?id={{.ID}}">register</a>)</span></p>{{end}}
    <p class="muted">忘记密码或账户被锁定，请联系本单位管理员。<span lang="en">Forgot the password, or locked out? Ask your unit's administrator.</span></p>
{{- end}}
  </section>
</main>
<footer>如需帮助请致电 12309 检察服务热线 <span lang="en">(For help call the 12309 procuratorate hotline)</span></footer>
</body>
</html>
`))

// loginCSP admits the pages' style sheet and icon and nothing else; the
// form posts to this origin, whose answer may redirect to a native client's
// loopback address (browsers hold redirects after a post to form-action).
const loginCSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' http://127.0.0.1:*; base-uri 'none'; frame-ancestors 'none'"

func (p *Provider) render(w http.ResponseWriter, status int, pg page) {
	pg.Path, pg.CanRegister = p.path, p.notices != nil
	var b bytes.Buffer
	if err := loginTmpl.Execute(&b, pg); err != nil {
		p.log.Error("login page", "err", err)
		http.Error(w, "500", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", loginCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
