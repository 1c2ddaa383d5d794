package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/faults"
	"github.com/yuejuan/yuejuan/pkg/service"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// auditedEnv is the API on a real SQLite table behind a fault plan, with
// the lawyer service wired and the audit log's clock movable, so that a test
// can let service.SettleAge pass.
type auditedEnv struct {
	*fz
	plan   *faults.Plan
	caseID string
	mu     sync.Mutex
	skew   time.Duration
}

func newAuditedEnv(t *testing.T) *auditedEnv {
	t.Helper()
	e := &auditedEnv{plan: faults.NewPlan()}
	var tbl store.Table
	e.fz = newFzOn(t, func(t store.Table) store.Table { tbl = &faults.Table{T: t, Plan: e.plan}; return tbl })
	a := e.api
	a.Audit.Now = func() time.Time {
		e.mu.Lock()
		defer e.mu.Unlock()
		return time.Now().Add(e.skew)
	}
	c, err := a.Cases.GetByNo(t.Context(), e.caseNo)
	if err != nil {
		t.Fatal(err)
	}
	e.caseID = c.ID
	return e
}

// later moves the audit clock past service.SettleAge, as the next scheduler run
// after a crash would see it.
func (e *auditedEnv) later() {
	e.mu.Lock()
	e.skew += service.SettleAge + time.Minute
	e.mu.Unlock()
}

