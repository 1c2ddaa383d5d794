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
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// event returns a payload 2.0 event shaped like the ones API Gateway sends.
func event(method, rawPath, rawQuery string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       "$default",
		RawPath:        rawPath,
		RawQueryString: rawQuery,
		Headers: map[string]string{
			"host":       "abc123.execute-api.cn-north-1.amazonaws.com.cn",
			"user-agent": "curl/8.5.0",
		},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:   "$default",
			Stage:      "$default",
			RequestID:  "JKJaXmPLvHcESHA=",
			APIID:      "abc123",
			DomainName: "abc123.execute-api.cn-north-1.amazonaws.com.cn",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    method,
				Path:      rawPath,
				Protocol:  "HTTP/1.1",
				SourceIP:  "203.0.113.9",
				UserAgent: "curl/8.5.0",
			},
		},
	}
}

func serve(t *testing.T, h http.HandlerFunc, e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := Handler(h)(context.Background(), e)
	if err != nil {
		t.Fatalf("Handler returned error: %v", err)
	}
	return resp
}

// body returns the bytes a client receives after API Gateway decodes the response.
func body(t *testing.T, resp events.APIGatewayV2HTTPResponse) []byte {
	t.Helper()
	if !resp.IsBase64Encoded {
		return []byte(resp.Body)
	}
	b, err := base64.StdEncoding.DecodeString(resp.Body)
	if err != nil {
		t.Fatalf("response body is not base64: %v", err)
	}
	return b
}

func TestGetQueryAndEncodedPath(t *testing.T) {
	const rawPath = "/api/v1/cases/%E5%88%91%E4%BA%8B-2025.001/files/%E8%B5%B7%E8%AF%89%E4%B9%A6%20v2.pdf"
	const rawQuery = "q=%E5%BC%A0%E4%B8%89&token=abc.DEF-123_x~y&tag=a&tag=b&empty="
	var got *http.Request
	resp := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "好的")
	}, event("GET", rawPath, rawQuery))

	if got.Method != http.MethodGet {
		t.Errorf("Method = %q", got.Method)
	}
	if p := got.URL.EscapedPath(); p != rawPath {
		t.Errorf("EscapedPath = %q, want %q", p, rawPath)
	}
	if want := "/api/v1/cases/刑事-2025.001/files/起诉书 v2.pdf"; got.URL.Path != want {
		t.Errorf("Path = %q, want %q", got.URL.Path, want)
	}
	if got.URL.RawQuery != rawQuery {
		t.Errorf("RawQuery = %q, want %q", got.URL.RawQuery, rawQuery)
	}
	if want := rawPath + "?" + rawQuery; got.RequestURI != want || got.URL.RequestURI() != want {
		t.Errorf("RequestURI = %q / %q, want %q", got.RequestURI, got.URL.RequestURI(), want)
	}
	q := got.URL.Query()
	if q.Get("q") != "张三" || q.Get("token") != "abc.DEF-123_x~y" || len(q["tag"]) != 2 || !q.Has("empty") {
		t.Errorf("Query = %v", q)
	}
	if got.Host != "abc123.execute-api.cn-north-1.amazonaws.com.cn" || got.Header.Get("Host") != "" {
		t.Errorf("Host = %q, Header[Host] = %q", got.Host, got.Header.Get("Host"))
	}
	if got.UserAgent() != "curl/8.5.0" || got.Proto != "HTTP/1.1" || got.Body == nil {
		t.Errorf("UserAgent = %q, Proto = %q, Body nil = %v", got.UserAgent(), got.Proto, got.Body == nil)
	}
	if resp.StatusCode != 200 || resp.IsBase64Encoded || resp.Body != "好的" {
		t.Errorf("response = %d %v %q", resp.StatusCode, resp.IsBase64Encoded, resp.Body)
	}
}

func TestHostFallsBackToDomainName(t *testing.T) {
	e := event("GET", "/", "")
	delete(e.Headers, "host")
	e.RequestContext.DomainName = "api.example.cn"
	var host string
	serve(t, func(w http.ResponseWriter, r *http.Request) { host = r.Host }, e)
	if host != "api.example.cn" {
		t.Errorf("Host = %q", host)
	}
}

