package opinion

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func setup(t *testing.T) (*Repo, *casefile.Repo, *casefile.Case) {
	t.Helper()
	tbl, err := sqlitestore.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	cases := &casefile.Repo{T: tbl}
	c := &casefile.Case{CaseNo: "案1", Title: "某案", Unit: "u1", Stage: casefile.ProsecutionReview,
		Handler: casefile.Handler{Name: "刘", Phone: "1"}, Defendants: []string{"甲"}}
	if err := cases.Create(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return &Repo{T: tbl, Cases: cases}, cases, c
}

func unanswered(r *Repo) func(ctx context.Context, c *casefile.Case) ([]string, error) {
	return func(ctx context.Context, c *casefile.Case) ([]string, error) {
		os, err := r.Unanswered(ctx, c.ID)
		var ids []string
		for _, o := range os {
			ids = append(ids, o.ID)
		}
		return ids, err
	}
}

func submit(t *testing.T, r *Repo, c *casefile.Case, lic string) (*Opinion, error) {
	t.Helper()
	o := &Opinion{CaseID: c.ID, CaseNo: c.CaseNo, Unit: c.Unit, Lawyer: Lawyer{License: lic, Name: "律师"}, Text: "意见"}
	return o, r.Submit(context.Background(), o)
}

func TestConcludeWaitsForAnswers(t *testing.T) {
	ctx := context.Background()
	r, cases, c := setup(t)
	o, err := submit(t, r, c, "L1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = cases.Conclude(ctx, c.ID, "clerk", unanswered(r))
	var ue *casefile.UnansweredError
	if !errors.As(err, &ue) || fmt.Sprint(ue.Items) != fmt.Sprint([]string{o.ID}) {
		t.Fatalf("conclude with an unanswered opinion: %v", err)
	}
	if _, err := r.Answer(ctx, o.ID, Reply{Adopted: true}); err == nil {
		t.Fatal("a reply without a reason was accepted")
	}
	got, err := r.Answer(ctx, o.ID, Reply{Adopted: true, Reason: "采纳", By: "clerk"})
	if err != nil || got.Status != Answered || !got.Reply.Adopted {
		t.Fatalf("answer: %+v %v", got, err)
	}
	if _, err := r.Answer(ctx, o.ID, Reply{Reason: "again"}); !errors.Is(err, ErrAnswered) {
		t.Errorf("second answer: %v", err)
	}
	cc, err := cases.Conclude(ctx, c.ID, "clerk", unanswered(r))
	if err != nil || !cc.Concluded || cc.ConcludedBy != "clerk" || cc.Stage != casefile.Closed {
		t.Fatalf("conclude after the answer: %+v %v", cc, err)
	}
	late, err := submit(t, r, c, "L2")
	if !errors.Is(err, casefile.ErrConcluded) || late.Status != Withdrawn {
		t.Fatalf("opinion on a concluded case: %v (status %s)", err, late.Status)
	}
	if os, _ := r.Unanswered(ctx, c.ID); len(os) != 0 {
		t.Errorf("a refused opinion counts as unanswered: %+v", os)
	}
	if _, err := r.Answer(ctx, late.ID, Reply{Reason: "x"}); !errors.Is(err, ErrNotOpen) {
		t.Errorf("answering a withdrawn opinion: %v", err)
	}
	if mine, _ := r.ByLawyer(ctx, "L2"); len(mine) != 0 {
		t.Errorf("withdrawn opinion listed for the lawyer: %+v", mine)
	}
}

// Submissions racing with Conclude: whatever the interleaving, a concluded
// case never has an unanswered opinion, and every submission either
// succeeds (and blocked or preceded the conclusion) or is refused.
func TestSubmitRacesConclude(t *testing.T) {
	for round := range 20 {
		ctx := context.Background()
		r, cases, c := setup(t)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = submit(t, r, c, fmt.Sprintf("L%d", i))
			}()
		}
		var concluded bool
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := cases.Conclude(ctx, c.ID, "clerk", unanswered(r))
			concluded = err == nil
		}()
		wg.Wait()
		got, err := cases.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		open, _ := r.Unanswered(ctx, c.ID)
		if got.Concluded != concluded {
			t.Fatalf("round %d: Conclude said %v, case says %v", round, concluded, got.Concluded)
		}
		if got.Concluded && len(open) > 0 {
			t.Fatalf("round %d: concluded with %d unanswered opinions", round, len(open))
		}
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, casefile.ErrConcluded):
				t.Fatalf("round %d: submit: %v", round, err)
			}
		}
		if ok != len(open) {
			t.Fatalf("round %d: %d accepted submissions, %d unanswered opinions", round, ok, len(open))
		}
	}
}

func TestListings(t *testing.T) {
	ctx := context.Background()
	r, _, c := setup(t)
	a, _ := submit(t, r, c, "L1")
	b, _ := submit(t, r, c, "L2")
	d, _ := submit(t, r, c, "L1")
	if _, err := r.Answer(ctx, b.ID, Reply{Reason: "不采纳"}); err != nil {
		t.Fatal(err)
	}
	ids := func(os []*Opinion) string {
		var s []string
		for _, o := range os {
			s = append(s, o.ID)
		}
		return fmt.Sprint(s)
	}
	if got, _ := r.ByLawyer(ctx, "L1"); ids(got) != fmt.Sprint([]string{d.ID, a.ID}) {
		t.Errorf("L1's, newest first: %s", ids(got))
	}
	if got, _ := r.ByUnit(ctx, "u1", true); ids(got) != fmt.Sprint([]string{a.ID, d.ID}) {
		t.Errorf("unit's unanswered, oldest first: %s", ids(got))
	}
	if got, _ := r.ByCase(ctx, c.ID); len(got) != 3 {
		t.Errorf("case's: %d", len(got))
	}
	if got, err := r.Get(ctx, b.ID); err != nil || got.Reply == nil {
		t.Errorf("get: %+v %v", got, err)
	}
	if ps := (&Opinion{}).Validate(); len(ps) != 1 {
		t.Errorf("an empty opinion: %v", ps)
	}
}
