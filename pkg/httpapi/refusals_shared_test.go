package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/service"
	"github.com/yuejuan/yuejuan/pkg/store"
)

type noLogin struct{}

func (noLogin) Verify(context.Context, string) (auth.Identity, error) {
	return auth.Identity{}, errors.New("invalid token")
}

// TestSharedRefusalLog: API instances sharing the table (Lambda functions)
// record a client's first refusal in a minute once between them, and each
// counts the rest into its own refusal.count: the log holds one record per
// client and minute plus one per instance that counted, and the counts add
// up to every refusal.
func TestSharedRefusalLog(t *testing.T) { onLimiterStores(t, testSharedRefusalLog) }

func testSharedRefusalLog(t *testing.T, tbl store.Table) {
	now := time.Date(2026, 3, 2, 9, 0, 10, 0, time.UTC)
	clock := func() time.Time { return now }
	alog := &audit.Log{T: tbl}
	instances := make([]*API, 3)
	for i := range instances {
		instances[i] = &API{Service: &service.Service{Audit: alog, Now: clock, Log: slog.New(slog.DiscardHandler)},
			Auth: noLogin{}, Refusals: NewSharedRefusalLog(tbl)}
	}
	handlers := make([]http.Handler, len(instances))
	for i, a := range instances {
		handlers[i] = a.Handler()
	}
	refuse := func(i int, ip string) {
		r := httptest.NewRequest("GET", "/api/v1/applications", nil)
		r.RemoteAddr = net.JoinHostPort(ip, "40000")
		r.Header.Set("Authorization", "Bearer forged")
		w := httptest.NewRecorder()
		handlers[i].ServeHTTP(w, r)
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("instance %d: %d, want 401", i, w.Code)
		}
	}
	const perInstance = 20
	for n := range perInstance {
		for i := range instances {
			refuse(i, "203.0.113.9")
			if n == 0 {
				// IPv6 clients are counted by their /64.
				refuse(i, "2001:db8:1:2::"+strconv.Itoa(i+1))
			}
		}
	}
	now = now.Add(time.Minute) // the minute is over
	for _, a := range instances {
		a.FlushRefusals(context.Background(), now)
	}
	count := func(client string) (first, summaries, accounted int) {
		t.Helper()
		if err := alog.Each(context.Background(), audit.Filter{}, func(e audit.Event) error {
			switch {
			case e.Action == "auth.fail" && clientKey(e.IP) == client:
				first++
				accounted++
			case e.Action == "refusal.count" && e.IP == client:
				summaries++
				n, _ := strconv.Atoi(e.Detail["count"])
				accounted += n
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return
	}
	first, summaries, accounted := count("203.0.113.9")
	if first != 1 || summaries != len(instances) || accounted != perInstance*len(instances) {
		t.Errorf("203.0.113.9: %d first records, %d refusal.count, %d refusals accounted for; want 1, %d, %d",
			first, summaries, accounted, len(instances), perInstance*len(instances))
	}
	first, _, accounted = count("2001:db8:1:2::/64")
	if first != 1 || accounted != len(instances) {
		t.Errorf("2001:db8:1:2::/64: %d first records, %d refusals accounted for; want 1 and %d", first, accounted, len(instances))
	}
	// A new minute: the client's first refusal is recorded again.
	refuse(1, "203.0.113.9")
	if first, _, _ := count("203.0.113.9"); first != 2 {
		t.Errorf("first refusal of the next minute: %d first records in all, want 2", first)
	}
}
