package session

import (
	"net/url"
	"testing"

	"golang.org/x/oauth2"
)

// TestCognitoUpstream: with the stack's pool the API is given the ID token
// (Cognito's access token has no audience and no custom attributes), and
// sign-out is Cognito's /logout with the client id and one of the
// client's LogoutURLs, not OpenID's end_session (which Cognito does not
// publish). Other providers keep the access token and end_session.
func TestCognitoUpstream(t *testing.T) {
	cog := &Upstream{OAuth: oauth2.Config{ClientID: "pages123"}, EndSessionURL: "https://pool.auth.cn-north-1.amazoncognito.com/logout",
		Bearer: IDToken, Logout: CognitoLogout}
	if got := cog.bearer("access", "id"); got != "id" {
		t.Errorf("Cognito's bearer is %q, want the ID token", got)
	}
	u, err := url.Parse(cog.endSessionURL("id", "https://yuejuan.example.gov.cn/"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/logout" || q.Get("client_id") != "pages123" || q.Get("logout_uri") != "https://yuejuan.example.gov.cn/" ||
		q.Has("post_logout_redirect_uri") || q.Has("id_token_hint") {
		t.Errorf("Cognito sign-out URL %s", u)
	}
	oidc := &Upstream{OAuth: oauth2.Config{ClientID: "yuejuan-pages"}, EndSessionURL: "https://idp.example/session/end"}
	if got := oidc.bearer("access", "id"); got != "access" {
		t.Errorf("an OpenID provider's bearer is %q, want the access token", got)
	}
	u, _ = url.Parse(oidc.endSessionURL("id", "https://yuejuan.example.gov.cn/"))
	if q := u.Query(); q.Get("post_logout_redirect_uri") != "https://yuejuan.example.gov.cn/" || q.Get("id_token_hint") != "id" {
		t.Errorf("end_session URL %s", u)
	}
}
