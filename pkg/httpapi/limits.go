package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// MaxJSONDepth is how deeply a request body's arrays and objects may nest.
// No route needs more than 4 levels; encoding/json alone would go to 10,000.
const MaxJSONDepth = 32

// jsonTooDeep reports whether body nests arrays and objects deeper than
// MaxJSONDepth, with a plain scan that skips strings.
func jsonTooDeep(body []byte) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range body {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth > MaxJSONDepth {
				return true
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return false
}

// Rate is a token bucket: Burst requests at once, refilled at PerHour. The
// zero Rate means no limit.
type Rate struct {
	PerHour float64
	Burst   int
}

// Rates are the limits per lawyer.
type Rates struct {
	// Applications: POST /applications by a lawyer (a clerk registering
	// hotline or centre applications is not limited).
	Applications Rate
	// Downloads: GET /d/{token} and GET /applications/{id}/download (HEAD
	// is not limited: it costs nothing and counts nothing).
	Downloads Rate
}

// DefaultRates: 30 applications an hour with bursts of 10, 60 downloads an
// hour with bursts of 10 — far above what a lawyer does by hand (a link
// allows a handful of downloads), far below what a script can do.
func DefaultRates() Rates {
	return Rates{Applications: Rate{PerHour: 30, Burst: 10}, Downloads: Rate{PerHour: 60, Burst: 10}}
}

// RateLimiter keeps a token bucket per lawyer and kind of request. Made by
// NewRateLimiter it keeps them in memory, which bounds one process; made by
// NewSharedRateLimiter it keeps them in the metadata table, so that every
// Lambda instance (and every server sharing the table) draws on the same
// bucket — a lawyer cannot multiply the limit by making requests concurrent.
type RateLimiter struct {
	rates Rates
	t     store.Table // nil: buckets in memory
	log   func(msg string, args ...any)
	mu    sync.Mutex
	m     map[string]*bucket
}

type bucket struct {
	lim        *rate.Limiter // nil for a shared limiter: the bucket is in the table
	audited    time.Time     // last audited refusal: at most one record a minute
	suppressed int           // refusals since then
	seen       time.Time
}

// NewRateLimiter returns a limiter with rates, kept in memory.
func NewRateLimiter(rates Rates) *RateLimiter {
	return &RateLimiter{rates: rates, m: map[string]*bucket{}}
}

// NewSharedRateLimiter returns a limiter with rates whose buckets live in t.
// Each allowed request costs one read and one conditional write; a refused
// one only the read. If the table fails, the request is let through (and
// logged with logf, when set): the limiter must not take the service down
// with the store. The once-a-minute auditing of refusals is still counted
// per process.
func NewSharedRateLimiter(rates Rates, t store.Table, logf func(msg string, args ...any)) *RateLimiter {
	return &RateLimiter{rates: rates, t: t, log: logf, m: map[string]*bucket{}}
}

// allow takes a token of kind for who, or says how long to wait for one.
// It also says whether this refusal is to be audited, and how many
// refusals went unaudited before it.
func (l *RateLimiter) allow(ctx context.Context, kind, who string, now time.Time) (ok bool, wait time.Duration, audit bool, suppressed int) {
	rt := l.rates.Applications
	if kind == "downloads" {
		rt = l.rates.Downloads
	}
	if rt.PerHour <= 0 || rt.Burst <= 0 {
		return true, 0, false, 0
	}
	if l.t != nil {
		var err error
		wait, err = l.takeShared(ctx, kind, who, rt, now)
		if err != nil {
			if l.log != nil {
				l.log("rate limiter: table unavailable, request let through", "limit", kind, "err", err)
			}
			return true, 0, false, 0
		}
		if wait <= 0 {
			return true, 0, false, 0
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	key := kind + "\x00" + who
	b := l.m[key]
	if b == nil {
		if len(l.m) >= 100_000 {
			l.sweep(now)
		}
		b = &bucket{}
		if l.t == nil {
			b.lim = rate.NewLimiter(rate.Limit(rt.PerHour/3600), rt.Burst)
		}
		l.m[key] = b
	}
	b.seen = now
	if b.lim != nil {
		res := b.lim.ReserveN(now, 1)
		if wait = res.DelayFrom(now); wait <= 0 {
			return true, 0, false, 0
		}
		res.CancelAt(now)
	}
	if now.Sub(b.audited) >= time.Minute {
		b.audited, suppressed, b.suppressed = now, b.suppressed, 0
		return false, wait, true, suppressed
	}
	b.suppressed++
	return false, wait, false, 0
}

// takeShared is the generic cell rate algorithm on one table item: the
// item holds the theoretical arrival time (TAT) of the next request; a
// request is allowed if, after adding one emission interval, the TAT is at
// most Burst intervals ahead of now. The item expires when the bucket is
// full again, so idle lawyers cost nothing. It returns 0 if allowed, or how
// long to wait.
func (l *RateLimiter) takeShared(ctx context.Context, kind, who string, rt Rate, now time.Time) (time.Duration, error) {
	interval := time.Duration(float64(time.Hour) / rt.PerHour)
	limit := time.Duration(rt.Burst) * interval
	pk := "rate#" + kind + "#" + who
	return store.Retry(func() (time.Duration, error) {
		it, err := l.t.Get(ctx, pk, "gcra")
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return 0, err
		}
		tat := now
		if err == nil {
			var v struct {
				TAT time.Time `json:"tat"`
			}
			if json.Unmarshal(it.Data, &v) == nil && v.TAT.After(now) {
				tat = v.TAT
			}
		} else {
			it = store.Item{PK: pk, SK: "gcra"}
		}
		next := tat.Add(interval)
		if ahead := next.Sub(now); ahead > limit {
			return ahead - limit, nil
		}
		it.Data, _ = json.Marshal(map[string]time.Time{"tat": next})
		// The store expires items by the wall clock, which may differ from
		// now (a test's clock): expire by the time left, not the instant.
		it.ExpiresAt = time.Now().Add(next.Sub(now)).Truncate(time.Second).Add(time.Second)
		if _, err := l.t.Put(ctx, it); err != nil {
			return 0, err
		}
		return 0, nil
	})
}

// sweep forgets buckets that are full again (idle lawyers).
func (l *RateLimiter) sweep(now time.Time) {
	for k, b := range l.m {
		if b.lim == nil && now.Sub(b.seen) > time.Hour || b.lim != nil && b.lim.TokensAt(now) >= float64(b.lim.Burst()) {
			delete(l.m, k)
		}
	}
}

var defaultLimiters sync.Map // *API → *RateLimiter

func (a *API) rateLimiter() *RateLimiter {
	if a.RateLimit != nil {
		return a.RateLimit
	}
	if v, ok := defaultLimiters.Load(a); ok {
		return v.(*RateLimiter)
	}
	v, _ := defaultLimiters.LoadOrStore(a, NewRateLimiter(DefaultRates()))
	return v.(*RateLimiter)
}

// limited answers 429 with Retry-After when lawyer has used up kind
// ("applications" or "downloads"), and records the refusal (once a minute
// per lawyer and kind, with the number of refusals not recorded since, so
// that a script hammering the API cannot flood the audit log).
func (a *API) limited(w http.ResponseWriter, r *http.Request, id auth.Identity, lawyer, kind string) bool {
	ok, wait, rec, suppressed := a.rateLimiter().allow(r.Context(), kind, lawyer, a.now())
	if ok {
		return false
	}
	secs := int(math.Ceil(wait.Seconds()))
	if rec {
		ev := audit.Event{Action: audit.RateLimit, Result: audit.Denied,
			Detail: map[string]string{"route": r.Pattern, "limit": kind, "retryAfter": strconv.Itoa(secs), "notRecordedBefore": strconv.Itoa(suppressed)}}
		if id.Subject == "" {
			// The download door: a link holder, drawing on the limit of the
			// lawyer the link is for.
			ev.Actor, ev.Role, ev.Detail["linkOwner"] = LinkHolderActor, string(LinkHolder), lawyer
		}
		a.record(r, id, ev)
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	what, whatEN := msg.Applying, msg.ApplyingEN
	if kind == "downloads" {
		what, whatEN = msg.Downloading, msg.DownloadingEN
	}
	zh, en := msg.RateLimited.Format(what, secs), msg.RateLimitedEN.Format(whatEN, secs)
	if wantsHTML(r) {
		a.page(w, statusOf(RateLimited), string(msg.RetryTitle), zh, en)
		return true
	}
	writeError(w, RateLimited, zh+" ("+en+")")
	return true
}
