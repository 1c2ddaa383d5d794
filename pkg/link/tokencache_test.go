package link

import (
	"testing"
	"time"
)

// The remembered token is the one a fresh signature gives, and any change
// to what the token signs gives another token.
func TestTokenCache(t *testing.T) {
	s := &Signer{Keys: keySet(t), Issuer: "iss"}
	now := time.Now()
	l := &Link{ID: "l1", ApplicationID: "a1", Lawyer: "11101201910012345", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	first, err := s.Token(l)
	if err != nil {
		t.Fatal(err)
	}
	fresh, _ := s.sign(l)
	again, _ := s.Token(l)
	if again != first || fresh != first {
		t.Fatal("the remembered token differs from a fresh signature")
	}
	if _, err := s.Parse(again); err != nil {
		t.Fatal(err)
	}
	for _, change := range []func(*Link){
		func(x *Link) { x.ExpiresAt = x.ExpiresAt.Add(time.Hour) },
		func(x *Link) { x.ApplicationID = "a2" },
		func(x *Link) { x.Lawyer = "11101201910054321" },
		func(x *Link) { x.ID = "l2" },
	} {
		x := *l
		change(&x)
		tok, _ := s.Token(&x)
		c, err := s.Parse(tok)
		if tok == first || err != nil || c.ID != x.ID || c.ApplicationID != x.ApplicationID || c.Subject != x.Lawyer {
			t.Fatalf("changed link %+v got token %v %+v", x, err, c)
		}
	}
}
