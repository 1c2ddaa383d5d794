package main

// The HTTP client shared by the commands that talk to a running server
// (upload, audit, …). A command calls addClientFlags(cmd) when it is built
// and newClient(cmd) when it runs:
//
//	c, err := newClient(cmd)               // --server/$YUEJUAN_SERVER, --token/$YUEJUAN_TOKEN
//	err = c.do(ctx, "GET", "/api/v1/cases/"+id, nil, &out)   // JSON in, JSON out
//	resp, err := c.send(ctx, "GET", "/api/v1/audit/export?"+q, nil, nil) // raw body, caller closes
//	err = c.putSigned(ctx, uploadURL, body, size)           // a signed (presigned) PUT, no token
//
// Every failure the server answers comes back as an *apiError whose Error()
// gives the server's message (Chinese and English) and a hint of what to do.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

const defaultServer = "http://127.0.0.1:8080"

// addClientFlags registers --server and --token on cmd.
func addClientFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("server", "", "base URL of the server (default $YUEJUAN_SERVER, else "+defaultServer+")")
	f.String("token", "", "login token (default $YUEJUAN_TOKEN); get one with yuejuan token")
}

// client talks to the JSON API of one server with one login token.
type client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// newClient builds a client from --server/$YUEJUAN_SERVER and
// --token/$YUEJUAN_TOKEN (flags win). A missing token is an error with a hint.
func newClient(cmd *cobra.Command) (*client, error) {
	server := flagOrEnv(cmd, "server", "YUEJUAN_SERVER")
	if server == "" {
		server = defaultServer
	}
	if !strings.Contains(server, "://") {
		server = "http://" + server
	}
	u, err := url.Parse(strings.TrimRight(server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q: want a URL such as %s", server, defaultServer)
	}
	tok := strings.TrimSpace(flagOrEnv(cmd, "token", "YUEJUAN_TOKEN"))
	tok = strings.TrimPrefix(tok, "Bearer ")
	if tok == "" {
		if tok, err = savedToken(cmd.Context(), u.String()); err != nil {
			return nil, err
		}
	}
	if tok == "" {
		return nil, errors.New("no login token: run yuejuan login, or pass --token or set YUEJUAN_TOKEN\n  hint: " + hintToken)
	}
	return &client{base: u, token: tok, http: &http.Client{Timeout: 0}}, nil
}

func flagOrEnv(cmd *cobra.Command, flag, env string) string {
	if f := cmd.Flags().Lookup(flag); f != nil && f.Changed {
		return f.Value.String()
	}
	return os.Getenv(env)
}

const hintToken = "get a token with yuejuan token (e.g. yuejuan token --role clerk --sub clerk01 --name 王书记员 --unit 市检察院) or set YUEJUAN_TOKEN; or sign in with yuejuan login"

// apiError is an error answer of the server, or a failure to reach it.
type apiError struct {
	Method, Path string
	Status       int    // 0 when the server could not be reached
	Code         string // the API's error code, e.g. "invalid_token"
	Message      string // the server's words (Chinese and English)
	Problems     []problem
	Hint         string
}

type problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *apiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d ", e.Status)
		if e.Code != "" {
			fmt.Fprintf(&b, "%s: ", e.Code)
		}
	}
	b.WriteString(e.Message)
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  - %s: %s", p.Field, p.Message)
	}
	if e.Hint != "" {
		b.WriteString("\n  hint: " + e.Hint)
	}
	return b.String()
}

