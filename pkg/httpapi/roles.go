package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/service"
)

// LinkHolder stands, in API.Roles, for whoever holds a download link: it
// mounts GET/HEAD /d/{token}, the only route that needs no login. It is not a
// login role (service.LinkHolder).
const LinkHolder = service.LinkHolder

// only narrows roles to API.Roles when that is set: a route then admits only
// the roles the deployment serves, and is left out when none remains.
func (a *API) only(roles []auth.Role) []auth.Role {
	if len(a.Roles) == 0 {
		return roles
	}
	var out []auth.Role
	for _, r := range roles {
		if slices.Contains(a.Roles, r) {
			out = append(out, r)
		}
	}
	return out
}

// roleHandler is a route handler that admits only roles (see API.role).
type roleHandler struct {
	http.Handler
	roles []auth.Role
}

// routeMux is the ServeMux of Handler. With API.Roles set it leaves out the
// routes that admit none of them, so that a Lambda function serving one role
// (docs/design.md, "One function per permission boundary") answers 404 for the
// rest, as if the route did not exist, and a route shared with other roles
// answers 403 to their tokens. Public routes other than the download door
// (/healthz, the /api/ fallback) are always mounted.
type routeMux struct {
	*http.ServeMux
	api *API
}

func (a *API) newMux() *routeMux { return &routeMux{ServeMux: http.NewServeMux(), api: a} }

// Handle mounts h unless it is a role route that admits no role.
func (m *routeMux) Handle(pattern string, h http.Handler) {
	if rh, ok := h.(roleHandler); ok && len(rh.roles) == 0 {
		return
	}
	m.ServeMux.Handle(pattern, h)
}

// HandleFunc mounts a public route; the download door only for LinkHolder.
func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	if strings.Contains(pattern, "/d/{") && len(m.api.only([]auth.Role{LinkHolder})) == 0 {
		return
	}
	m.ServeMux.HandleFunc(pattern, h)
}
