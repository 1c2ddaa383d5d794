package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/service"
)

// TestFailAnswersServiceErrors: a use case's error is answered with its
// code's status, code, message and problems; anything else is a 500 that
// says nothing of its cause.
func TestFailAnswersServiceErrors(t *testing.T) {
	a := &API{Service: &service.Service{}}
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{service.InvalidError(casefile.Problems{{Field: "reason", Message: "m"}}), http.StatusUnprocessableEntity, "invalid"},
		{service.Errorf(service.ApplicationNotFound, "x"), http.StatusNotFound, "application_not_found"},
		{service.Errorf(service.AlreadyDecided, "x"), http.StatusConflict, "already_decided"},
		{service.Errorf(service.AlreadyAnswered, "x"), http.StatusConflict, "already_answered"},
		{service.Errorf(service.OpinionsUnanswered, "x"), http.StatusConflict, "opinions_unanswered"},
		{service.Errorf(service.CaseConcluded, "x"), http.StatusConflict, "case_concluded"},
		{service.Errorf(service.CaseNotFound, "x"), http.StatusNotFound, "case_not_found"},
		{service.Errorf(service.MaterialNotFound, "x"), http.StatusNotFound, "material_not_found"},
		{service.Errorf(service.AttachmentNotFound, "x"), http.StatusNotFound, "attachment_not_found"},
		{service.Errorf(service.ComplaintNotFound, "x"), http.StatusNotFound, "complaint_not_found"},
		{service.Errorf(service.OpinionNotFound, "x"), http.StatusNotFound, "opinion_not_found"},
		{service.Errorf(service.BindingNotFound, "x"), http.StatusNotFound, "binding_not_found"},
		{service.Errorf(service.DuplicateCase, "x"), http.StatusConflict, "duplicate_case"},
		{service.Errorf(service.NotReady, "x"), http.StatusConflict, "not_ready"},
		{service.Errorf(service.LinkExpired, "x"), http.StatusGone, "link_expired"},
		{service.Errorf(service.LinkRevoked, "x"), http.StatusGone, "link_revoked"},
		{service.Errorf(service.LinkExhausted, "x"), http.StatusForbidden, "link_exhausted"},
		{service.Errorf(service.LinkInvalid, "x"), http.StatusBadRequest, "link_invalid"},
		{service.Errorf(service.LinkForeign, "x"), http.StatusUnauthorized, "link_foreign"},
		{service.Errorf(service.BadQuery, "x"), http.StatusBadRequest, "bad_query"},
		{service.Errorf(BadJSON, "x"), http.StatusBadRequest, "bad_json"},
		{service.Errorf(TooDeep, "x"), http.StatusBadRequest, "too_deep"},
		{service.Errorf(TooLarge, "x"), http.StatusRequestEntityTooLarge, "too_large"},
		{service.Errorf(Unauthenticated, "x"), http.StatusUnauthorized, "unauthenticated"},
		{service.Errorf(InvalidToken, "x"), http.StatusUnauthorized, "invalid_token"},
		{service.Errorf(Forbidden, "x"), http.StatusForbidden, "forbidden"},
		{service.Errorf(RateLimited, "x"), http.StatusTooManyRequests, "rate_limited"},
		{&service.Error{Code: service.Internal, Message: "secret detail", Err: errors.New("disk on fire")}, http.StatusInternalServerError, "internal"},
		{errors.New("disk on fire"), http.StatusInternalServerError, "internal"},
	} {
		w := httptest.NewRecorder()
		a.fail(w, httptest.NewRequest("GET", "/", nil), tc.err)
		body := w.Body.String()
		if w.Code != tc.status || !strings.Contains(body, `"code":"`+tc.code+`"`) {
			t.Errorf("%v: %d %s, want %d %s", tc.err, w.Code, body, tc.status, tc.code)
		}
		if strings.Contains(body, "fire") || strings.Contains(body, "secret") {
			t.Errorf("%v: the answer tells the cause: %s", tc.err, body)
		}
		if tc.code == "invalid" && !strings.Contains(body, `"field":"reason"`) {
			t.Errorf("invalid without its problems: %s", body)
		}
	}
}
