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
