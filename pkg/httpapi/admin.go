package httpapi

import (
	"net/http"
	"time"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// staffOut is a staff account as the administrator's page shows it: no
// hash, no secret.
type staffOut struct {
	Username   string    `json:"username"`
	Name       string    `json:"name"`
	Role       auth.Role `json:"role"`
	Unit       string    `json:"unit,omitempty"`
	Disabled   bool      `json:"disabled"`
	MustChange bool      `json:"mustChange"`
	Locked     bool      `json:"locked"`
	TOTP       bool      `json:"totp"`
	Created    time.Time `json:"created"`
	Changed    time.Time `json:"changed"`
}

func (a *API) staffOf(acc *account.Account) staffOut {
	return staffOut{Username: acc.Username, Name: acc.Name, Role: acc.Role, Unit: acc.Unit, Disabled: acc.Disabled,
		MustChange: acc.MustChange, Locked: a.now().Before(acc.LockedUntil), TOTP: acc.HasTOTP(), Created: acc.Created, Changed: acc.Changed}
}

func (a *API) listStaff(w http.ResponseWriter, r *http.Request, _ auth.Identity) {
	all, err := a.ListStaff(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]staffOut, 0, len(all))
	for _, acc := range all {
		out = append(out, a.staffOf(acc))
	}
	writeJSON(w, http.StatusOK, out)
}

type staffIn struct {
	Username string    `json:"username"`
	Name     string    `json:"name"`
	Role     auth.Role `json:"role"`
	Unit     string    `json:"unit"`
}

// withPassword is an account and its one-time password, shown once.
type withPassword struct {
	Account  *staffOut `json:"account,omitempty"`
	Password string    `json:"password"`
}

func (a *API) addStaff(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	var in staffIn
	if !a.decode(w, r, &in) {
		return
	}
	acc, pw, err := a.AddStaff(r.Context(), a.caller(r, id), account.Account{Username: in.Username, Name: in.Name, Role: in.Role, Unit: in.Unit})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := a.staffOf(acc)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, withPassword{Account: &out, Password: pw})
}

func (a *API) disableStaff(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if err := a.DisableStaff(r.Context(), a.caller(r, id), r.PathValue("username")); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) resetStaffPassword(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	pw, err := a.ResetStaffPassword(r.Context(), a.caller(r, id), r.PathValue("username"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, withPassword{Password: pw})
}

func (a *API) resetStaffTOTP(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	if err := a.ResetStaffTOTP(r.Context(), a.caller(r, id), r.PathValue("username")); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
