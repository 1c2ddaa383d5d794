package httpapi

import (
	"net/http"

	"github.com/yuejuan/yuejuan/pkg/service"
)

// statusOf is the one table from a use case's error code to the HTTP
// status it is answered with; a code not in it is a 500.
func statusOf(c service.Code) int {
	switch c {
	case service.Invalid:
		return http.StatusUnprocessableEntity
	case service.NotFound, service.ApplicationNotFound, service.CaseNotFound, service.MaterialNotFound,
		service.AttachmentNotFound, service.ComplaintNotFound, service.OpinionNotFound, service.BindingNotFound:
		return http.StatusNotFound
	case service.AlreadyDecided, service.AlreadyAnswered, service.OpinionsUnanswered, service.CaseConcluded,
		service.DuplicateCase, service.NotReady:
		return http.StatusConflict
	case service.LinkExpired, service.LinkRevoked:
		return http.StatusGone
	case service.LinkExhausted:
		return http.StatusForbidden
	case service.LinkInvalid, service.BadQuery:
		return http.StatusBadRequest
	case service.LinkForeign:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}
