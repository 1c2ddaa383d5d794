package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
)

var ipSeq atomic.Int32

// fromNewIP returns e sending its requests from a loopback address no other
// test uses (127.1.x.y): refusals without a login are counted per client
// address and minute, so a test that looks at its own must be its own
// client.
func (e *env) fromNewIP() (*env, string) {
	n := ipSeq.Add(1)
	ip := fmt.Sprintf("127.1.%d.%d", n/250, n%250+1)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &env{t: e.t, shared: e.shared, from: c}, ip
}

// ofClient is the audit records of one client address, and the refusals
// they account for: one each for auth.fail and link.refuse, Detail.count
// for refusal.count.
func (e *env) ofClient(ip string) (evs []audit.Event, refusals int) {
	e.t.Helper()
	for _, ev := range e.events(audit.Filter{}) {
		if ev.IP != ip {
			continue
		}
		evs = append(evs, ev)
		switch ev.Action {
		case "auth.fail", "link.refuse":
			refusals++
		case "refusal.count":
			n, err := strconv.Atoi(ev.Detail["count"])
			if err != nil || n < 1 {
				e.t.Errorf("refusal.count record with count %q", ev.Detail["count"])
			}
			refusals += n
		}
	}
	return evs, refusals
}

// Issue 13 E: every request without a valid login appended a record with
// its whole User-Agent, unthrottled (200 requests in 0.8 s → 201 records;
// five 900 KB user agents → five 900 KB records). Refusals without a
// login are now counted per client and minute: 1,000 of them from one
// address make the first refusal's record and one refusal.count per
// minute, every refusal accounted for, each record under 1 KB.
func TestAnonymousRefusalsAreCounted(t *testing.T) {
	e0 := newEnv(t)
	e, ip := e0.fromNewIP()
	huge := strings.Repeat("Mozilla/5.0 ", 900*1024/12) // 900 KB
	const total = 1000
	firstMinute := time.Now().Truncate(time.Minute)
	for i := range total {
		hdr := map[string]string{"Accept": "application/json"}
		if i%200 == 0 {
			hdr["User-Agent"] = huge
		}
		var url string
		switch i % 4 {
		case 0:
			url = e.url + "/api/v1/applications" // no token
		case 1:
			url, hdr["Authorization"] = e.url+"/api/v1/cases", "Bearer not.a.token"
		case 2:
			url = e.url + "/d/not-a-link-token"
		case 3:
			url, hdr["Authorization"] = e.url+"/api/v1/audit/events", "Bearer "+strings.Repeat("x", 4000)
		}
		if resp, body := e.get("GET", url, hdr); resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("refusal %d: %d %s", i, resp.StatusCode, body)
		}
	}
	minutes := int(time.Now().Truncate(time.Minute).Sub(firstMinute)/time.Minute) + 1
	before, _ := e.ofClient(ip)
	firsts := 0
	for _, ev := range before {
		if ev.Action != "refusal.count" { // a minute that ended during the run may be counted already
			firsts++
		}
	}
	if firsts > minutes {
		t.Errorf("%d refusals recorded one by one out of %d within %d minute(s), want at most one a minute", firsts, total, minutes)
	}
	e.s.API.FlushRefusals(t.Context(), time.Now().Add(time.Minute))
	evs, accounted := e.ofClient(ip)
	if len(evs) > 2*minutes {
		t.Errorf("%d records for %d refusals within %d minute(s), want at most 2 a minute", len(evs), total, minutes)
	}
	if accounted != total {
		t.Errorf("the records account for %d refusals, want all %d", accounted, total)
	}
	biggest := 0
	for _, ev := range evs {
		b, _ := json.Marshal(ev)
		biggest = max(biggest, len(b))
		if len(b) >= 1024 {
			t.Errorf("a %d-byte %s record:\n%.300s", len(b), ev.Action, b)
		}
		if ev.Action == "refusal.count" && (ev.Actor != "anonymous" || ev.Result != audit.Denied || !strings.Contains(ev.Detail["refusals"], "auth.fail: invalid token ×") ||
			!strings.Contains(ev.Detail["refusals"], "link.refuse: link_invalid ×") || ev.Detail["windowStart"] == "" || ev.Detail["windowEnd"] == "") {
			t.Errorf("refusal.count record %+v: want the anonymous client, the minute and the refusals by kind", ev)
		}
	}
	// A window's first refusal says until when the rest are counted, as a
	// time the auditor's page shows in Beijing time.
	first := 0
	for _, ev := range evs {
		if ev.Action == "refusal.count" {
			continue
		}
		if u, err := time.Parse(time.RFC3339, ev.Detail["countedUntil"]); err != nil || u.Second() != 0 {
			t.Errorf("a window's first refusal %+v: countedUntil is not the end of its minute", ev)
		}
		first++
	}
	if first == 0 {
		t.Error("no window's first refusal recorded")
	}
	t.Logf("%d refusals from %s → %d records (largest %d bytes), within %d minute(s)", total, ip, len(evs), biggest, minutes)
}