// statusOf is the HTTP status of an *apiError in err's chain, or 0.
func statusOf(err error) int {
	var e *apiError
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func hintFor(status int, code string) string {
	switch {
	case status == http.StatusUnauthorized:
		return hintToken
	case status == http.StatusForbidden && (code == "SignatureDoesNotMatch" || code == "AccessDenied"):
		return "the signed URL expired or was altered, or the file changed size since it was registered; run the command again to get a fresh one"
	case status == http.StatusPreconditionFailed:
		return "this file was already uploaded: an upload URL stores its file once; to send another file, register it again"
	case status == http.StatusForbidden:
		return "this token's role may not do this: uploads need a clerk token, the audit log an auditor token (yuejuan token --role …)"
	case status == http.StatusNotFound && strings.HasPrefix(code, "case"):
		return "check the case id or 案号: yuejuan cases lists your unit's cases; another unit's case looks absent too"
	case status == http.StatusRequestEntityTooLarge:
		return "split the file, or raise YUEJUAN_MAX_UPLOAD_MB on the server (or, if the file changed since it was registered, run the command again)"
	case status == http.StatusUnprocessableEntity:
		return "fix what is listed and run the command again"
	case status >= 500:
		return "the server failed; try again later, and see the server's log if it persists"
	}
	return ""
}

// url resolves an API path (with an optional query) against the server.
func (c *client) url(path string) string {
	return c.base.String() + path
}

// send makes an authenticated request and returns the response when its
// status is 2xx; the caller closes the body. Other statuses become *apiError.
func (c *client) send(ctx context.Context, method, path string, body io.Reader, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.url(path), body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.netError(method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, readError(method, path, resp)
	}
	return resp, nil
}

// do sends in as JSON (when not nil) and decodes a 2xx JSON answer into out
// (when not nil).
func (c *client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	h := http.Header{}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
		h.Set("Content-Type", "application/json")
	}
	resp, err := c.send(ctx, method, path, body, h)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: cannot read the answer: %w", method, path, err)
	}
	return nil
}

// putSigned uploads size bytes from body to a signed URL, exactly like an
// S3 presigned PUT: no login token goes with it. The URL is write-once: it
// is signed with If-None-Match: * (S3 refuses the PUT without that header,
// and a PUT to an uploaded file with 412).
func (c *client) putSigned(ctx context.Context, signedURL string, body io.Reader, size int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, signedURL, body)
	if err != nil {
		return err
	}
	req.ContentLength = size
	req.Header.Set("If-None-Match", "*")
	if size == 0 {
		req.Body = http.NoBody
	}
	const what = "upload URL"
	resp, err := c.http.Do(req)
	if err != nil {
		return c.netError(http.MethodPut, what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return readError(http.MethodPut, what, resp)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}

func (c *client) netError(method, path string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	e := &apiError{Method: method, Path: path, Message: "无法连接服务器 (cannot reach the server): " + err.Error()}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		e.Hint = "is the server running at " + c.base.String() + "? start one with yuejuan serve, or set --server / YUEJUAN_SERVER"
	}
	return e
}

// readError turns a non-2xx answer into an *apiError: the API's JSON error
// body, an S3-style XML error from a signed URL, or the bare status.
func readError(method, path string, resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &apiError{Method: method, Path: path, Status: resp.StatusCode}
	var j struct {
		Error struct {
			Code     string    `json:"code"`
			Message  string    `json:"message"`
			Problems []problem `json:"problems"`
		} `json:"error"`
	}
	var x struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	switch {
	case json.Unmarshal(raw, &j) == nil && j.Error.Message != "":
		e.Code, e.Message, e.Problems = j.Error.Code, j.Error.Message, j.Error.Problems
	case xml.Unmarshal(raw, &x) == nil && (x.Code != "" || x.Message != ""):
		e.Code, e.Message = x.Code, x.Message
	default:
		e.Message = http.StatusText(resp.StatusCode)
		if s := strings.TrimSpace(string(raw)); s != "" && len(s) < 300 && !strings.HasPrefix(s, "<") {
			e.Message += ": " + s
		}
	}
	e.Hint = hintFor(e.Status, e.Code)
	return e
}

// pollDelay is the wait before the n-th poll (0-based): quick at first,
// then every two seconds.
func pollDelay(n int) time.Duration {
	d := 200 * time.Millisecond << min(n, 4)
	return min(d, 2*time.Second)
}