func TestPostJSONBody(t *testing.T) {
	const doc = `{"name":"张三","idNumber":"110101199003070011"}`
	for _, tc := range []struct {
		name   string
		body   string
		base64 bool
	}{
		{"plain", doc, false},
		{"base64", base64.StdEncoding.EncodeToString([]byte(doc)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := event("POST", "/api/v1/applications", "")
			e.Headers["content-type"] = "application/json"
			e.Headers["accept"] = "application/json, text/plain;q=0.5" // comma-joined multi-value
			e.Body, e.IsBase64Encoded = tc.body, tc.base64
			var got []byte
			var n int64
			var accept string
			resp := serve(t, func(w http.ResponseWriter, r *http.Request) {
				got, _ = io.ReadAll(r.Body)
				n = r.ContentLength
				accept = r.Header.Get("Accept")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				w.Write(got)
			}, e)
			if string(got) != doc || n != int64(len(doc)) {
				t.Errorf("handler read %q (ContentLength %d), want %q", got, n, doc)
			}
			if accept != "application/json, text/plain;q=0.5" {
				t.Errorf("Accept = %q", accept)
			}
			if resp.StatusCode != 201 || resp.IsBase64Encoded || resp.Body != doc {
				t.Errorf("response = %d %v %q", resp.StatusCode, resp.IsBase64Encoded, resp.Body)
			}
		})
	}
}

func TestBadBase64BodyIs400(t *testing.T) {
	e := event("POST", "/x", "")
	e.Body, e.IsBase64Encoded = "%%%not base64", true
	called := false
	resp := serve(t, func(w http.ResponseWriter, r *http.Request) { called = true }, e)
	if called || resp.StatusCode != 400 {
		t.Errorf("called = %v, status = %d", called, resp.StatusCode)
	}
}

func TestCookiesInSetCookieOut(t *testing.T) {
	e := event("GET", "/me", "")
	e.Cookies = []string{"session=s3cr3t.v-1", "lang=zh-CN"}
	var session, lang string
	resp := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("session"); err == nil {
			session = c.Value
		}
		if c, err := r.Cookie("lang"); err == nil {
			lang = c.Value
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "new", Path: "/", HttpOnly: true, Secure: true})
		http.SetCookie(w, &http.Cookie{Name: "csrf", Value: "t0k", Path: "/"})
	}, e)
	if session != "s3cr3t.v-1" || lang != "zh-CN" {
		t.Errorf("cookies seen: session=%q lang=%q", session, lang)
	}
	want := []string{"session=new; Path=/; HttpOnly; Secure", "csrf=t0k; Path=/"}
	if strings.Join(resp.Cookies, "\n") != strings.Join(want, "\n") {
		t.Errorf("Cookies = %q, want %q", resp.Cookies, want)
	}
	for k := range resp.Headers {
		if strings.EqualFold(k, "Set-Cookie") {
			t.Errorf("Set-Cookie leaked into Headers: %v", resp.Headers)
		}
	}
}

func TestRedirect(t *testing.T) {
	resp := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login?next=%2Fcases", http.StatusFound)
	}, event("GET", "/cases", ""))
	if resp.StatusCode != http.StatusFound || resp.Headers["Location"] != "/login?next=%2Fcases" {
		t.Errorf("response = %d %v", resp.StatusCode, resp.Headers)
	}
}

func TestBinaryPDFIsBase64(t *testing.T) {
	for _, tc := range []struct {
		name string
		pdf  []byte
	}{
		{"binary", append([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), 0x00, 0xff, 0xfe, 0x80, 0x0a, 0x25, 0x25, 0x45, 0x4f, 0x46)},
		{"ascii-only", []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/pdf")
				w.Header().Set("Content-Disposition", `attachment; filename="dossier.pdf"`)
				w.Write(tc.pdf[:5])
				w.Write(tc.pdf[5:])
			}, event("GET", "/d/tok.en-1", ""))
			if !resp.IsBase64Encoded {
				t.Fatalf("PDF body not base64-encoded: %q", resp.Body)
			}
			if got := body(t, resp); !bytes.Equal(got, tc.pdf) {
				t.Errorf("decoded body = %x, want %x", got, tc.pdf)
			}
			if resp.Headers["Content-Type"] != "application/pdf" {
				t.Errorf("Content-Type = %q", resp.Headers["Content-Type"])
			}
		})
	}
}

func TestSniffedContentType(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	resp := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write(png) }, event("GET", "/logo", ""))
	if resp.Headers["Content-Type"] != "image/png" || !resp.IsBase64Encoded || !bytes.Equal(body(t, resp), png) {
		t.Errorf("response = %v base64=%v", resp.Headers, resp.IsBase64Encoded)
	}
}

