package cloud

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/session"
)

// WebAPIPrefix is the pages' cookie route on AWS: /web/api/v1/... is the
// API behind the sign-in's session (session.BFF.API), routed without a
// gateway authorizer, for the gateway's JWT authorizer on /api/v1 reads
// only the Authorization header and the pages hold no token
// (docs/deployment.md, "Signing in on AWS").
const WebAPIPrefix = "/web"

// Sign-in providers (YUEJUAN_SIGNIN_PROVIDER).
const (
	signInOIDC    = "oidc"
	signInCognito = "cognito"
)

// signInOn reports whether the pages of this function sign in here:
// YUEJUAN_SIGNIN_URL names the origin they are served at.
func (e Env) signInOn() bool { return e.SignInURL != "" }

// roleOnly admits the tokens of one role: a clerk who signs in at the
// lawyers' pages is told the pages are not hers rather than given a
// session the API refuses at every call.
type roleOnly struct {
	v    session.Verifier
	role auth.Role
}

func (r roleOnly) Verify(ctx context.Context, raw string) (auth.Identity, error) {
	id, err := r.v.Verify(ctx, raw)
	if err != nil {
		return id, err
	}
	if id.Role != r.role {
		return auth.Identity{}, fmt.Errorf("%w: role %s at the %s pages", auth.ErrInvalidToken, id.Role, r.role)
	}
	return id, nil
}

// SignIn is the pages' sign-in of one role's function: the same
// backend-for-frontend as the local server's (pkg/session), its sessions in
// the table under their own keys, its client the identity provider's pages
// client (Cognito's PagesClient or the unit's provider), whose secret is
// read from Secrets Manager (YUEJUAN_SIGNIN_SECRET) here at cold start and
// never sits in the environment. The provider's endpoints come from its
// OpenID discovery at the first sign-in, so a provider that is down at
// cold start does not stop the API. Nil, nil when the function's pages do
// not sign in here (YUEJUAN_SIGNIN_URL unset).
func (rt *Runtime) SignIn(ctx context.Context, role auth.Role, v session.Verifier) (*session.BFF, error) {
	e := rt.Env
	if !e.signInOn() {
		return nil, nil
	}
	if err := need([2]string{"YUEJUAN_SIGNIN_CLIENT_ID", e.SignInClientID}, [2]string{"YUEJUAN_SIGNIN_SECRET", e.SignInSecret},
		[2]string{"YUEJUAN_ISSUER", e.issuerSet()}); err != nil {
		return nil, err
	}
	secret, err := rt.Secrets.Secret(ctx, e.SignInSecret)
	if err != nil {
		return nil, fmt.Errorf("%w (YUEJUAN_SIGNIN_SECRET)", err)
	}
	clientSecret := strings.TrimSpace(string(secret))
	if clientSecret == "" {
		return nil, fmt.Errorf("cloud: the secret %s (YUEJUAN_SIGNIN_SECRET) is empty: put the pages client's secret in it", e.SignInSecret)
	}
	cognito := e.SignInProvider == signInCognito
	scopes := []string{"openid", "profile", "offline_access"}
	bearer, logout := session.AccessToken, session.EndSession
	var fixCognito func(*session.Upstream, *auth.Discovery)
	if cognito {
		fixCognito = func(u *session.Upstream, d *auth.Discovery) {
			u.EndSessionURL, u.RevokeURL = cognitoEndpoints(d.Authorization, d.Revocation)
		}
		// Cognito refuses scopes the client was not given and sends a
		// refresh token without offline_access; the API takes its ID
		// token; its sign-out is /logout.
		scopes = []string{"openid", "profile"}
		bearer, logout = session.IDToken, session.CognitoLogout
	}
	disc := &auth.OIDC{Issuer: e.Issuer, HTTP: rt.HTTP}
	origin := strings.TrimRight(e.SignInURL, "/")
	return session.New(session.Config{
		OAuth:         oauth2.Config{ClientID: e.SignInClientID, ClientSecret: clientSecret, RedirectURL: origin + "/auth/callback", Scopes: scopes},
		PostLogoutURL: origin + "/",
		HTTP:          rt.HTTP,
		Verifier:      roleOnly{v: v, role: role},
		Secure:        strings.HasPrefix(origin, "https://"),
		Log:           rt.Log,
		Table:         rt.Table,
		Bearer:        bearer,
		Logout:        logout,
		Resolve:       session.Discover(disc, fixCognito),
	}), nil
}

// cognitoEndpoints are the logout and revocation endpoints of the Cognito
// domain whose authorize endpoint is authorize: its discovery names
// neither an end_session endpoint nor always the revocation one.
func cognitoEndpoints(authorize, revocation string) (logout, revoke string) {
	u, err := url.Parse(authorize)
	if err != nil || u.Host == "" {
		return "", revocation
	}
	base := u.Scheme + "://" + u.Host
	if revocation == "" {
		revocation = base + "/oauth2/revoke"
	}
	return base + "/logout", revocation
}

// signInOff answers /auth/* of a function whose pages do not sign in here,
// saying what to set.
func signInOff(role auth.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, msg.SignInNotSetUp.Format(roleLabel[role], role, "YUEJUAN_SIGNIN_URL"))
	})
}

var roleLabel = map[auth.Role]string{auth.Lawyer: "律师", auth.Clerk: "案管", auth.Auditor: "审计"}

// pagesHandler is the function's HTTP surface behind the pages: /auth/*
// (the sign-in), /web/api/v1/* (the API with the session's token, CSRF
// checked) and everything else (the API for Bearer callers, the download
// route) as api.
func pagesHandler(role auth.Role, bff *session.BFF, api http.Handler) http.Handler {
	mux := http.NewServeMux()
	if bff == nil {
		mux.Handle("/auth/", signInOff(role))
		mux.Handle(WebAPIPrefix+"/api/", http.StripPrefix(WebAPIPrefix, api))
	} else {
		mux.Handle("/auth/", bff.Handler())
		mux.Handle(WebAPIPrefix+"/api/", http.StripPrefix(WebAPIPrefix, bff.API(api)))
	}
	mux.Handle("/", api)
	return mux
}
