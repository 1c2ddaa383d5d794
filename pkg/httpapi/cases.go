package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/service"
	"github.com/yuejuan/yuejuan/pkg/store"
)

func (a *API) uploadTTL() time.Duration {
	if a.UploadTTL > 0 {
		return a.UploadTTL
	}
	return time.Hour
}

func (a *API) maxUpload() int64 {
	if a.MaxUpload > 0 {
		return a.MaxUpload
	}
	return limits.UploadBytes
}

// sizeProblem says what is wrong with the declared size of an upload, if
// anything: it is required, at least 1 byte and at most the upload limit,
// for the upload URL accepts exactly that many bytes.
func (a *API) sizeProblem(size int64) *casefile.Problem {
	lim := a.maxUpload()
	switch {
	case size < 1:
		return &casefile.Problem{Field: "size", Message: fmt.Sprintf("请填写文件大小 size，即文件的字节数（1 至 %d，上限 %d MiB）(size is required: the file's length in bytes, 1 to %d, the %d MiB limit)", lim, lim>>20, lim, lim>>20)}
	case size > lim:
		return &casefile.Problem{Field: "size", Message: fmt.Sprintf("文件大小 %d 字节超过 %d MiB（%d 字节）上限，请拆分后分别上传 (the file is %d bytes, over the %d MiB limit of %d bytes; split it into smaller files)", size, lim>>20, lim, size, lim>>20, lim)}
	}
	return nil
}

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
	c := &casefile.Case{CaseNo: in.CaseNo, Title: in.Title, Stage: in.Stage, OnlineReview: in.OnlineReview,
		Exclusions: in.Exclusions, Handler: in.Handler, Defendants: in.Defendants, Unit: id.Unit}
	err := a.Cases.Create(r.Context(), c)
	var ps casefile.Problems
	switch {
	case errors.As(err, &ps):
		writeProblems(w, ps)
		return
	case errors.Is(err, casefile.ErrDuplicate):
		writeError(w, http.StatusConflict, "duplicate_case", "案号“"+c.CaseNo+"”已登记，请勿重复登记 (this case number is already registered)")
		return
	case err != nil:
		a.fail(w, r, err)
		return
	}
	a.record(r, id, audit.Event{Action: audit.CaseCreate, CaseID: c.ID, Result: audit.OK, Detail: map[string]string{"caseNo": c.CaseNo}})
	w.Header().Set("Location", "/api/v1/cases/"+c.ID)
	writeJSON(w, http.StatusCreated, c)
}

