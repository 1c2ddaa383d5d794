package auth

import (
	"testing"
	"time"
)

func TestVerifiedCache(t *testing.T) {
	var c verifiedCache
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	id := Identity{Subject: "11101201910012345", Name: "张律师", Role: Lawyer}
	if _, ok := c.get("tok", now); ok {
		t.Fatal("empty cache hit")
	}
	c.put("tok", id, now.Add(time.Minute))
	if got, ok := c.get("tok", now.Add(59*time.Second)); !ok || got != id {
		t.Fatalf("within its time: %v %v", got, ok)
	}
	if _, ok := c.get("tok", now.Add(time.Minute)); ok {
		t.Fatal("served after its time")
	}
	if _, ok := c.get("tok2", now); ok {
		t.Fatal("another token served")
	}
	for i := range maxVerified + 1 {
		c.put(string(rune(i)), id, now.Add(time.Minute))
	}
	if len(c.m) > maxVerified {
		t.Fatalf("%d entries, bound %d", len(c.m), maxVerified)
	}
}

// A token is remembered only once it verified, and never past its expiry.
func TestVerifyRemembersOnlyGoodTokens(t *testing.T) {
	a := &Authority{Keys: NewKeySet(newKey(t)), Issuer: "iss", Audience: "aud"}
	tok, err := a.Issue(Identity{Subject: "clerk01", Name: "王", Role: Clerk, Unit: "u"}, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(t.Context(), tok+"x"); err == nil {
		t.Fatal("a changed token verified")
	}
	if _, ok := a.verified.get(tok+"x", time.Now()); ok {
		t.Fatal("a bad token was remembered")
	}
	if _, err := a.Verify(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	v := a.verified.m[tok]
	if v.until.After(time.Now().Add(21 * time.Second)) {
		t.Fatalf("remembered until %v, past the token's expiry", v.until)
	}
}
