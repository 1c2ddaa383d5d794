package httpapi_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/httpapi"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/service"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// TestRolesMountOnlyTheirRoutes checks API.Roles, which each Lambda function
// uses to serve only its permission boundary's routes.
func TestRolesMountOnlyTheirRoutes(t *testing.T) {
	tbl, err := sqlitestore.Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	authority := &auth.Authority{Keys: auth.NewKeySet(priv), Issuer: "iss", Audience: "aud"}
	_, lpriv, _ := ed25519.GenerateKey(rand.Reader)
	token := func(role auth.Role) string {
		tok, err := authority.Issue(auth.Identity{Subject: "11101201910012345", Name: "张三", Role: role, Unit: "市检察院"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	newAPI := func(roles ...auth.Role) http.Handler {
		a := &httpapi.API{Service: service.New(tbl, nil, nil, nil, nil), Auth: authority, Signer: &link.Signer{Keys: auth.NewKeySet(lpriv), Issuer: "iss"}, Roles: roles}
		return a.Handler()
	}
	type call struct {
		method, path string
		role         auth.Role // "" = no token
		want         int
	}
	for _, tc := range []struct {
		name  string
		roles []auth.Role
		calls []call
	}{
		{"all routes", nil, []call{
			{"GET", "/api/v1/cases", auth.Clerk, 200},
			{"GET", "/api/v1/audit/verify", auth.Auditor, 200},
			{"GET", "/d/not-a-token", "", 400},
			{"GET", "/healthz", "", 200},
		}},
		{"auditor", []auth.Role{auth.Auditor}, []call{
			{"GET", "/api/v1/audit/verify", auth.Auditor, 200},
			{"GET", "/api/v1/cases", auth.Clerk, 404},          // clerk-only route: not mounted
			{"GET", "/api/v1/applications", auth.Lawyer, 404},  // lawyer and clerk: not mounted
			{"GET", "/api/v1/applications/x", auth.Clerk, 403}, // mounted (auditors may), still role-checked
			{"GET", "/d/not-a-token", "", 404},
			{"GET", "/healthz", "", 200},
		}},
		{"lawyer", []auth.Role{auth.Lawyer}, []call{
			{"GET", "/api/v1/applications", auth.Lawyer, 200},
			{"GET", "/api/v1/audit/verify", auth.Auditor, 404},
			{"POST", "/api/v1/cases", auth.Clerk, 404},
			{"HEAD", "/d/not-a-token", "", 404},
		}},
		{"download door", []auth.Role{httpapi.LinkHolder}, []call{
			{"GET", "/d/not-a-token", "", 400},
			{"GET", "/api/v1/applications", auth.Lawyer, 404},
			{"GET", "/api/v1/audit/verify", auth.Auditor, 404},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newAPI(tc.roles...)
			for _, c := range tc.calls {
				r := httptest.NewRequest(c.method, c.path, nil)
				if c.role != "" {
					r.Header.Set("Authorization", "Bearer "+token(c.role))
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != c.want {
					t.Errorf("%s %s as %q: %d, want %d: %s", c.method, c.path, c.role, w.Code, c.want, w.Body.String())
				}
			}
		})
	}
}
