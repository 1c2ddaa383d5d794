package functions_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/internal/oidcpeer"
	"github.com/yuejuan/yuejuan/pkg/session"
	"github.com/yuejuan/yuejuan/pkg/store/dynamostore"
)

// gateway stands in for one role's API Gateway HTTP API in front of its
// function under the emulator: it turns each browser request into the
// payload 2.0 event API Gateway sends (cookies in "cookies", headers
// lower-case, the body base64), picks the route as the template's routes do,
// and answers as the JWT authorizer does on the routes it guards when no
// Authorization header came (401 {"message":"Unauthorized"}); the token's
// signature, issuer and audience are the function's to check, as they are
// behind the real authorizer too. The emulator runs one invocation at a
// time, as one Lambda execution environment does, so requests wait their
// turn.
type gateway struct {
	t      *testing.T
	fn     *fn
	routes []gwRoute
	mu     sync.Mutex
}

type gwRoute struct {
	method, path string // "ANY", "/api/v1/{proxy+}"
	jwt          bool
}

// pageRoutes are a role API's routes of the template (TestHTTPAPIs checks
// the template has them): the Bearer API behind the JWT authorizer; the
// page, its assets, the sign-in and the cookie API without.
func pageRoutes(page string) []gwRoute {
	return []gwRoute{{"ANY", "/api/v1/{proxy+}", true}, {"GET", "/", false}, {"GET", page, false},
		{"GET", "/static/{file}", false}, {"ANY", "/auth/{proxy+}", false}, {"ANY", "/web/api/v1/{proxy+}", false}}
}

func (r gwRoute) matches(method, path string) bool {
	if r.method != "ANY" && r.method != method {
		return false
	}
	prefix, last, _ := strings.Cut(r.path, "{")
	switch {
	case last == "":
		return path == r.path
	case last == "proxy+}":
		return strings.HasPrefix(path, prefix) && len(path) > len(prefix)
	default: // one segment
		rest := strings.TrimPrefix(path, prefix)
		return strings.HasPrefix(path, prefix) && rest != "" && !strings.Contains(rest, "/")
	}
}

