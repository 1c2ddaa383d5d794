package auth

import (
	"sync"
	"time"
)

// verifiedTTL is how long a verified login token is remembered. A client
// polls with the same token many times a minute; remembering it spares an
// Ed25519 verification per request (a third of the CPU of a status read on
// the local server). The price: a key removed from the key set stops
// working for tokens seen in the last minute only after that minute.
const verifiedTTL = time.Minute

// maxVerified bounds the memory: when full, the cache starts over.
const maxVerified = 20_000

// verifiedCache remembers tokens that verified, until the earlier of their
// expiry and verifiedTTL. Only successes are kept: a bad token is checked
// in full every time.
type verifiedCache struct {
	mu sync.Mutex
	m  map[string]verified
}

type verified struct {
	id    Identity
	until time.Time
}

func (c *verifiedCache) get(raw string, now time.Time) (Identity, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[raw]
	if !ok || !now.Before(v.until) {
		return Identity{}, false
	}
	return v.id, true
}

func (c *verifiedCache) put(raw string, id Identity, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxVerified {
		c.m = make(map[string]verified)
	}
	c.m[raw] = verified{id: id, until: until}
}
