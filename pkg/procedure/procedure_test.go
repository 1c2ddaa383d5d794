package procedure

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func TestBoundLawyersAndDecisions(t *testing.T) {
	ctx := context.Background()
	tbl, err := sqlitestore.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	cases := &casefile.Repo{T: tbl}
	apps := &application.Repo{T: tbl}
	mkCase := func(no string) *casefile.Case {
		c := &casefile.Case{CaseNo: no, Title: "某案", Unit: "u1", Stage: casefile.ProsecutionReview,
			Handler: casefile.Handler{Name: "刘检察官", Phone: "010-1"}, Defendants: []string{"甲", "乙"}}
		if err := cases.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c1, c2 := mkCase("案1"), mkCase("案2")
	mkApp := func(c *casefile.Case, lic string, st application.Status) {
		a := &application.Application{CaseID: c.ID, CaseNo: c.CaseNo, Unit: c.Unit, Client: "甲", Status: st, Deadline: "2026-10-08",
			Lawyer: application.Lawyer{License: lic, Name: "律师" + lic[len(lic)-1:], Phone: "13" + lic[len(lic)-1:]}, SubmittedAt: time.Now()}
		if _, _, err := apps.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	mkApp(c1, "11101201910010001", application.PendingReview)
	mkApp(c1, "11101201910010002", application.Ready)
	mkApp(c1, "11101201910010003", application.Refused)  // ended: not bound
	mkApp(c2, "11101201910010004", application.Approved) // another case
	if err := cases.Bind(ctx, c1.ID, &casefile.Binding{License: "11101201910010005", Name: "律师5", Phone: "135"}); err != nil {
		t.Fatal(err)
	}
	l := &Lawyers{Cases: cases, Apps: apps}
	bound, err := l.Bound(ctx, c1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range bound {
		got = append(got, b.License[len(b.License)-1:]+":"+b.Source)
	}
	if fmt.Sprint(got) != "[1:application 2:application 5:explicit]" {
		t.Fatalf("bound to case 1: %v", got)
	}
	if b, _ := l.Binding(ctx, c1, "11101201910010003"); b != nil {
		t.Errorf("a lawyer with a refused application is bound: %+v", b)
	}
	if b, _ := l.Binding(ctx, c1, "11101201910010002"); b == nil || b.Phone != "132" {
		t.Errorf("binding through the ready application: %+v", b)
	}

	r := &Repo{T: tbl}
	var ps casefile.Problems
	if err := r.Create(ctx, &Decision{CaseID: c1.ID, Kind: Other}); !errors.As(err, &ps) || len(ps) != 2 {
		t.Fatalf("invalid decision: %v", err)
	}
	d := &Decision{CaseID: c1.ID, CaseNo: c1.CaseNo, Unit: "u1", Kind: ProsecutionFiled, Handler: c1.Handler, By: "clerk",
		At: time.Date(2026, 10, 9, 2, 0, 0, 0, time.UTC)}
	if err := r.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	d2 := &Decision{CaseID: c1.ID, Kind: Other, Text: "变更强制措施", Handler: c1.Handler}
	if err := r.Create(ctx, d2); err != nil {
		t.Fatal(err)
	}
	list, err := r.List(ctx, c1.ID)
	if err != nil || len(list) != 2 || list[0].ID != d2.ID || list[1].Label != "提起公诉" {
		t.Fatalf("decisions %+v %v", list, err)
	}
	n := DecisionNotice(d, bound[0])
	if n.ID != NoticeID(d.ID, bound[0].License) || n.To != "lawyer:"+bound[0].License || n.Phone != "131" ||
		n.Contact == nil || n.Contact.Phone != "010-1" || !strings.Contains(n.Body, "2026-10-09 10:00") || !strings.Contains(n.Body, "承办人：刘检察官，电话 010-1") {
		t.Errorf("decision notice %+v", n)
	}
}

func TestApplicationNotices(t *testing.T) {
	h := casefile.Handler{Name: "刘检察官", Phone: "010-1"}
	a := &application.Application{ID: "a1", CaseID: "c1", CaseNo: "案1", Unit: "u1", Lawyer: application.Lawyer{License: "L1", Phone: "138"},
		Reply: &application.Reply{Decision: "reject", Reason: "委托手续不全", Contact: &h}}
	n := ApplicationDecided(a)
	if n.Kind != "application.refused" || !strings.Contains(n.Body, "委托手续不全") || !strings.Contains(n.Body, "010-1") || n.Contact == nil {
		t.Errorf("refusal notice %+v", n)
	}
	a.Reply = &application.Reply{Decision: "approve", Contact: &h}
	if n := ApplicationDecided(a); n.Kind != "application.approved" || n.ID != "app-decided-a1" {
		t.Errorf("approval notice %+v", n)
	}
	l := &link.Link{ID: "a1-v1", ExpiresAt: time.Date(2026, 10, 16, 2, 0, 0, 0, time.UTC), MaxDownloads: 5, Used: 2}
	if n := LinkReady(a, l); n.Kind != "link.ready" || strings.Contains(n.Body, "/d/") || !strings.Contains(n.Body, "2026-10-16 10:00") {
		t.Errorf("ready notice %+v", n)
	}
	if n := LinkExpiring(a, l); n.ID != "link-expiring-a1-v1" || !strings.Contains(n.Body, "尚可下载 3 次") {
		t.Errorf("expiring notice %+v", n)
	}
}

// gsi2Counter counts queries on GSI2, where a unit's applications are listed.
type gsi2Counter struct {
	store.Table
	n atomic.Int64
}

func (c *gsi2Counter) Query(ctx context.Context, q store.Query) (store.Page, error) {
	if q.Index == store.GSI2 {
		c.n.Add(1)
	}
	return c.Table.Query(ctx, q)
}

// Finding a case's lawyers reads the case's applications, not the unit's:
// after the one backfill of the unit, the unit is never listed again, and a
// broken application of another case in the unit does not stop the notices.
func TestBoundLawyersDoNotScanTheUnit(t *testing.T) {
	ctx := context.Background()
	sq, err := sqlitestore.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	tbl := &gsi2Counter{Table: sq}
	cases := &casefile.Repo{T: tbl}
	apps := &application.Repo{T: tbl}
	mkCase := func(no string) *casefile.Case {
		c := &casefile.Case{CaseNo: no, Title: "某案", Unit: "u1", Stage: casefile.ProsecutionReview,
			Handler: casefile.Handler{Name: "刘检察官", Phone: "010-1"}, Defendants: []string{"甲"}}
		if err := cases.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c1, c2 := mkCase("案1"), mkCase("案2")
	mkApp := func(c *casefile.Case, lic string) *application.Application {
		a := &application.Application{CaseID: c.ID, CaseNo: c.CaseNo, Unit: c.Unit, Client: "甲", Status: application.PendingReview,
			Deadline: "2026-10-08", Lawyer: application.Lawyer{License: lic, Name: "律师" + lic[len(lic)-1:]}, SubmittedAt: time.Now()}
		if _, _, err := apps.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	legacy := mkApp(c1, "11101201910010001")
	other := mkApp(c2, "11101201910010002")
	// legacy stands for an application stored before the per-case index:
	// remove its index item.
	if it, err := sq.Get(ctx, "case#"+c1.ID+"#apps", legacy.ID); err != nil {
		t.Fatalf("no index item for a new application: %v", err)
	} else if err := sq.Delete(ctx, it.PK, it.SK, it.Version); err != nil {
		t.Fatal(err)
	}
	l := &Lawyers{Cases: cases, Apps: apps}
	licenses := func(c *casefile.Case) string {
		t.Helper()
		bound, err := l.Bound(ctx, c)
		if err != nil {
			t.Fatalf("Bound(%s): %v", c.CaseNo, err)
		}
		var out []string
		for _, b := range bound {
			out = append(out, b.License[len(b.License)-1:])
		}
		return fmt.Sprint(out)
	}
	if got := licenses(c1); got != "[1]" {
		t.Fatalf("bound to case 1 = %s, want [1] (the application from before the index, backfilled)", got)
	}
	if n := tbl.n.Load(); n != 1 {
		t.Fatalf("the first look-up listed the unit %d times, want once (the backfill)", n)
	}

	// Break case 2's application record: listing the unit now fails.
	it, err := sq.Get(ctx, "app#"+other.ID, "app")
	if err != nil {
		t.Fatal(err)
	}
	it.Data = []byte(`{"id": broken`)
	if _, err := sq.Put(ctx, it); err != nil {
		t.Fatal(err)
	}
	if _, err := apps.ByUnit(ctx, "u1", false); err == nil {
		t.Fatal("listing the unit reads a broken record without error; the check below would prove nothing")
	}
	tbl.n.Store(0)
	mkApp(c1, "11101201910010003")
	if err := cases.Bind(ctx, c1.ID, &casefile.Binding{License: "11101201910010005", Name: "律师5", Phone: "135"}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if got := licenses(c1); got != "[1 3 5]" {
			t.Errorf("bound to case 1 = %s, want [1 3 5]", got)
		}
	}
	if n := tbl.n.Load(); n != 0 {
		t.Errorf("finding case 1's lawyers listed the unit's applications: %d GSI2 queries, want none", n)
	}
}
