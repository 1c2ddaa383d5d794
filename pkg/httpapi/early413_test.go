package httpapi_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A client that declares a body over the limit and asks before sending it
// (Expect: 100-continue, as curl does for large bodies) is answered 413 at
// once, on the declared Content-Length, and never told to go on: it sends
// the headers only, waits for the answer, and the answer is the refusal.
// (Before, the server answered "100 Continue", read 1 MiB of the body and
// reset the connection: the client saw a reset, not a 413.)
func TestOversizedBodyRefusedBeforeContinue(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, tok, path string
	}{
		{"signed-in clerk", e.clerk, "/api/v1/cases"},
		{"no login", "", "/api/v1/applications"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n",
				tc.path, strings.TrimPrefix(e.url, "http://"), 30<<20)
			if tc.tok != "" {
				head += "Authorization: Bearer " + tc.tok + "\r\n"
			}
			if _, err := io.WriteString(c, head+"\r\n"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no answer to the headers: %v", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("first answer to a 30 MB body announced with Expect: 100-continue: %s, want 413 (and no 100 Continue)", resp.Status)
			}
			var eb errBody
			if err := json.NewDecoder(resp.Body).Decode(&eb); err != nil || eb.Error.Code != "too_large" ||
				!strings.Contains(eb.Error.Message, "请求体超过") || !strings.Contains(eb.Error.Message, "request body larger than 1048576 bytes") {
				t.Errorf("413 body: %+v (%v), want code too_large saying the limit in Chinese and English", eb.Error, err)
			}
		})
	}
}
