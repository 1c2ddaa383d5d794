package httpapi

import (
	"net/http"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// The use cases that must never be stored without their audit record write
// it ahead as an intent (service.Service.Intend, Finish, and SettleAudit,
// which the scheduler calls). These are the handlers' shorthands for the
// use cases not yet moved into the service.

// intend stores e, filled from the request, as an audit intent. If it
// fails the caller must make no change and answer 500.
func (a *API) intend(r *http.Request, id auth.Identity, e audit.Event) (*audit.Intent, error) {
	return a.Intend(r.Context(), a.caller(r, id), e)
}

// finish commits the intents if the change was stored (changeErr nil) and
// aborts them otherwise (service.Service.Finish).
func (a *API) finish(r *http.Request, changeErr error, intents ...*audit.Intent) {
	a.Finish(r.Context(), changeErr, intents...)
}
