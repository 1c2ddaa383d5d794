package casefile

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func lawyersRepo(t *testing.T) (*Repo, *Case) {
	t.Helper()
	tbl, err := sqlitestore.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	r := &Repo{T: tbl}
	c := &Case{CaseNo: "案B1", Title: "某案", Unit: "u1", Stage: ArrestReview, Handler: Handler{Name: "刘", Phone: "1"}, Defendants: []string{"甲"}}
	if err := r.Create(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return r, c
}

func TestBindings(t *testing.T) {
	ctx := context.Background()
	r, c := lawyersRepo(t)
	var ps Problems
	if err := r.Bind(ctx, c.ID, &Binding{License: "123", Name: " "}); !errors.As(err, &ps) || len(ps) != 3 {
		t.Fatalf("invalid binding: %v", err)
	}
	if err := r.Bind(ctx, c.ID, &Binding{License: "11101201910010002", Name: "王", Phone: "1", Source: "forged"}); err != nil {
		t.Fatal(err)
	}
	// Rebinding replaces.
	if err := r.Bind(ctx, c.ID, &Binding{License: "11101201910010002", Name: "王", Phone: "2"}); err != nil {
		t.Fatal(err)
	}
	bs, err := r.Bindings(ctx, c.ID)
	if err != nil || len(bs) != 1 || bs[0].Phone != "2" || bs[0].Source != BoundExplicitly {
		t.Fatalf("bindings %+v %v", bs, err)
	}
	// Materials and bindings share the case partition without mixing.
	if ms, _ := r.Materials(ctx, c.ID); len(ms) != 0 {
		t.Fatalf("bindings listed as materials: %+v", ms)
	}
	src := func(ctx context.Context, caseID string) ([]Binding, error) {
		return []Binding{
			{License: "11101201910010002", Name: "王", Source: BoundByApplication}, // also explicit: explicit wins
			{License: "11101201910010001", Name: "张", Source: BoundByApplication},
		}, nil
	}
	all, err := r.BoundLawyers(ctx, c.ID, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintln(all[0].License, all[0].Source, all[1].License, all[1].Source, len(all)); got != "11101201910010001 application 11101201910010002 explicit 2\n" {
		t.Errorf("bound lawyers: %s", got)
	}
	if err := r.Unbind(ctx, c.ID, "11101201910010002"); err != nil {
		t.Fatal(err)
	}
	if err := r.Unbind(ctx, c.ID, "11101201910010002"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second unbind: %v", err)
	}
	if all, _ := r.BoundLawyers(ctx, c.ID, nil); len(all) != 0 {
		t.Errorf("after unbind: %+v", all)
	}
}

func TestCheckOpenAndConclude(t *testing.T) {
	ctx := context.Background()
	r, c := lawyersRepo(t)
	if err := r.CheckOpen(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	before, _ := r.Get(ctx, c.ID)
	if !before.UpdatedAt.Equal(c.UpdatedAt) {
		t.Errorf("CheckOpen changed UpdatedAt")
	}
	_, err := r.Conclude(ctx, c.ID, "clerk", func(context.Context, *Case) ([]string, error) { return []string{"o1", "o2"}, nil })
	var ue *UnansweredError
	if !errors.As(err, &ue) || len(ue.Items) != 2 {
		t.Fatalf("refused conclude: %v", err)
	}
	if got, _ := r.Get(ctx, c.ID); got.Concluded {
		t.Fatal("concluded despite the refusal")
	}
	got, err := r.Conclude(ctx, c.ID, "clerk", nil)
	if err != nil || !got.Concluded || got.ConcludedAt == nil {
		t.Fatalf("conclude: %+v %v", got, err)
	}
	if err := r.CheckOpen(ctx, c.ID); !errors.Is(err, ErrConcluded) {
		t.Errorf("CheckOpen on a concluded case: %v", err)
	}
}
