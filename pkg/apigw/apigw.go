// Package apigw lets a plain net/http.Handler serve AWS API Gateway HTTP API
// (payload format 2.0) events inside a Lambda function, so each Lambda main
// runs exactly the handlers the local server runs (docs/design.md, "One
// code path, two runtimes"):
//
//	lambda.Start(apigw.Handler(api))
//
// The adapter is hand-written rather than taken from
// github.com/awslabs/aws-lambda-go-api-proxy (last release v0.16.2, April
// 2024; its v2 path issues such as #130 are still open). Its v2 httpadapter
// drops e.Cookies, leaves RemoteAddr empty, splits every request header on
// commas (breaking dates and quoted values), answers with MultiValueHeaders
// (which HTTP APIs ignore) and Set-Cookie outside the Cookies field, picks
// base64 by UTF-8 validity instead of by Content-Type, fails when the handler
// writes nothing, and does not recover panics. Doing it right takes about 150
// lines with no extra dependency.
//
// The request is built the way net/http's server builds one: the raw path and
// raw query string are parsed with url.ParseRequestURI (so percent-encoding is
// kept exactly, r.PathValue works with Go 1.22 ServeMux patterns), the Host
// header is promoted to r.Host, and RemoteAddr is the API Gateway source IP
// with port 0 — never X-Forwarded-For, which the client controls. Headers keep
// the comma-joined values API Gateway delivers.
package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

type requestIDKey struct{}

// RequestID returns the API Gateway request id (e.RequestContext.RequestID) of
// the event being served, or "" outside the adapter.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Handler adapts h to the Lambda handler signature for HTTP API payload 2.0.
// The Lambda context ctx (deadline, lambdacontext) becomes the request context.
// It never returns an error: failures are HTTP responses.
func Handler(h http.Handler) func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
		ctx = context.WithValue(ctx, requestIDKey{}, e.RequestContext.RequestID)
		r, status := newRequest(ctx, e)
		if r == nil {
			return errorResponse(status, "bad_request", "请求地址无效 (malformed request)"), nil
		}
		w := &responseWriter{header: http.Header{}}
		defer func() {
			if v := recover(); v != nil {
				if v != http.ErrAbortHandler {
					slog.ErrorContext(ctx, "apigw: handler panic", "requestId", e.RequestContext.RequestID,
						"method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				}
				resp = errorResponse(http.StatusInternalServerError, "internal", "服务器内部错误，请稍后重试 (internal error; try again)")
			}
		}()
		h.ServeHTTP(w, r)
		return w.response(r.Method), nil
	}
}

// newRequest builds the server-side *http.Request for e; on failure it returns
// nil and the status to answer with.
func newRequest(ctx context.Context, e events.APIGatewayV2HTTPRequest) (*http.Request, int) {
	body := []byte(e.Body)
	if e.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(e.Body)
		if err != nil {
			return nil, http.StatusBadRequest
		}
		body = b
	}
	path := e.RawPath
	if path == "" {
		path = e.RequestContext.HTTP.Path
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	uri := path
	if e.RawQueryString != "" {
		uri += "?" + e.RawQueryString
	}
	method := strings.ToUpper(e.RequestContext.HTTP.Method)
	if method == "" {
		method = http.MethodGet
	}
	u, err := url.ParseRequestURI(uri) // what net/http's server does
	if err != nil {
		return nil, http.StatusBadRequest
	}
	r := (&http.Request{Method: method, URL: u, RequestURI: uri, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: http.NoBody}).WithContext(ctx)
	if major, minor, ok := http.ParseHTTPVersion(e.RequestContext.HTTP.Protocol); ok {
		r.Proto, r.ProtoMajor, r.ProtoMinor = e.RequestContext.HTTP.Protocol, major, minor
	}
	for k, v := range e.Headers {
		r.Header.Add(k, v) // canonicalises the lower-case v2 names
	}
	if len(e.Cookies) > 0 {
		c := strings.Join(e.Cookies, "; ")
		if old := r.Header.Get("Cookie"); old != "" {
			c = old + "; " + c
		}
		r.Header.Set("Cookie", c)
	}
	r.Host = r.Header.Get("Host")
	if r.Host == "" {
		r.Host = e.RequestContext.DomainName
	}
	r.Header.Del("Host") // net/http promotes Host out of the header map
	if ip := e.RequestContext.HTTP.SourceIP; ip != "" {
		r.RemoteAddr = net.JoinHostPort(ip, "0")
	}
	r.ContentLength = int64(len(body))
	if len(body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return r, 0
}

// responseWriter buffers the response; Lambda answers in one piece.
type responseWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 { // first final status wins; 1xx are dropped
		w.status = code
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.status == http.StatusNoContent || w.status == http.StatusNotModified {
		return 0, http.ErrBodyNotAllowed
	}
	return w.body.Write(p)
}

// Flush is a no-op so handlers that flush still work; the body is sent whole.
func (w *responseWriter) Flush() {}

func (w *responseWriter) response(method string) events.APIGatewayV2HTTPResponse {
	w.WriteHeader(http.StatusOK)
	body := w.body.Bytes()
	if _, set := w.header["Content-Type"]; !set && len(body) > 0 {
		w.header.Set("Content-Type", http.DetectContentType(body)) // as net/http does
	}
	if method == http.MethodHead {
		if w.header.Get("Content-Length") == "" {
			w.header.Set("Content-Length", strconv.Itoa(len(body)))
		}
		body = nil
	}
	resp := events.APIGatewayV2HTTPResponse{StatusCode: w.status, Headers: map[string]string{}}
	for k, vs := range w.header {
		if len(vs) == 0 {
			continue
		}
		if k == "Set-Cookie" {
			resp.Cookies = append(resp.Cookies, vs...)
			continue
		}
		resp.Headers[k] = strings.Join(vs, ", ")
	}
	if len(body) > 0 {
		if isText(w.header.Get("Content-Type")) && utf8.Valid(body) {
			resp.Body = string(body)
		} else {
			resp.Body, resp.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return resp
}

// isText reports whether API Gateway may carry a body of this media type as
// a plain string; everything else travels base64-encoded.
func isText(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch {
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript":
		return true
	}
	return false
}

func errorResponse(status int, code, msg string) events.APIGatewayV2HTTPResponse {
	b, _ := json.Marshal(map[string]map[string]string{"error": {"code": code, "message": msg}})
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json; charset=utf-8", "X-Content-Type-Options": "nosniff"},
		Body:       string(b),
	}
}
