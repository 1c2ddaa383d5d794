package application

import (
	"errors"
	"testing"
)

// TestReopen: an application that ended with its link's expiry is live
// again once it gets a new link — unless the lawyer has applied for the
// case again since, when that application stays the live one.
func TestReopen(t *testing.T) { onStores(t, testReopen) }

func testReopen(t *testing.T, newRepo func(*testing.T) *Repo) {
	ctx := t.Context()
	expire := func(r *Repo, id string) {
		t.Helper()
		for _, to := range []Status{PendingReview, Approved, Ready, Expired} {
			if _, err := r.Update(ctx, id, func(a *Application) error { return a.Move(to, "system", "", submitted) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	renew := func(a *Application) error { return a.Move(Ready, lawyerNo, "新链接", submitted) }

	r := newRepo(t)
	first, _, err := r.Create(ctx, newApp(lawyerNo, "c1"))
	if err != nil {
		t.Fatal(err)
	}
	expire(r, first.ID)
	got, err := r.Reopen(ctx, first.ID, renew)
	if err != nil || got.Status != Ready {
		t.Fatalf("Reopen = %+v, %v; want ready", got, err)
	}
	if live, err := r.Live(ctx, lawyerNo, "c1"); err != nil || live == nil || live.ID != first.ID {
		t.Fatalf("Live after reopening = %+v, %v; want %s", live, err, first.ID)
	}
	if again, created, err := r.Create(ctx, newApp(lawyerNo, "c1")); err != nil || created || again.ID != first.ID {
		t.Errorf("applying again after reopening: %v created=%v %v; want the reopened one", again, created, err)
	}

	r = newRepo(t)
	old, _, err := r.Create(ctx, newApp(lawyerNo, "c2"))
	if err != nil {
		t.Fatal(err)
	}
	expire(r, old.ID)
	fresh, created, err := r.Create(ctx, newApp(lawyerNo, "c2"))
	if err != nil || !created {
		t.Fatalf("a new application after the end: %v %v", created, err)
	}
	if _, err := r.Reopen(ctx, old.ID, renew); !errors.Is(err, ErrLiveElsewhere) {
		t.Errorf("Reopen with a newer live application: %v, want ErrLiveElsewhere", err)
	}
	if a, _ := r.Get(ctx, old.ID); a.Status != Expired {
		t.Errorf("the old application is %s, want expired still", a.Status)
	}
	if live, _ := r.Live(ctx, lawyerNo, "c2"); live == nil || live.ID != fresh.ID {
		t.Errorf("Live = %+v, want the new application %s", live, fresh.ID)
	}
}