func (e *auditedEnv) count(t *testing.T, action string) int {
	t.Helper()
	n := 0
	err := e.api.Audit.Each(t.Context(), audit.Filter{Action: audit.Action(action)}, func(ev audit.Event) error {
		if ev.Result == audit.OK {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *auditedEnv) mustDo(t *testing.T, tok, method, path, body string, want int) []byte {
	t.Helper()
	w := e.do(tok, method, path, []byte(body))
	if w.Code != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, w.Code, want, w.Body.String())
	}
	return w.Body.Bytes()
}

func idOf(t *testing.T, raw []byte) string {
	t.Helper()
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.ID == "" {
		t.Fatalf("no id in %s", raw)
	}
	return v.ID
}

// audited is each decision recorded by intent: how to set it up (as the
// lawyer and the clerk would), and the request that makes it.
type auditedCase struct {
	action string
	setup  func(t *testing.T, e *auditedEnv) (path, body string)
	status int
	lawyer bool // the lawyer makes the request, not the clerk
}

func (c auditedCase) who(e *auditedEnv) string {
	if c.lawyer {
		return e.lawyer
	}
	return e.clerk
}

var audited = []auditedCase{
	{"application.submit", func(t *testing.T, e *auditedEnv) (string, string) {
		body, _ := json.Marshal(e.goodApplication())
		return "/api/v1/applications", string(body)
	}, http.StatusCreated, true},
	{"application.validate", func(t *testing.T, e *auditedEnv) (string, string) {
		body, _ := json.Marshal(e.goodApplication())
		return "/api/v1/applications", string(body)
	}, http.StatusCreated, true},
	{"application.decide", func(t *testing.T, e *auditedEnv) (string, string) {
		body, _ := json.Marshal(e.goodApplication())
		id := idOf(t, e.mustDo(t, e.lawyer, "POST", "/api/v1/applications", string(body), http.StatusCreated))
		return "/api/v1/applications/" + id + "/decision", `{"decision":"reject","reason":"委托书未签字"}`
	}, http.StatusOK, false},
	{"decision.record", func(t *testing.T, e *auditedEnv) (string, string) {
		return "/api/v1/cases/" + e.caseID + "/decisions", `{"kind":"prosecution_filed","text":"已提起公诉"}`
	}, http.StatusCreated, false},
	{"complaint.answer", func(t *testing.T, e *auditedEnv) (string, string) {
		id := idOf(t, e.mustDo(t, e.lawyer, "POST", "/api/v1/complaints",
			`{"caseNo":"`+e.caseNo+`","kind":"obstructed_review","description":"申请后五日未答复","phone":"13800000000"}`, http.StatusCreated))
		return "/api/v1/complaints/" + id + "/answer", `{"answer":"经查属实，已督促承办人当日答复。"}`
	}, http.StatusOK, false},
	{"opinion.reply", func(t *testing.T, e *auditedEnv) (string, string) {
		e.mustDo(t, e.clerk, "POST", "/api/v1/cases/"+e.caseID+"/lawyers",
			`{"license":"`+fzLicense+`","name":"张律师","firm":"某律所","phone":"13800000000","client":"张某"}`, http.StatusCreated)
		id := idOf(t, e.mustDo(t, e.lawyer, "POST", "/api/v1/cases/"+e.caseID+"/opinions", `{"text":"张某系初犯，建议从轻。"}`, http.StatusCreated))
		return "/api/v1/opinions/" + id + "/reply", `{"adopted":true,"reason":"初犯情节属实。"}`
	}, http.StatusOK, false},
	{"case.conclude", func(t *testing.T, e *auditedEnv) (string, string) {
		return "/api/v1/cases/" + e.caseID + "/conclude", ``
	}, http.StatusOK, false},
}

// TestAuditedDecisionSurvivesFailedAppend: the decision is stored, the
// append of its record fails; the clerk is answered as usual, and the record
// is in the chain, once, after the next scheduler run.
func TestAuditedDecisionSurvivesFailedAppend(t *testing.T) {
	for _, tc := range audited {
		t.Run(tc.action, func(t *testing.T) {
			e := newAuditedEnv(t)
			path, body := tc.setup(t, e)
			rule := e.plan.Add(faults.Rule{Op: faults.TablePut, Key: "audit/e#", DataContains: `"action":"` + tc.action + `"`, Count: -1})
			e.mustDo(t, tc.who(e), "POST", path, body, tc.status)
			if rule.Fired() == 0 {
				t.Fatal("the append was never tried")
			}
			if n := e.count(t, tc.action); n != 0 {
				t.Fatalf("%d records although every append failed", n)
			}
			e.plan.Reset()
			ctx := context.Background()
			if sum, err := e.api.SettleAudit(ctx); err != nil || sum != (audit.SettleSummary{}) {
				t.Fatalf("settle while the request may still be running: %+v %v, want nothing done", sum, err)
			}
			e.later()
			sum, err := e.api.SettleAudit(ctx)
			if err != nil || sum != (audit.SettleSummary{Appended: 1}) {
				t.Fatalf("settle: %+v %v, want the record appended", sum, err)
			}
			if n := e.count(t, tc.action); n != 1 {
				t.Fatalf("%d records of %s after the settle, want 1", n, tc.action)
			}
			e.later()
			if sum, _ := e.api.SettleAudit(ctx); sum != (audit.SettleSummary{}) {
				t.Fatalf("second settle did %+v", sum)
			}
			if r, err := e.api.Audit.Verify(ctx); err != nil || !r.OK {
				t.Fatalf("chain: %+v %v", r, err)
			}
		})
	}
}

// TestAuditedDecisionNotMadeWithoutIntent: if the intent cannot be stored,
// nothing is decided (the clerk gets an error and can simply retry).
func TestAuditedDecisionNotMadeWithoutIntent(t *testing.T) {
	for _, tc := range audited {
		t.Run(tc.action, func(t *testing.T) {
			e := newAuditedEnv(t)
			path, body := tc.setup(t, e)
			rule := e.plan.Add(faults.Rule{Op: faults.TablePut, Key: "audit#pending/", DataContains: `"action":"` + tc.action + `"`})
			defer func() {
				if n, _ := e.api.Audit.Pending(t.Context()); n != 0 {
					t.Errorf("%d intents left pending after the failed and the retried request", n)
				}
			}()
			w := e.do(tc.who(e), "POST", path, []byte(body))
			if rule.Fired() != 1 || w.Code != http.StatusInternalServerError {
				t.Fatalf("with the intent refused: %d (fault fired %d): %s", w.Code, rule.Fired(), w.Body.String())
			}
			// Nothing changed: the same request now goes through as a
			// first decision (not 409 already decided), with its record.
			e.mustDo(t, tc.who(e), "POST", path, body, tc.status)
			if n := e.count(t, tc.action); n != 1 {
				t.Fatalf("%d records of %s, want 1", n, tc.action)
			}
		})
	}
}

// TestAuditedDecisionCrashBeforeChange: the intent is stored, the change
// fails and so does the abort (the process died); the settle finds the
// decision was never stored and records nothing.
func TestAuditedDecisionCrashBeforeChange(t *testing.T) {
	e := newAuditedEnv(t)
	i := slices.IndexFunc(audited, func(c auditedCase) bool { return c.action == "application.decide" })
	path, body := audited[i].setup(t, e)
	e.plan.Add(faults.Rule{Op: faults.TablePut, Key: "app#", DataContains: `"status":"refused"`})
	e.plan.Add(faults.Rule{Op: faults.TableDelete, Key: "audit#pending/"})
	if w := e.do(e.clerk, "POST", path, []byte(body)); w.Code != http.StatusInternalServerError {
		t.Fatalf("decision with its store write failing: %d %s", w.Code, w.Body.String())
	}
	if n, _ := e.api.Audit.Pending(t.Context()); n != 1 {
		t.Fatalf("%d pending, want the orphaned intent", n)
	}
	e.later()
	sum, err := e.api.SettleAudit(t.Context())
	if err != nil || sum != (audit.SettleSummary{Dropped: 1}) {
		t.Fatalf("settle: %+v %v, want the intent dropped", sum, err)
	}
	if n := e.count(t, "application.decide"); n != 0 {
		t.Fatalf("a decision that never happened has %d records", n)
	}
	// The clerk's retry decides it, recorded once.
	e.mustDo(t, e.clerk, "POST", path, body, http.StatusOK)
	if n := e.count(t, "application.decide"); n != 1 {
		t.Fatalf("%d records after the retry", n)
	}
}
