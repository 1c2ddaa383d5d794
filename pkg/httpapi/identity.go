package httpapi

import (
	"net/http"
	"time"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

type identityIn struct {
	Decision account.Checking `json:"decision"`
	Reason   string           `json:"reason"`
}

// identityOut is what the clerk sees of a decided identity.
type identityOut struct {
	License   string           `json:"license"`
	Name      string           `json:"name"`
	Firm      string           `json:"firm,omitempty"`
	Identity  account.Checking `json:"identity"`
	Reason    string           `json:"reason,omitempty"`
	CheckedBy string           `json:"checkedBy"`
	CheckedAt time.Time        `json:"checkedAt"`
}

// decideIdentity: a clerk of any unit verifies or rejects a registered
// lawyer's identity (service.DecideIdentity).
func (a *API) decideIdentity(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	var in identityIn
	if !a.decode(w, r, &in) {
		return
	}
	acc, err := a.DecideIdentity(r.Context(), a.caller(r, id), r.PathValue("license"), in.Decision, in.Reason)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, identityOut{License: acc.Username, Name: acc.Name, Firm: acc.Firm, Identity: acc.Checked,
		Reason: acc.CheckReason, CheckedBy: acc.CheckedBy, CheckedAt: acc.CheckedAt})
}
