package lawyerhttp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/notify"
)

var decisionKinds = []string{"arrest_review_accepted", "supplementary_investigation", "jurisdiction_change", "prosecution_filed", "other"}

// Every kind of notice reaches every lawyer bound to the case (one bound
// explicitly by the clerk and through an application, one through an
// application only), through the Notifier (the outbox) and on the lawyer's
// notice list; a lawyer not bound to the case gets none of them.
func TestEachNoticeKindReachesEachBoundLawyer(t *testing.T) {
	e := newEnv(t)
	const unit = "市检察院（告知）"
	clerk := e.token(auth.Clerk, "clerk-n1", "王书记员", unit)
	const licA, licB, licC = "11101201910010001", "11101201910010002", "11101201910010003"
	la := e.token(auth.Lawyer, licA, "张律师", "")
	lb := e.token(auth.Lawyer, licB, "王律师", "")
	lc := e.token(auth.Lawyer, licC, "赵律师", "")

	c1 := e.newCase(clerk, "京检刑诉〔2026〕101号", true, "甲某", "乙某")
	c2 := e.newCase(clerk, "京检刑诉〔2026〕102号", false, "丙某") // not open for internet review
	e.addMaterial(clerk, c1.ID)

	// B was retained before the review stage: the clerk binds B.
	e.call(clerk, "POST", "/api/v1/cases/"+c1.ID+"/lawyers", map[string]string{
		"license": licB, "name": "王律师", "firm": "北京某某律师事务所", "phone": "13900000000", "client": "乙某"}, http.StatusCreated, nil)
	appA := e.apply(la, licA, "张律师", c1.CaseNo, "甲某")
	appB := e.apply(lb, licB, "王律师", c1.CaseNo, "乙某")
	// C applies for the other case and is refused at once (no internet review).
	appC := e.apply(lc, licC, "赵律师", c2.CaseNo, "丙某")
	if appC.Status != "refused" {
		t.Fatalf("C's application: %s, want refused", appC.Status)
	}

	var bound struct {
		Lawyers []struct {
			License string `json:"license"`
			Source  string `json:"source"`
		} `json:"lawyers"`
	}
	e.call(clerk, "GET", "/api/v1/cases/"+c1.ID+"/lawyers", nil, http.StatusOK, &bound)
	if got := fmt.Sprint(bound.Lawyers); got != "[{"+licA+" application} {"+licB+" explicit}]" {
		t.Fatalf("bound lawyers %s", got)
	}

	// Each kind of procedural decision goes to A and B, with the handler.
	for _, k := range decisionKinds {
		var d struct {
			ID         string       `json:"id"`
			Notices    []string     `json:"notices"`
			Deliveries []noticeJSON `json:"deliveries"`
		}
		e.call(clerk, "POST", "/api/v1/cases/"+c1.ID+"/decisions", map[string]string{"kind": k, "text": "决定书已送达。"}, http.StatusCreated, &d)
		if len(d.Deliveries) != 2 {
			t.Fatalf("%s: %d deliveries, want 2", k, len(d.Deliveries))
		}
		for i, want := range []string{notify.Lawyer(licA), notify.Lawyer(licB)} {
			if x := d.Deliveries[i]; x.To != want || x.Status != "sent" || x.Attempts != 1 {
				t.Errorf("%s: delivery %d = %+v, want sent to %s", k, i, x, want)
			}
		}
	}
	var listed struct {
		Decisions []struct {
			Kind       string       `json:"kind"`
			Deliveries []noticeJSON `json:"deliveries"`
		} `json:"decisions"`
	}
	e.call(clerk, "GET", "/api/v1/cases/"+c1.ID+"/decisions", nil, http.StatusOK, &listed)
	if len(listed.Decisions) != 5 || listed.Decisions[0].Kind != "other" || len(listed.Decisions[0].Deliveries) != 2 || listed.Decisions[0].Deliveries[1].Status != "sent" {
		t.Errorf("decisions as listed: %+v", listed.Decisions)
	}

	// Both applications approved: decided, then ready, then (the link
	// lives 12 h) about to expire — once, however often the scheduler runs.
	for _, app := range []appRef{appA, appB} {
		e.call(clerk, "POST", "/api/v1/applications/"+app.ID+"/decision", map[string]string{"decision": "approve"}, http.StatusOK, nil)
	}
	for i, app := range []appRef{appA, appB} {
		tok := []string{la, lb}[i]
		// Ready, and the job finished what follows (the link.ready notice,
		// the expiry watch; the work mark goes last): before that, a tick
		// would not yet see the link to warn about.
		e.waitFor("the dossier of "+app.ID, func() bool {
			var got appRef
			e.call(tok, "GET", "/api/v1/applications/"+app.ID, nil, http.StatusOK, &got)
			work, err := e.s.API.Apps.PendingWork(context.Background())
			return got.Status == "ready" && err == nil && !slices.Contains(work, app.ID)
		})
	}
	e.tick()
	e.tick()

	// Opinions answered, complaints answered.
	for i, tok := range []string{la, lb} {
		ref := []string{c1.CaseNo, c1.ID}[i] // by case number or by id
		var o struct{ ID string }
		e.call(tok, "POST", "/api/v1/cases/"+ref+"/opinions", map[string]any{"text": "建议对甲某作出不起诉决定。"}, http.StatusCreated, &o)
		e.call(clerk, "POST", "/api/v1/opinions/"+o.ID+"/reply", map[string]any{"adopted": i == 0, "reason": "经审查，理由如下。"}, http.StatusOK, nil)
		var cp struct{ ID string }
		e.call(tok, "POST", "/api/v1/complaints", map[string]any{"caseNo": c1.CaseNo, "kind": "obstructed_review",
			"description": "阅卷时被要求出具不必要的材料。", "phone": "13800000000"}, http.StatusCreated, &cp)
		e.call(clerk, "POST", "/api/v1/complaints/"+cp.ID+"/answer", map[string]string{"answer": "已责令改正。"}, http.StatusOK, nil)
	}

	want := []string{"application.approved", "complaint.answered", "decision.arrest_review_accepted", "decision.jurisdiction_change",
		"decision.other", "decision.prosecution_filed", "decision.supplementary_investigation", "link.expiring", "link.ready", "opinion.answered"}
	ctx := context.Background()
	for i, tok := range []string{la, lb} {
		lic := []string{licA, licB}[i]
		ns := e.notices(tok)
		var kinds []string
		for _, n := range ns {
			kinds = append(kinds, n.Kind)
			if n.To != notify.Lawyer(lic) || n.Status != "sent" {
				t.Errorf("lawyer %s got %+v", lic, n)
			}
			if strings.HasPrefix(n.Kind, "decision.") {
				if n.Contact == nil || n.Contact.Name != "刘检察官" || n.Contact.Phone != "010-12345678" || !strings.Contains(n.Body, "010-12345678") {
					t.Errorf("decision notice without the handler's name and phone: %+v", n)
				}
			}
		}
		slices.Sort(kinds)
		if fmt.Sprint(kinds) != fmt.Sprint(want) {
			t.Errorf("lawyer %s notice kinds:\n got %v\nwant %v", lic, kinds, want)
		}
		// Delivered through the Notifier: the local outbox has each.
		out, err := e.s.Outbox.List(ctx, notify.Lawyer(lic))
		if err != nil || len(out) != len(ns) {
			t.Errorf("outbox of %s: %d notices (%v), want %d", lic, len(out), err, len(ns))
		}
	}
	// C, not bound to case 1, got only the refusal of C's own application.
	if ns := e.notices(lc); len(ns) != 1 || ns[0].Kind != "application.refused" || ns[0].CaseID != c2.ID || ns[0].Contact == nil {
		t.Errorf("unbound lawyer C got %+v, want only the refusal on case 2", ns)
	}
	if out, _ := e.s.Outbox.List(ctx, notify.Lawyer(licC)); len(out) != 1 {
		t.Errorf("outbox of C: %d notices, want 1", len(out))
	}
	// The unit sees what came in for it.
	var unitKinds []string
	for _, n := range e.notices(clerk) {
		unitKinds = append(unitKinds, n.Kind)
	}
	slices.Sort(unitKinds)
	if fmt.Sprint(unitKinds) != "[complaint.received complaint.received opinion.received opinion.received]" {
		t.Errorf("unit notices %v", unitKinds)
	}
	// Every send is in the audit log.
	p, err := e.s.API.Audit.Query(ctx, audit.Filter{CaseID: c1.ID, Action: "notice.send", Limit: 1000})
	if err != nil || len(p.Events) != 2*len(want)+4 {
		t.Errorf("notice.send records for case 1: %d (%v), want %d", len(p.Events), err, 2*len(want)+4)
	}
}

