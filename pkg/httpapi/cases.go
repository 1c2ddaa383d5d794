package httpapi

import (
	"net/http"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/service"
)

type caseIn struct {
	CaseNo       string               `json:"caseNo"`
	Title        string               `json:"title"`
	Stage        casefile.Stage       `json:"stage"`
	OnlineReview bool                 `json:"onlineReview"`
	Exclusions   []casefile.Exclusion `json:"exclusions"`
	Handler      casefile.Handler     `json:"handler"`
	Defendants   []string             `json:"defendants"`
}

func (a *API) createCase(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	var in caseIn
	if !a.decode(w, r, &in) {
		return
	}
	c, err := a.RegisterCase(r.Context(), a.caller(r, id), &casefile.Case{CaseNo: in.CaseNo, Title: in.Title, Stage: in.Stage,
		OnlineReview: in.OnlineReview, Exclusions: in.Exclusions, Handler: in.Handler, Defendants: in.Defendants})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cases/"+c.ID)
	writeJSON(w, http.StatusCreated, c)
}

func (a *API) listCases(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	cs, err := a.ListCases(r.Context(), a.caller(r, id))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"cases": cs})
}

// ownCase is the case the path names, as the caller may work on it
// (service.CaseFor); otherwise it answers the error and returns false.
func (a *API) ownCase(w http.ResponseWriter, r *http.Request, id auth.Identity) (*casefile.Case, bool) {
	c, err := a.CaseFor(r.Context(), a.caller(r, id), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return nil, false
	}
	return c, true
}

func (a *API) getCase(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, c)
}

type materialIn struct {
	Volume      int    `json:"volume"`
	VolumeTitle string `json:"volumeTitle"`
	Seq         int    `json:"seq"`
	Title       string `json:"title"`
	Filename    string `json:"filename"`
	Size        int64  `json:"size"` // bytes; the upload URL accepts exactly this many
}

type materialOut struct {
	*casefile.Material
	UploadURL string `json:"uploadUrl,omitempty"`
	// UploadHeaders are the headers the PUT to UploadURL must carry
	// (blob.PutHeaders: the URL is write-once).
	UploadHeaders map[string]string `json:"uploadHeaders,omitempty"`
}

func presentMaterial(m *casefile.Material, up *service.Upload) materialOut {
	out := materialOut{Material: m}
	if up != nil {
		out.UploadURL, out.UploadHeaders = up.URL, up.Headers
	}
	return out
}

func (a *API) createMaterial(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	var in materialIn
	if !a.decode(w, r, &in) {
		return
	}
	m, up, err := a.RegisterMaterial(r.Context(), a.caller(r, id), c, &casefile.Material{Volume: in.Volume, VolumeTitle: in.VolumeTitle,
		Seq: in.Seq, Title: in.Title, Filename: in.Filename, Size: in.Size})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cases/"+c.ID+"/materials/"+m.ID)
	writeJSON(w, http.StatusCreated, presentMaterial(m, up))
}

func (a *API) listMaterials(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	ms, err := a.MaterialsOf(r.Context(), c)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"materials": ms})
}

func (a *API) getMaterial(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	m, up, err := a.MaterialOf(r.Context(), c, r.PathValue("mid"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, presentMaterial(m, up))
}

type attachmentIn struct {
	Kind     application.AttachmentKind `json:"kind"`
	Filename string                     `json:"filename"`
	Size     int64                      `json:"size"` // bytes; the upload URL accepts exactly this many
}

func (a *API) createAttachment(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	var in attachmentIn
	if !a.decode(w, r, &in) {
		return
	}
	at, up, err := a.AddAttachment(r.Context(), a.caller(r, id), in.Kind, in.Filename, in.Size)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		*application.Attachment
		UploadURL     string            `json:"uploadUrl"`
		UploadHeaders map[string]string `json:"uploadHeaders"`
	}{at, up.URL, up.Headers})
}

func (a *API) getAttachment(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	at, err := a.AttachmentFor(r.Context(), a.caller(r, id), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, at)
}

// materialChangeIn is a rename or move: only the fields sent change.
type materialChangeIn struct {
	Title       *string `json:"title"`
	Volume      *int    `json:"volume"`
	VolumeTitle *string `json:"volumeTitle"`
	Seq         *int    `json:"seq"`
}

func (a *API) changeMaterial(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	var in materialChangeIn
	if !a.decode(w, r, &in) {
		return
	}
	m, err := a.ChangeMaterial(r.Context(), a.caller(r, id), c, r.PathValue("mid"),
		service.MaterialChange{Title: in.Title, Volume: in.Volume, VolumeTitle: in.VolumeTitle, Seq: in.Seq})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, presentMaterial(m, nil))
}

func (a *API) deleteMaterial(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	m, err := a.DeleteMaterial(r.Context(), a.caller(r, id), c, r.PathValue("mid"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, presentMaterial(m, nil))
}

type replaceIn struct {
	Title    string `json:"title"` // empty: the replaced material's
	Filename string `json:"filename"`
	Size     int64  `json:"size"` // bytes; the upload URL accepts exactly this many
}

func (a *API) replaceMaterial(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	var in replaceIn
	if !a.decode(w, r, &in) {
		return
	}
	m, up, err := a.ReplaceMaterial(r.Context(), a.caller(r, id), c, r.PathValue("mid"), in.Filename, in.Size, in.Title)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cases/"+c.ID+"/materials/"+m.ID)
	writeJSON(w, http.StatusCreated, presentMaterial(m, up))
}

func (a *API) resumeUpload(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	m, up, err := a.ResumeUpload(r.Context(), c, r.PathValue("mid"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, presentMaterial(m, up))
}

type orderIn struct {
	Volume int      `json:"volume"`
	IDs    []string `json:"ids"`
}

func (a *API) orderVolume(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	var in orderIn
	if !a.decode(w, r, &in) {
		return
	}
	ms, err := a.OrderVolume(r.Context(), a.caller(r, id), c, in.Volume, in.IDs)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"materials": ms})
}
