package httpapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Refusals without a login (auth.fail: no or a bad token; link.refuse: a
// download link that cannot be used) cost their sender nothing, so each of
// them used to be an audit record: 200 requests made 201 records, and the
// append-only log grew as fast as anyone cared to send. They are counted
// instead, per client and minute: the first refusal of a client in a
// minute is recorded as before (with its request id, route and reason),
// the others are counted, and the count goes into one refusal.count record
// when the minute is over — written by the next refusal from anyone after
// it, the next request the process serves, or a timer, whichever comes
// first. A client is an IPv4 address or an IPv6 /64 (one subscriber's
// network), and a process keeps at most MaxRefusalClients windows a
// minute (beyond that the refusals share one window, client "*"), so
// anonymous traffic writes at most 2×(MaxRefusalClients+1) records a
// minute per process, each under 1 KB (user agents are clipped to
// MaxUserAgent), however much of it there is. Refusals of signed-in callers
// (access.deny) are still recorded one by one: the caller is known.
//
// On AWS the API runs in many Lambda instances at once. Whether a refusal is
// its client's first in the minute is then decided in the table, with a
// conditional create of one item per client and minute
// (NewSharedRefusalLog), so that a client spread over instances still gets
// one first record; the counts stay in each instance's memory and each
// instance writes its own refusal.count (a few per client and minute, at
// most one per instance), since adding every refusal to one item would
// cost a contended write per refusal. An instance that is never invoked
// again after a minute loses that minute's count (the first record stands).

// MaxRefusalClients is how many clients' refusals a process counts
// separately in one minute.
const MaxRefusalClients = 512

// RefusalLog counts unauthenticated refusals per client and minute. The
// zero value is not usable: make one with NewRefusalLog or
// NewSharedRefusalLog.
type RefusalLog struct {
	t      store.Table // nil: one process decides alone
	mu     sync.Mutex
	wins   map[string]*refusalWindow
	oldest time.Time // the earliest window's minute
	timer  *time.Timer
}

type refusalWindow struct {
	client  string
	start   time.Time      // the minute
	counted int            // refusals counted, not recorded
	by      map[string]int // "action: reason" → refusals counted
}

// NewRefusalLog returns a refusal log for one process (the local server).
func NewRefusalLog() *RefusalLog { return &RefusalLog{wins: map[string]*refusalWindow{}} }

// NewSharedRefusalLog returns a refusal log whose "first in the minute" is
// decided in t, for processes that share the table (Lambda instances).
func NewSharedRefusalLog(t store.Table) *RefusalLog {
	return &RefusalLog{t: t, wins: map[string]*refusalWindow{}}
}

var defaultRefusalLogs sync.Map // *API → *RefusalLog

func (a *API) refusalLog() *RefusalLog {
	if a.Refusals != nil {
		return a.Refusals
	}
	v, _ := defaultRefusalLogs.LoadOrStore(a, NewRefusalLog())
	return v.(*RefusalLog)
}

// clientKey is the client a refusal is counted for: the IPv4 address, or
// the /64 of an IPv6 address (a subscriber is given a whole /64).
func clientKey(ip string) string {
	p := net.ParseIP(ip)
	if p == nil || p.To4() != nil {
		return ip
	}
	return (&net.IPNet{IP: p.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
}

// refused records e, the refusal of an unauthenticated request r, if it is
// its client's first in the minute, and counts it otherwise.
func (a *API) refused(r *http.Request, e audit.Event) {
	lg := a.refusalLog()
	now := a.now()
	start := now.Truncate(time.Minute)
	what := string(e.Action) + ": " + e.Detail["reason"]
	w, isNew, closed := lg.note(clientKey(info(r.Context()).ip), now, what, a.flushRefusalsLater)
	if isNew && !lg.claim(r.Context(), w, a) {
		isNew = false // another instance recorded this client's first
		lg.count(w, what)
	}
	if isNew {
		if e.Detail == nil {
			e.Detail = map[string]string{}
		}
		// A time, not a sentence: the auditor's page shows it in Beijing
		// time under its label.
		e.Detail["countedUntil"] = start.Add(time.Minute).UTC().Format(time.RFC3339)
		a.record(r, auth.Identity{}, e)
	}
	a.writeCounts(r.Context(), closed)
}

// note finds or opens the client's window of now's minute, counting
// what in it unless the window is new (the caller records that one). It
// also takes out the windows of earlier minutes, to be written.
func (l *RefusalLog) note(client string, now time.Time, what string, later func()) (w *refusalWindow, isNew bool, closed []*refusalWindow) {
	start := now.Truncate(time.Minute)
	l.mu.Lock()
	defer l.mu.Unlock()
	closed = l.takeClosed(start)
	if l.wins[client] == nil && len(l.wins) >= MaxRefusalClients {
		client = "*"
	}
	w = l.wins[client]
	if w == nil {
		w = &refusalWindow{client: client, start: start, by: map[string]int{}}
		l.wins[client] = w
		if len(l.wins) == 1 || start.Before(l.oldest) {
			l.oldest = start
		}
		if l.timer == nil {
			// Written when the minute is over even if nothing else
			// happens (locally; a frozen Lambda instance runs it when it
			// next thaws, or the next request does).
			// By the service's clock, as the windows are.
			l.timer = time.AfterFunc(start.Add(time.Minute).Sub(now)+time.Second, later)
		}
		return w, true, closed
	}
	w.counted++
	w.by[what]++
	return w, false, closed
}

func (l *RefusalLog) count(w *refusalWindow, what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w.counted++
	w.by[what]++
}

// claim reports whether this process writes the first record of w: always
// on its own; with a shared table, if its conditional create of the
// window's item is the first. A failing table does not silence refusals:
// the record is written.
func (l *RefusalLog) claim(ctx context.Context, w *refusalWindow, a *API) bool {
	if l.t == nil || w.client == "*" {
		return true
	}
	_, err := l.t.Put(ctx, store.Item{PK: "refusals#" + w.client, SK: w.start.UTC().Format(time.RFC3339),
		Data: []byte("{}"), ExpiresAt: time.Now().Add(time.Hour).Truncate(time.Second)})
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrConflict):
		return false
	default:
		a.log().Warn("refusal log: table unavailable, refusal recorded", "err", err)
		return true
	}
}

// takeClosed removes and returns the windows of minutes before start.
// Call with l.mu held.
func (l *RefusalLog) takeClosed(start time.Time) []*refusalWindow {
	if len(l.wins) == 0 || !l.oldest.Before(start) {
		return nil
	}
	var out []*refusalWindow
	l.oldest = time.Time{}
	for k, w := range l.wins {
		switch {
		case w.start.Before(start):
			out = append(out, w)
			delete(l.wins, k)
		case l.oldest.IsZero() || w.start.Before(l.oldest):
			l.oldest = w.start
		}
	}
	return out
}

// FlushRefusals writes the refusal.count records of every window whose
// minute is over at the instant at (a.now() for those due now; a later
// instant to write the current minute's too, as a test or a shutdown
// does).
func (a *API) FlushRefusals(ctx context.Context, at time.Time) {
	lg := a.refusalLog()
	lg.mu.Lock()
	closed := lg.takeClosed(at.Truncate(time.Minute))
	lg.mu.Unlock()
	a.writeCounts(ctx, closed)
}

// flushRefusalsLater is the timer's work: write what is due, and look again
// in a minute while windows remain open.
func (a *API) flushRefusalsLater() {
	lg := a.refusalLog()
	a.FlushRefusals(context.Background(), a.now())
	lg.mu.Lock()
	defer lg.mu.Unlock()
	lg.timer = nil
	if len(lg.wins) > 0 {
		lg.timer = time.AfterFunc(time.Minute, a.flushRefusalsLater)
	}
}

// flushDue writes the windows that closed, if any: after each request, so
// that a Lambda instance writes its counts before it is frozen again.
func (a *API) flushDue(ctx context.Context) { a.FlushRefusals(ctx, a.now()) }

// writeCounts appends one refusal.count record per window that counted
// refusals.
func (a *API) writeCounts(ctx context.Context, ws []*refusalWindow) {
	for _, w := range ws {
		if w.counted == 0 {
			continue
		}
		kinds := make([]string, 0, len(w.by))
		for k, n := range w.by {
			kinds = append(kinds, k+" ×"+strconv.Itoa(n))
		}
		slices.Sort(kinds)
		e := audit.Event{Actor: "anonymous", Role: "none", Action: audit.RefusalCount, IP: w.client, Result: audit.Denied,
			Detail: map[string]string{"count": strconv.Itoa(w.counted), "windowStart": w.start.UTC().Format(time.RFC3339),
				"windowEnd": w.start.Add(time.Minute).UTC().Format(time.RFC3339), "refusals": limits.Clip(strings.Join(kinds, "; "), 512)}}
		if _, err := a.Audit.Append(context.WithoutCancel(ctx), e); err != nil {
			a.log().Error("audit append failed", "action", e.Action, "client", w.client, "count", w.counted, "err", err)
		}
	}
}