func TestRemoteAddrFromSourceIPNotXFF(t *testing.T) {
	for _, ip := range []string{"203.0.113.9", "2001:db8::1"} {
		e := event("GET", "/", "")
		e.RequestContext.HTTP.SourceIP = ip
		e.Headers["x-forwarded-for"] = "10.0.0.1, 198.51.100.7"
		var addr string
		serve(t, func(w http.ResponseWriter, r *http.Request) { addr = r.RemoteAddr }, e)
		host, port, err := net.SplitHostPort(addr)
		if err != nil || host != ip || port != "0" {
			t.Errorf("RemoteAddr = %q (host %q, err %v), want host %q", addr, host, err, ip)
		}
	}
}

func TestMultiValueResponseHeaders(t *testing.T) {
	resp := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		w.Header().Add("Vary", "Origin")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, `{"error":{"code":"conflict"}}`)
	}, event("PUT", "/x", ""))
	if resp.Headers["Vary"] != "Accept, Origin" || resp.Headers["Cache-Control"] != "no-store" {
		t.Errorf("Headers = %v", resp.Headers)
	}
	if resp.StatusCode != 409 || resp.IsBase64Encoded || resp.Body != `{"error":{"code":"conflict"}}` {
		t.Errorf("response = %d %v %q", resp.StatusCode, resp.IsBase64Encoded, resp.Body)
	}
}

func TestEmptyHandlerIs200(t *testing.T) {
	resp := serve(t, func(w http.ResponseWriter, r *http.Request) {}, event("DELETE", "/x", ""))
	if resp.StatusCode != 200 || resp.Body != "" || resp.IsBase64Encoded {
		t.Errorf("response = %d %v %q", resp.StatusCode, resp.IsBase64Encoded, resp.Body)
	}
}

func TestNoBodyStatusesAndHEAD(t *testing.T) {
	var werr error
	resp := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
		_, werr = w.Write([]byte("x"))
	}, event("POST", "/x", ""))
	if resp.StatusCode != 204 || resp.Body != "" || werr != http.ErrBodyNotAllowed {
		t.Errorf("204: %d %q err=%v", resp.StatusCode, resp.Body, werr)
	}
	resp = serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hello")
	}, event("HEAD", "/x", ""))
	if resp.StatusCode != 200 || resp.Body != "" || resp.Headers["Content-Length"] != "5" {
		t.Errorf("HEAD: %d %q %v", resp.StatusCode, resp.Body, resp.Headers)
	}
}

func TestPanicIs500JSON(t *testing.T) {
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })

	resp := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Partial", "yes")
		io.WriteString(w, "half")
		panic("db password is hunter2")
	}, event("GET", "/boom", ""))

	if resp.StatusCode != 500 || resp.IsBase64Encoded {
		t.Fatalf("response = %d base64=%v", resp.StatusCode, resp.IsBase64Encoded)
	}
	if !strings.HasPrefix(resp.Headers["Content-Type"], "application/json") || resp.Headers["X-Partial"] != "" {
		t.Errorf("Headers = %v", resp.Headers)
	}
	var got struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || got.Error.Code != "internal" || got.Error.Message == "" {
		t.Errorf("body = %q (err %v)", resp.Body, err)
	}
	if strings.Contains(resp.Body, "hunter2") || strings.Contains(resp.Body, "half") {
		t.Errorf("body leaks panic or partial output: %q", resp.Body)
	}
	if l := logs.String(); !strings.Contains(l, "hunter2") || !strings.Contains(l, "JKJaXmPLvHcESHA=") || !strings.Contains(l, `"level":"ERROR"`) {
		t.Errorf("panic not logged with slog: %s", l)
	}
}

func TestServeMuxPathValue(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/cases/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"id": r.PathValue("id")})
	})
	h := Handler(mux)
	for rawPath, want := range map[string]string{
		"/api/v1/cases/2025-SH.0001":         "2025-SH.0001",
		"/api/v1/cases/%E6%B2%AA-2025.7":     "沪-2025.7",
		"/api/v1/cases/a%2Fb":                "a/b",
		"/api/v1/cases/01JABCDEF0123456789X": "01JABCDEF0123456789X",
	} {
		resp, err := h(context.Background(), event("GET", rawPath, ""))
		var got map[string]string
		if err != nil || resp.StatusCode != 200 || json.Unmarshal([]byte(resp.Body), &got) != nil || got["id"] != want {
			t.Errorf("%s: %d %q err=%v, want id %q", rawPath, resp.StatusCode, resp.Body, err, want)
		}
	}
	resp, _ := h(context.Background(), event("POST", "/api/v1/cases/1", ""))
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Headers["Allow"] == "" {
		t.Errorf("POST: %d %v", resp.StatusCode, resp.Headers)
	}
}

