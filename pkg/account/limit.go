package account

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter limits sign-in attempts per key (a client address, a user name):
// Burst at once, then one every Every. It lives in the process, as the
// embedded provider does; the lockout, kept in the table, is what holds
// across processes.
type Limiter struct {
	Every time.Duration
	Burst int

	mu   sync.Mutex
	keys map[string]*limit
}

type limit struct {
	l    *rate.Limiter
	seen time.Time
}

// Allow reports whether key may try now, and counts the try.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.keys == nil {
		l.keys = map[string]*limit{}
	}
	if len(l.keys) > 10000 { // forget keys idle long enough to be full again
		full := l.Every * time.Duration(l.Burst)
		for k, v := range l.keys {
			if now.Sub(v.seen) > full {
				delete(l.keys, k)
			}
		}
	}
	v, ok := l.keys[key]
	if !ok {
		v = &limit{l: rate.NewLimiter(rate.Every(l.Every), l.Burst)}
		l.keys[key] = v
	}
	v.seen = now
	return v.l.AllowN(now, 1)
}
