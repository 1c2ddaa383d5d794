package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Lease claims key for ttl with a conditional write, so that of two workers
// given the same job at once (a queue delivers at least once) only one does
// it. It returns ok=false when another holder's lease has not expired yet.
// release gives the lease up early; a holder that dies without releasing
// blocks others until ttl has passed (an expired item counts as absent).
func Lease(ctx context.Context, t Table, key string, ttl time.Duration) (release func(), ok bool, err error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	holder := hex.EncodeToString(b[:])
	pk := "lease#" + key
	// Whole seconds, rounded up: the store keeps ExpiresAt to the second.
	exp := time.Now().Add(ttl).Truncate(time.Second).Add(time.Second)
	v, err := t.Put(ctx, Item{PK: pk, SK: "lease", Data: []byte(holder), ExpiresAt: exp})
	if errors.Is(err, ErrConflict) {
		return func() {}, false, nil
	}
	if err != nil {
		return func() {}, false, fmt.Errorf("store: lease %s: %w", key, err)
	}
	return func() {
		// Even when the holder's context is done: the lease must go.
		_ = t.Delete(context.WithoutCancel(ctx), pk, "lease", v)
	}, true, nil
}
