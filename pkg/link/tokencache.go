package link

import (
	"strconv"
	"sync"
	"time"
)

// tokenTTL is how long a link's token is remembered. A token is a pure
// function of the link and the signing key (Ed25519 signatures are
// deterministic), and a lawyer's status page shows it on every poll:
// remembering it spares a signature per poll. Bounded in time so that a
// rotated signing key is used within minutes.
const tokenTTL = 5 * time.Minute

// maxTokens bounds the memory: when full, the cache starts over.
const maxTokens = 20_000

type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedToken
}

type cachedToken struct {
	token string
	until time.Time
}

// tokenKey is every field of l the token signs.
func tokenKey(issuer string, l *Link) string {
	return issuer + "\x00" + l.ID + "\x00" + l.ApplicationID + "\x00" + l.Lawyer + "\x00" +
		strconv.FormatInt(l.CreatedAt.Unix(), 10) + "\x00" + strconv.FormatInt(l.ExpiresAt.Unix(), 10)
}

func (c *tokenCache) get(key string, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[key]
	if !ok || !now.Before(t.until) {
		return "", false
	}
	return t.token, true
}

func (c *tokenCache) put(key, token string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxTokens {
		c.m = make(map[string]cachedToken)
	}
	c.m[key] = cachedToken{token: token, until: now.Add(tokenTTL)}
}
