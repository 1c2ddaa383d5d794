package account

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter limits failed sign-ins per key (a client address, a user name):
// Burst of them at once, then one every Every; successes cost nothing. It lives in the process, as the
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

// Blocked reports whether key has used up its failures for now.
func (l *Limiter) Blocked(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.keys[key]
	return ok && v.l.TokensAt(time.Now()) < 1
}

// Failed counts a failure of key.
func (l *Limiter) Failed(key string) {
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
	v.l.AllowN(now, 1)
}
