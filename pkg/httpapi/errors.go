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
	case service.NotFound, service.ApplicationNotFound:
		return http.StatusNotFound
	case service.AlreadyDecided, service.AlreadyAnswered, service.OpinionsUnanswered, service.CaseConcluded:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}