func gwJSON(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"message":%q}`, msg)
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var route *gwRoute
	for i := range g.routes {
		if g.routes[i].matches(r.Method, r.URL.Path) {
			route = &g.routes[i]
			break
		}
	}
	if route == nil {
		gwJSON(w, http.StatusNotFound, "Not Found")
		return
	}
	if route.jwt && r.Header.Get("Authorization") == "" {
		gwJSON(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	body, _ := io.ReadAll(r.Body)
	e := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: route.method + " " + route.path, RawPath: r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery, Headers: map[string]string{},
		Body: base64.StdEncoding.EncodeToString(body), IsBase64Encoded: true,
		RequestContext: events.APIGatewayV2HTTPRequestContext{AccountID: "000000000000", APIID: "rieapi", DomainName: r.Host,
			Stage: "$default", RequestID: "req-" + rnd(), TimeEpoch: time.Now().UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: r.Method, Path: r.URL.Path, Protocol: r.Proto,
				SourceIP: "127.0.0.1", UserAgent: r.UserAgent()}}}
	for k, vs := range r.Header {
		if strings.EqualFold(k, "Cookie") {
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						e.Cookies = append(e.Cookies, c)
					}
				}
			}
			continue
		}
		e.Headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	e.Headers["host"] = r.Host
	g.mu.Lock()
	raw, err := g.fn.invoke(context.WithoutCancel(r.Context()), e)
	g.mu.Unlock()
	if err != nil {
		g.t.Errorf("%s %s: %v", r.Method, r.URL, err)
		gwJSON(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(raw, &resp); err != nil {
		g.t.Errorf("%s %s: response %s: %v", r.Method, r.URL, raw, err)
		gwJSON(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	out := []byte(resp.Body)
	if resp.IsBase64Encoded {
		out, _ = base64.StdEncoding.DecodeString(resp.Body)
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(out)))
	w.WriteHeader(resp.StatusCode)
	g.t.Logf("gateway: %s %s -> %d", r.Method, r.URL.Path, resp.StatusCode)
	if r.Method != http.MethodHead {
		_, _ = w.Write(out)
	}
}

const (
	pagesClient   = "yuejuan-pages"
	pagesSecret   = "pages-client-secret-rie-0123456789abcdef"
	pagesSecretID = "yuejuan/rie/pages-client"
	signInLicense = "11101201910099991"
)

// ssoUsers are the provider's accounts: a lawyer (her user name is her
// practice certificate number) and a clerk with her unit.
var ssoUsers = []oidcpeer.User{
	{Username: signInLicense, Password: "lawyer-pass-0001", Name: "钱律师", Claims: map[string]any{"role": "lawyer"}},
	{Username: "clerk.sun", Password: "clerk-pass-0001", Name: "孙书记员", Claims: map[string]any{"role": "clerk", "unit": "市检察院"}},
	{Username: "audit.li", Password: "audit-pass-0001", Name: "李审计", Claims: map[string]any{"role": "auditor"}},
}

// TestPagesSignInOnLambda: the lawyers', clerks' and auditors' pages sign
// in on AWS. The three role API bootstraps run under the emulator,
// configured as the template configures them, against a real OpenID
// provider process (oidc-provider) standing in for Cognito, each behind a
// stand-in of its HTTP API; headless Chromium goes through the real
// redirect flow: a lawyer and a clerk sign in, their pages show what the
// API gives them through the cookie route (the lawyer's applications; the
// clerk registers a case and finds it in her list; the auditor finds it in
// the log and exports it), a change without the
// CSRF header is refused with the API's own error, sign-out ends the
// session here and at the provider and the cookie route then answers 401,
// and a Bearer caller still uses /api/v1 while a cookie there is refused
// by the gateway.
func TestPagesSignInOnLambda(t *testing.T) {
	exe := browsertest.ChromiumPath(t)
	lawyerLn, lawyerURL := listen(t)
	clerkLn, clerkURL := listen(t)
	auditorLn, auditorURL := listen(t)
	// Access tokens live 62 s: the sessions renew them (with the refresh
	// token, in the function, the renewed session written to DynamoDB)
	// within a minute of their expiry, so from the second second on nearly
	// every page request goes through a renewal.
	issuer := oidcpeer.Start(t, oidcpeer.Config{Audience: audience, Users: ssoUsers, AccessTTL: 62, Clients: []oidcpeer.Client{{
		ID: pagesClient, Secret: pagesSecret,
		RedirectURIs:           []string{lawyerURL + "/auth/callback", clerkURL + "/auth/callback", auditorURL + "/auth/callback"},
		PostLogoutRedirectURIs: []string{lawyerURL + "/", clerkURL + "/", auditorURL + "/"}}}})
	origin := map[string]string{"api-lawyer": lawyerURL, "api-clerk": clerkURL, "api-auditor": auditorURL}
	w := newWorldWith(t, worldOptions{only: []string{"api-lawyer", "api-clerk", "api-auditor"}, secrets: map[string]string{pagesSecretID: pagesSecret},
		setVars: func(name string, vars map[string]string) {
			vars["YUEJUAN_ISSUER"], vars["YUEJUAN_JWKS_URL"] = issuer, issuer+"/jwks"
			vars["YUEJUAN_SIGNIN_URL"], vars["YUEJUAN_SIGNIN_CLIENT_ID"] = origin[name], pagesClient
			vars["YUEJUAN_SIGNIN_SECRET"], vars["YUEJUAN_SIGNIN_PROVIDER"] = pagesSecretID, "oidc"
		}})
	serve(t, lawyerLn, &gateway{t: t, fn: w.fns["api-lawyer"], routes: pageRoutes("/lawyer")})
	serve(t, clerkLn, &gateway{t: t, fn: w.fns["api-clerk"], routes: pageRoutes("/clerk")})
	serve(t, auditorLn, &gateway{t: t, fn: w.fns["api-auditor"], routes: pageRoutes("/auditor")})
	shots := filepath.Join(os.TempDir(), "shots", "aws-signin")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	browser := browsertest.Start(t, exe)
	var caseNo string // the clerk's, which the auditor then finds

	// Anonymous traffic: each /auth/login keeps one sign-in under way, which
	// carries the table's TTL attribute 15 minutes on (the template's table
	// has TTL on it), so nobody's hits pile up for good.
	t.Run("anonymous sign-in expires", func(t *testing.T) {
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(lawyerURL + "/auth/login?next=/lawyer")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, issuer+"/") {
			t.Fatalf("/auth/login: %d to %q, want 302 to the provider", resp.StatusCode, loc)
		}
		var state string
		for _, ck := range resp.Cookies() {
			if ck.Name == "yj_auth" {
				state = ck.Value
			}
		}
		if state == "" {
			t.Fatal("/auth/login set no state cookie")
		}
		ttl := w.itemTTL(t, session.PendingKey(state), "pending")
		if left := time.Until(ttl); left <= 0 || left > 15*time.Minute+5*time.Second {
			t.Errorf("the sign-in under way expires in %v, want within 15 minutes", left)
		}
	})

	t.Run("lawyer", func(t *testing.T) {
		tab := newTab(t, browser, shots, "lawyer")
		tab.signIn(lawyerURL, ssoUsers[0])
		tab.Wait("her applications, from the API through the cookie route",
			`document.querySelector('#apps li') !== null`, 30*time.Second)
		if got := tab.Text("#apps"); !strings.Contains(got, "您还没有提交过阅卷申请") {
			t.Errorf("the applications card shows %q, want her (empty) list", got)
		}
		if who := tab.Text("#who"); !strings.Contains(who, "钱律师") {
			t.Errorf("the header shows %q, want her name from the provider's token", who)
		}
		if base := browsertest.Eval[string](tab, `document.querySelector('meta[name="yj-api"]').content`); base != "/web/api/v1" {
			t.Errorf("the page's API base is %q, want the cookie route /web/api/v1", base)
		}
		tab.sessionBannerHidden()
		if c := tab.sessionCookie(lawyerURL); c == nil || !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax {
			t.Errorf("the session cookie: %+v, want HttpOnly, SameSite=Lax", c)
		}
		tab.shots("lawyer-signed-in")

		// Two seconds on, her access token is within a minute of its end:
		// the next page load renews it in the function, and the page
		// never notices.
		time.Sleep(3 * time.Second)
		tab.Do("reload", chromedp.Reload())
		tab.Wait("her applications again", `document.querySelector('#apps li') !== null`, 30*time.Second)
		tab.sessionBannerHidden()
		if v := w.sessionVersion(t, tab.sessionCookie(lawyerURL)); v < 2 {
			t.Errorf("her session was written %d time(s): the access token was not renewed", v)
		}
		tab.csrfRefused("/web/api/v1/complaints")

		// A Bearer caller (a script, the CLI) uses /api/v1 as before;
		// the page's cookie is no login there (the gateway's authorizer
		// reads only Authorization).
		tok := bearerToken(t, issuer, lawyerURL, ssoUsers[0])
		if st, body := get(t, lawyerURL+"/api/v1/applications", "Bearer "+tok); st != http.StatusOK || !strings.Contains(body, `"applications":[]`) {
			t.Errorf("GET /api/v1/applications with a Bearer token: %d %s", st, body)
		}
		if st := browsertest.Eval[float64](tab, `fetch('/api/v1/applications').then(r => r.status)`); st != http.StatusUnauthorized {
			t.Errorf("GET /api/v1/applications with the page's cookie: %v, want 401 from the authorizer", st)
		}

		tab.signOut(lawyerURL)
		tab.refusedSignedOut("/web/api/v1/applications")
		// Signed out at the provider too: signing in again asks for the
		// password.
		tab.Do("sign in again", chromedp.Navigate(lawyerURL+"/auth/login"))
		tab.Wait("the provider's password form", `document.querySelector('input[name="password"]') !== null`, 20*time.Second)
	})

	t.Run("clerk", func(t *testing.T) {
		tab := newTab(t, browser, shots, "clerk")
		tab.signIn(clerkURL, ssoUsers[1])
		if who := tab.Text("#who"); !strings.Contains(who, "孙书记员") || !strings.Contains(who, "市检察院") {
			t.Errorf("the header shows %q, want her name and unit", who)
		}
		// Cognito (here its stand-in) keeps her second factor: the page
		// offers no link to the embedded provider's, which is not here.
		if browsertest.Eval[bool](tab, `document.querySelector('#two-step') !== null`) {
			t.Errorf("the clerk's header offers 两步验证, a page that does not exist on AWS")
		}
		caseNo = "京检刑诉〔2026〕" + rnd() + "号"
		tab.Do("register a case on her page",
			chromedp.WaitVisible(chromedp.CSS("#c-caseNo")),
			chromedp.SetValue(chromedp.CSS("#c-caseNo"), caseNo),
			chromedp.SetValue(chromedp.CSS("#c-title"), "孙某盗窃案"),
			chromedp.SetValue(chromedp.CSS("#c-defendants"), "孙某"),
			chromedp.SetValue(chromedp.CSS("#c-handler-name"), "马检察官"),
			chromedp.SetValue(chromedp.CSS("#c-handler-phone"), "010-63333333"),
			chromedp.Click(chromedp.CSS("#case-submit")))
		tab.Wait("the case registered", `!document.querySelector('#case-ok').hidden`, 30*time.Second)
		if msg := tab.Text("#case-ok"); !strings.Contains(msg, caseNo) {
			t.Errorf("the registration notice %q does not name the case", msg)
		}
		tab.Do("reload", chromedp.Reload())
		tab.Wait("her cases, from the API", fmt.Sprintf(`document.body.innerText.includes(%q)`, caseNo), 30*time.Second)
		tab.sessionBannerHidden()
		tab.shots("clerk-signed-in")
		tab.csrfRefused("/web/api/v1/cases")
		tab.signOut(clerkURL)
		tab.refusedSignedOut("/web/api/v1/cases")

		// The lawyers' pages are not hers: signed in there by the same
		// provider, she is told so at the callback and given no session.
		tab.Do("the lawyers' sign-in", chromedp.Navigate(lawyerURL+"/auth/login"))
		tab.Wait("the provider's form", `document.querySelector('input[name="password"]') !== null`, 30*time.Second)
		tab.Do("her user name and password",
			chromedp.SetValue(chromedp.CSS(`input[name="username"]`), ssoUsers[1].Username),
			chromedp.SetValue(chromedp.CSS(`input[name="password"]`), ssoUsers[1].Password),
			chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
		tab.Wait("the refusal at the lawyers' callback", `location.origin === `+jsString(lawyerURL)+` && location.pathname === '/auth/callback'`, 30*time.Second)
		if msg := tab.Text("[role=alert]"); !strings.Contains(msg, "此账户不能使用阅卷页面") {
			t.Errorf("a clerk signed in at the lawyers' pages is told %q", msg)
		}
		// (The refusal page's policy lets it fetch nothing: ask the browser
		// for its cookies.)
		if c := tab.sessionCookie(lawyerURL); c != nil {
			t.Errorf("a clerk refused at the lawyers' pages was given a session cookie")
		}
	})

	t.Run("auditor", func(t *testing.T) {
		if caseNo == "" {
			t.Fatal("no case registered by the clerk's journey")
		}
		tab := newTab(t, browser, shots, "auditor")
		tab.signIn(auditorURL, ssoUsers[2])
		tab.Wait("the access log, from the API through the cookie route",
			fmt.Sprintf(`document.querySelector('#events') && document.querySelector('#events').innerText.includes(%q)`, caseNo), 30*time.Second)
		tab.sessionBannerHidden()
		tab.shots("auditor-signed-in")
		// The export (auditor.js) goes to the page's API base too.
		downloads := t.TempDir()
		if _, err := chromedp.CallBrowser(tab.Ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
			BrowserContextID: chromedp.FromContext(tab.Ctx).BrowserContextID}); err != nil {
			t.Fatalf("allow downloads: %v", err)
		}
		tab.Do("export CSV", chromedp.Click(chromedp.CSS("#export")))
		var csv []byte
		for end := time.Now().Add(30 * time.Second); csv == nil && time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
			if m, _ := filepath.Glob(filepath.Join(downloads, "yuejuan-audit-*.csv")); len(m) > 0 {
				csv, _ = os.ReadFile(m[0])
			}
		}
		if !strings.Contains(string(csv), caseNo) || !strings.Contains(string(csv), "登记案件") {
			t.Errorf("the CSV export (%d bytes) does not hold the clerk's registration of %s:\n%.600s", len(csv), caseNo, csv)
		}
		tab.signOut(auditorURL)
		tab.refusedSignedOut("/web/api/v1/audit/events")
	})
}

// sessionVersion is how many times the session of cookie c was written in
// the table (1: made at sign-in; each renewal writes it again).
func (w *world) sessionVersion(t *testing.T, c *network.Cookie) int64 {
	t.Helper()
	if c == nil {
		t.Fatal("no session cookie")
	}
	it, err := dynamostore.New(w.ddb(), w.vars["YUEJUAN_TABLE"]).Get(t.Context(), session.SessionKey(c.Value), "session")
	if err != nil {
		t.Fatalf("the session in the table: %v", err)
	}
	return it.Version
}

// itemTTL is the table's TTL attribute of an item, read raw from DynamoDB.
func (w *world) itemTTL(t *testing.T, pk, sk string) time.Time {
	t.Helper()
	out, err := w.ddb().GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(w.vars["YUEJUAN_TABLE"]),
		Key: map[string]types.AttributeValue{dynamostore.AttrPK: &types.AttributeValueMemberS{Value: pk}, dynamostore.AttrSK: &types.AttributeValueMemberS{Value: sk}}})
	if err != nil || out.Item == nil {
		t.Fatalf("item %s/%s: %v", pk, sk, err)
	}
	n, ok := out.Item[dynamostore.AttrTTL].(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("item %s/%s has no %s attribute: it would never expire", pk, sk, dynamostore.AttrTTL)
	}
	sec, _ := strconv.ParseInt(n.Value, 10, 64)
	return time.Unix(sec, 0)
}

func (w *world) ddb() *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{Region: region, BaseEndpoint: aws.String(env.dynamo),
		Credentials: credentials.NewStaticCredentialsProvider(env.s3Key+"x", "x", "")})
}

// listen reserves a loopback port for a gateway, before the provider that
// must know its callback URL starts.
func listen(t *testing.T) (net.Listener, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String()
}

func serve(t *testing.T, ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
}

// tab is one person's browser: its own browser context (cookies apart);
// see browsertest.Tab. A dialog is accepted, so that a page that asks
// before it is left never stalls the journey; script errors and policy
// violations fail the test when it ends.
type tab struct{ *browsertest.Tab }

func newTab(t *testing.T, browser context.Context, shots, name string) *tab {
	t.Helper()
	b := &tab{browsertest.NewTab(t, browser, name, shots)}
	t.Cleanup(b.CheckClean)
	return b
}

// signIn goes from the start page through the provider's form back to the
// role's page.
func (b *tab) signIn(origin string, u oidcpeer.User) {
	b.T.Helper()
	b.Do("open the start page", chromedp.Navigate(origin+"/"), chromedp.WaitVisible(chromedp.CSS("#signin-start")))
	b.Do("go to sign in", chromedp.Click(chromedp.CSS("#signin-start")))
	b.Wait("the provider's form", `document.querySelector('input[name="password"]') !== null`, 30*time.Second)
	if href := browsertest.Eval[string](b, `location.origin`); href == origin {
		b.T.Fatalf("%s: the password form is on the pages' origin, not the provider's", b.Name)
	}
	b.Do("type user name and password",
		chromedp.SetValue(chromedp.CSS(`input[name="username"]`), u.Username),
		chromedp.SetValue(chromedp.CSS(`input[name="password"]`), u.Password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	b.Wait("back on the role's page, signed in", `location.origin === `+jsString(origin)+
		` && /^\/(lawyer|clerk|auditor)$/.test(location.pathname) && document.querySelector('#who') && document.querySelector('#who').textContent !== ''`,
		60*time.Second)
}

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

// sessionBannerHidden: the page never said the session had ended.
func (b *tab) sessionBannerHidden() {
	b.T.Helper()
	if !browsertest.Eval[bool](b, `document.querySelector('#session-banner').hidden`) {
		b.T.Errorf("%s: the page says the session ended: %s", b.Name, b.Text("#session-banner"))
	}
}

// csrfRefused: a change sent with the cookie but without the page's CSRF
// header is refused with the API's error shape and a message that says
// what to do.
func (b *tab) csrfRefused(path string) {
	b.T.Helper()
	var got struct {
		Status float64
		Body   struct {
			Error struct{ Code, Message string }
		}
	}
	js := `fetch(` + jsString(path) + `, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'})
		.then(r => r.json().then(b => ({status: r.status, body: b})))`
	j, _ := json.Marshal(browsertest.Eval[map[string]any](b, js))
	_ = json.Unmarshal(j, &got)
	if got.Status != http.StatusForbidden || got.Body.Error.Code != "forbidden" || !strings.Contains(got.Body.Error.Message, "防伪令牌") {
		b.T.Errorf("%s: POST %s without the CSRF header: %s, want 403 forbidden naming the page's CSRF token", b.Name, path, j)
	}
}

// sessionCookie is the browser's session cookie for origin, or nil.
func (b *tab) sessionCookie(origin string) *network.Cookie {
	b.T.Helper()
	return b.Cookie(origin+"/", "yj_session")
}

// refusedSignedOut: signed out, the cookie route answers 401 with the API's
// own error, which says to sign in.
func (b *tab) refusedSignedOut(path string) {
	b.T.Helper()
	got := browsertest.Eval[map[string]any](b, `fetch(`+jsString(path)+`).then(r => r.json().then(b => ({status: r.status, code: b.error && b.error.code, message: b.error && b.error.message})))`)
	if got["status"] != float64(http.StatusUnauthorized) || got["code"] != "unauthenticated" || got["message"] == "" {
		b.T.Errorf("%s: GET %s after sign-out: %v, want 401 unauthenticated with a message", b.Name, path, got)
	}
}

// signOut presses 退出登录; the provider asks whether to sign out there
// too (oidc-provider's confirmation; Cognito's /logout does not ask), and
// the browser comes back to the start page.
func (b *tab) signOut(origin string) {
	b.T.Helper()
	b.Do("sign out", chromedp.Click(chromedp.CSS("#signout")))
	b.Wait("the provider's sign-out or the start page", `document.querySelector('button[name="logout"]') !== null || (location.origin === `+
		jsString(origin)+` && location.pathname === '/')`, 30*time.Second)
	if browsertest.Eval[bool](b, `document.querySelector('button[name="logout"]') !== null`) {
		b.Do("confirm at the provider", chromedp.Click(chromedp.CSS(`button[name="logout"]`)))
	}
	b.Wait("the start page", `location.origin === `+jsString(origin)+` && location.pathname === '/' && document.querySelector('#signin-start') !== null`, 30*time.Second)
}

// shots photographs the page at 1280 and 375 px wide.
func (b *tab) shots(name string) {
	b.T.Helper()
	for _, wd := range []int64{1280, 375} {
		if wd <= 400 {
			b.Viewport(wd, 812)
		} else {
			b.Viewport(wd, 800)
		}
		if _, err := browsertest.EvalIn[any](b, `window.scrollTo(0, 0)`); err != nil {
			b.T.Fatal(err)
		}
		b.Do("settle", chromedp.Sleep(300*time.Millisecond))
		ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
		shot := chromedp.FullScreenshot(100) // 100: PNG
		if wd <= 400 {
			shot = chromedp.CaptureScreenshot() // what a phone shows first
		}
		png, err := chromedp.Run(ctx, shot)
		cancel()
		if err != nil {
			b.T.Fatalf("%s: screenshot at %d px: %v", b.Name, wd, err)
		}
		if err := os.WriteFile(filepath.Join(b.Shots, fmt.Sprintf("%s-%d.png", name, wd)), png, 0o644); err != nil {
			b.T.Fatal(err)
		}
	}
	b.Do("back to 1280 px", chromedp.EmulateViewport(1280, 800, chromedp.EmulateScale(1)))
}

// get is a plain HTTP GET with an Authorization header.
func get(t *testing.T, u, authz string) (int, string) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", authz)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// bearerToken signs u in at the provider as a script would (code flow with
// PKCE, the pages' client) and returns the access token.
func bearerToken(t *testing.T, issuer, origin string, u oidcpeer.User) string {
	t.Helper()
	conf := oauth2.Config{ClientID: pagesClient, ClientSecret: pagesSecret, RedirectURL: origin + "/auth/callback",
		Scopes:   []string{"openid", "profile"},
		Endpoint: oauth2.Endpoint{AuthURL: issuer + "/auth", TokenURL: issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
	jar, _ := cookiejar.New(nil)
	var code string
	errStop := errors.New("stop")
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), origin) {
			code = r.URL.Query().Get("code")
			return errStop
		}
		return nil
	}}
	verifier := oauth2.GenerateVerifier()
	resp, err := c.Get(conf.AuthCodeURL("st-"+rnd(), oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	form := resp.Request.URL.String() // the interaction's form
	resp, err = c.PostForm(form, url.Values{"username": {u.Username}, "password": {u.Password}})
	if err != nil && !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	if resp != nil {
		resp.Body.Close()
	}
	if code == "" {
		t.Fatalf("no code from the provider after signing in at %s", form)
	}
	tok, err := conf.Exchange(context.WithValue(t.Context(), oauth2.HTTPClient, &http.Client{Timeout: 20 * time.Second}), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}