func TestContextCarriesLambdaContextAndRequestID(t *testing.T) {
	lc := &lambdacontext.LambdaContext{AwsRequestID: "lambda-req-1"}
	ctx := lambdacontext.NewContext(context.Background(), lc)
	var gotID, gotLambda string
	_, err := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotID = RequestID(r.Context())
		if l, ok := lambdacontext.FromContext(r.Context()); ok {
			gotLambda = l.AwsRequestID
		}
	}))(ctx, event("GET", "/", ""))
	if err != nil || gotID != "JKJaXmPLvHcESHA=" || gotLambda != "lambda-req-1" {
		t.Errorf("RequestID = %q, lambda id = %q, err = %v", gotID, gotLambda, err)
	}
	if RequestID(context.Background()) != "" {
		t.Error("RequestID outside the adapter should be empty")
	}
}

func TestIsText(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/html; charset=utf-8":        true,
		"application/json":                true,
		"Application/JSON; charset=UTF-8": true,
		"application/xml":                 true,
		"application/problem+json":        true,
		"application/atom+xml":            true,
		"application/javascript":          true,
		"application/pdf":                 false,
		"application/octet-stream":        false,
		"image/png":                       false,
		"":                                false,
	} {
		if isText(ct) != want {
			t.Errorf("isText(%q) = %v, want %v", ct, !want, want)
		}
	}
}

// TestLambdaRuntimeHandler runs the adapter behind lambda.NewHandler, the
// handler the aws-lambda-go runtime loop invokes with the raw JSON payload
// from the Runtime API, so event and response (de)serialisation are covered.
func TestLambdaRuntimeHandler(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/cases/{id}/files", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c, _ := r.Cookie("session")
		http.SetCookie(w, &http.Cookie{Name: "seen", Value: "1"})
		w.Header().Set("Content-Type", "application/pdf")
		w.Write(append([]byte(r.PathValue("id")+"|"+r.URL.Query().Get("name")+"|"+c.Value+"|"+r.RemoteAddr+"|"), b...))
	})
	payload := `{
	  "version": "2.0",
	  "routeKey": "$default",
	  "rawPath": "/api/v1/cases/%E6%A1%88-1/files",
	  "rawQueryString": "name=%E8%AF%81%E6%8D%AE.pdf",
	  "cookies": ["session=abc.def-1"],
	  "headers": {"content-type": "application/octet-stream", "host": "api.example.cn", "x-forwarded-for": "6.6.6.6"},
	  "queryStringParameters": {"name": "证据.pdf"},
	  "requestContext": {
	    "accountId": "123456789012", "apiId": "api-id", "domainName": "api.example.cn", "domainPrefix": "api",
	    "http": {"method": "POST", "path": "/api/v1/cases/案-1/files", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.44", "userAgent": "agent"},
	    "requestId": "id", "routeKey": "$default", "stage": "$default", "time": "12/Mar/2020:19:03:58 +0000", "timeEpoch": 1583348638390
	  },
	  "body": "AP8BAg==",
	  "isBase64Encoded": true
	}`
	out, err := lambda.NewHandler(Handler(mux)).Invoke(context.Background(), []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		StatusCode      int               `json:"statusCode"`
		Headers         map[string]string `json:"headers"`
		Cookies         []string          `json:"cookies"`
		Body            string            `json:"body"`
		IsBase64Encoded bool              `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	got, _ := base64.StdEncoding.DecodeString(resp.Body)
	want := append([]byte("案-1|证据.pdf|abc.def-1|192.0.2.44:0|"), 0x00, 0xff, 0x01, 0x02)
	if resp.StatusCode != 200 || !resp.IsBase64Encoded || !bytes.Equal(got, want) {
		t.Errorf("response %s; decoded body %q, want %q", out, got, want)
	}
	if len(resp.Cookies) != 1 || resp.Cookies[0] != "seen=1" || resp.Headers["Content-Type"] != "application/pdf" {
		t.Errorf("response %s", out)
	}
}