// flakyChannel fails the first n deliveries, then passes them on.
type flakyChannel struct {
	mu    sync.Mutex
	fails int
	inner notify.Notifier
}

func (f *flakyChannel) Deliver(ctx context.Context, n notify.Notice) error {
	f.mu.Lock()
	fail := f.fails > 0
	if fail {
		f.fails--
	}
	f.mu.Unlock()
	if fail {
		return errors.New("sms gateway: 503 service unavailable")
	}
	return f.inner.Deliver(ctx, n)
}

// A delivery that fails is left pending, retried by the scheduler, and both
// the failure and the eventual success are in the audit log.
func TestFailedDeliveryIsRetriedByTheScheduler(t *testing.T) {
	e := newEnv(t)
	const unit = "市检察院（重试）"
	clerk := e.token(auth.Clerk, "clerk-r1", "钱书记员", unit)
	const lic = "11101201910020001"
	lawyer := e.token(auth.Lawyer, lic, "孙律师", "")
	c := e.newCase(clerk, "京检刑诉〔2026〕201号", true, "丁某")
	e.call(clerk, "POST", "/api/v1/cases/"+c.ID+"/lawyers", map[string]string{
		"license": lic, "name": "孙律师", "phone": "13700000000"}, http.StatusCreated, nil)

	d := e.s.Notices
	channel, backoff := d.Channel, d.Backoff
	d.Channel = &flakyChannel{fails: 1, inner: e.s.Outbox}
	d.Backoff = func(int) time.Duration { return 0 } // due at the next tick
	t.Cleanup(func() { d.Channel, d.Backoff = channel, backoff })

	var rec struct {
		Deliveries []noticeJSON `json:"deliveries"`
	}
	e.call(clerk, "POST", "/api/v1/cases/"+c.ID+"/decisions", map[string]string{"kind": "supplementary_investigation"}, http.StatusCreated, &rec)
	if len(rec.Deliveries) != 1 || rec.Deliveries[0].Status != "pending" || rec.Deliveries[0].Attempts != 1 {
		t.Fatalf("after the failed attempt: %+v, want one pending delivery", rec.Deliveries)
	}
	id := rec.Deliveries[0].ID
	// The lawyer already sees it on the page; the channel has not got it.
	if ns := e.notices(lawyer); len(ns) != 1 || ns[0].Status != "pending" {
		t.Fatalf("lawyer's notices before the retry: %+v", ns)
	}
	if out, _ := e.s.Outbox.List(t.Context(), notify.Lawyer(lic)); len(out) != 0 {
		t.Fatalf("outbox has %d notices before the retry", len(out))
	}
	e.tick()
	if ns := e.notices(lawyer); len(ns) != 1 || ns[0].Status != "sent" || ns[0].Attempts != 2 {
		t.Fatalf("lawyer's notices after the retry: %+v", ns)
	}
	if out, _ := e.s.Outbox.List(t.Context(), notify.Lawyer(lic)); len(out) != 1 || out[0].ID != id {
		t.Fatalf("outbox after the retry: %+v", out)
	}
	p, err := e.s.API.Audit.Query(t.Context(), audit.Filter{CaseID: c.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var trail []string
	for _, ev := range p.Events {
		if ev.Detail["notice"] == id {
			trail = append(trail, fmt.Sprintf("%s/%s/%s", ev.Action, ev.Result, ev.Detail["attempt"]))
			if ev.Target != notify.Lawyer(lic) {
				t.Errorf("audit record %s targets %s", ev.Action, ev.Target)
			}
		}
	}
	if got := fmt.Sprint(trail); got != "[notice.fail/failed/1 notice.send/ok/2]" {
		t.Fatalf("audit trail of the notice: %s", got)
	}
	// The clerk sees the delivery history on the decision.
	var listed struct {
		Decisions []struct {
			Deliveries []noticeJSON `json:"deliveries"`
		} `json:"decisions"`
	}
	e.call(clerk, "GET", "/api/v1/cases/"+c.ID+"/decisions", nil, http.StatusOK, &listed)
	if x := listed.Decisions[0].Deliveries[0]; x.Status != "sent" || x.Attempts != 2 {
		t.Errorf("decision delivery as listed: %+v", x)
	}
}