func (a *API) listCases(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	cs, err := a.Cases.ListByUnit(r.Context(), id.Unit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if cs == nil {
		cs = []*casefile.Case{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"cases": cs})
}

// ownCase loads a case and checks the clerk belongs to its unit. Another
// unit's case answers 404, as if it did not exist, and is audited.
func (a *API) ownCase(w http.ResponseWriter, r *http.Request, id auth.Identity) (*casefile.Case, bool) {
	c, err := a.Cases.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "case_not_found", "未找到该案件 (no such case)")
		return nil, false
	}
	if err != nil {
		a.fail(w, r, err)
		return nil, false
	}
	if id.Role == auth.Clerk && c.Unit != id.Unit {
		a.record(r, id, audit.Event{Action: audit.AccessDeny, CaseID: c.ID, Result: audit.Denied, Detail: map[string]string{"reason": "case of another unit"}})
		writeError(w, http.StatusNotFound, "case_not_found", "未找到该案件 (no such case)")
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

// uploadHeaders is blob.PutHeaders as JSON gives them to a client.
func uploadHeaders() map[string]string {
	out := map[string]string{}
	for k, v := range blob.PutHeaders() {
		out[k] = v[0]
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
	m := &casefile.Material{CaseID: c.ID, Volume: in.Volume, VolumeTitle: in.VolumeTitle, Seq: in.Seq, Title: in.Title, Filename: in.Filename, Size: in.Size}
	m.ID = casefile.NewID()
	var ps casefile.Problems
	if p := a.sizeProblem(in.Size); p != nil {
		// Every problem at once: the description's too.
		if err := m.Validate(); !errors.As(err, &ps) {
			ps = nil
		}
		writeProblems(w, append(ps, *p))
		return
	}
	err := a.Cases.AddMaterial(r.Context(), m)
	if errors.As(err, &ps) {
		writeProblems(w, ps)
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	m.UploadKey = casefile.MaterialUploadKey(c.ID, m.ID)
	if _, err := a.Cases.UpdateMaterial(r.Context(), c.ID, m.ID, func(x *casefile.Material) error { x.UploadKey = m.UploadKey; return nil }); err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := blob.SignedPutURL(r.Context(), a.Uploads, m.UploadKey, m.Size, a.uploadTTL())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.record(r, id, audit.Event{Action: audit.MaterialUpload, CaseID: c.ID, Target: m.ID, Result: audit.OK,
		Detail: map[string]string{"filename": m.Filename, "volume": strconv.Itoa(m.Volume), "seq": strconv.Itoa(m.Seq), "size": strconv.FormatInt(m.Size, 10)}})
	w.Header().Set("Location", "/api/v1/cases/"+c.ID+"/materials/"+m.ID)
	writeJSON(w, http.StatusCreated, materialOut{Material: m, UploadURL: u, UploadHeaders: uploadHeaders()})
}

func (a *API) listMaterials(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	ms, err := a.Cases.Materials(r.Context(), c.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if ms == nil {
		ms = []*casefile.Material{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"materials": ms})
}

func (a *API) getMaterial(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	c, ok := a.ownCase(w, r, id)
	if !ok {
		return
	}
	m, err := a.Cases.GetMaterial(r.Context(), c.ID, r.PathValue("mid"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "material_not_found", "未找到该材料 (no such material in this case)")
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := materialOut{Material: m}
	if m.Status == casefile.AwaitingUpload && m.Size > 0 {
		// The clerk may have lost the URL: give a fresh one, for the same
		// size. (A material registered before sizes were declared has none:
		// register it again.)
		if u, err := blob.SignedPutURL(r.Context(), a.Uploads, m.UploadKey, m.Size, a.uploadTTL()); err == nil {
			out.UploadURL, out.UploadHeaders = u, uploadHeaders()
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type attachmentIn struct {
	Kind     application.AttachmentKind `json:"kind"`
	Filename string                     `json:"filename"`
	Size     int64                      `json:"size"` // bytes; the upload URL accepts exactly this many
}

func owner(id auth.Identity) string { return service.Owner(id) }

func (a *API) createAttachment(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	var in attachmentIn
	if !a.decode(w, r, &in) {
		return
	}
	var ps casefile.Problems
	if !in.Kind.Valid() {
		ps = append(ps, casefile.Problem{Field: "kind", Message: "附件类型应为 practice_certificate、firm_letter、power_of_attorney、legal_aid_letter 或 supporting_document (unknown attachment kind)"})
	}
	in.Filename = strings.TrimSpace(in.Filename)
	if in.Filename == "" {
		ps = append(ps, casefile.Problem{Field: "filename", Message: "请填写文件名 (filename is required)"})
	} else {
		ps.Text(limits.Filename, "filename", in.Filename)
	}
	if p := a.sizeProblem(in.Size); p != nil {
		ps = append(ps, *p)
	}
	if len(ps) > 0 {
		writeProblems(w, ps)
		return
	}
	at := &application.Attachment{ID: casefile.NewID(), Kind: in.Kind, Filename: in.Filename, Owner: owner(id), CreatedAt: a.now()}
	at.Key = application.AttachmentUploadKey(at.ID)
	if err := a.Apps.PutAttachment(r.Context(), at); err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := blob.SignedPutURL(r.Context(), a.Uploads, at.Key, in.Size, a.uploadTTL())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.record(r, id, audit.Event{Action: audit.AttachmentUpload, Target: at.ID, Result: audit.OK, Detail: map[string]string{"kind": string(at.Kind), "size": strconv.FormatInt(in.Size, 10)}})
	writeJSON(w, http.StatusCreated, struct {
		*application.Attachment
		UploadURL     string            `json:"uploadUrl"`
		UploadHeaders map[string]string `json:"uploadHeaders"`
	}{at, u, uploadHeaders()})
}

func (a *API) getAttachment(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	at, err := a.Apps.GetAttachment(r.Context(), r.PathValue("id"))
	if err == nil && at.Owner != owner(id) {
		// Someone else's document: 404 as if absent, and audited.
		a.record(r, id, audit.Event{Action: audit.AccessDeny, Target: at.ID, Result: audit.Denied, Detail: map[string]string{"reason": "attachment of another user"}})
	}
	if err != nil || at.Owner != owner(id) {
		writeError(w, http.StatusNotFound, "attachment_not_found", "未找到该附件 (no such attachment)")
		return
	}
	writeJSON(w, http.StatusOK, at)
}
