package httpapi

import (
	"net/http"

	"github.com/yuejuan/yuejuan/pkg/service"
)

// The codes the HTTP API answers by itself, before any use case: a body it
// cannot read, a caller it does not know or admit, a client over its rate.
const (
	BadJSON         service.Code = "bad_json"
	TooLarge        service.Code = "too_large"
	TooDeep         service.Code = "too_deep"
	Unauthenticated service.Code = "unauthenticated"
	InvalidToken    service.Code = "invalid_token"
	Forbidden       service.Code = "forbidden"
	RateLimited     service.Code = "rate_limited"
)

// statusOf is the one table from a use case's error code to the HTTP
// status it is answered with, and of the API's own codes; a code not in it
// is a 500.
func statusOf(c service.Code) int {
	switch c {
	case service.Invalid:
		return http.StatusUnprocessableEntity
	case service.NotFound, service.ApplicationNotFound, service.CaseNotFound, service.MaterialNotFound,
		service.AttachmentNotFound, service.ComplaintNotFound, service.OpinionNotFound, service.BindingNotFound,
		service.LawyerNotFound:
		return http.StatusNotFound
	case service.AlreadyDecided, service.AlreadyAnswered, service.OpinionsUnanswered, service.CaseConcluded,
		service.DuplicateCase, service.NotReady, service.AwaitingScans, service.IdentityDecided,
		service.MaterialBusy, service.UploadNotAwaited,
		service.AlreadyAcknowledged, service.AwaitingCorrection, service.NotAwaitingCorrection:
		return http.StatusConflict
	case service.LinkExpired, service.LinkRevoked:
		return http.StatusGone
	case service.LinkExhausted, Forbidden:
		return http.StatusForbidden
	case service.LinkInvalid, service.BadQuery, BadJSON, TooDeep:
		return http.StatusBadRequest
	case service.LinkForeign, Unauthenticated, InvalidToken:
		return http.StatusUnauthorized
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case RateLimited, service.RenewLimited, service.FindLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}
