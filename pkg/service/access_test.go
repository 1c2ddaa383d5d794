package service

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

const license = "11101201910012345"

var (
	clerk    = Caller{Identity: auth.Identity{Subject: "clerk01", Name: "王书记员", Role: auth.Clerk, Unit: "市检察院"}}
	stranger = Caller{Identity: auth.Identity{Subject: "clerk02", Name: "赵书记员", Role: auth.Clerk, Unit: "区检察院"}}
	auditor  = Caller{Identity: auth.Identity{Subject: "audit01", Role: auth.Auditor}}
	lawyer   = Caller{Identity: auth.Identity{Subject: license, Name: "张律师", Role: auth.Lawyer}}
	other    = Caller{Identity: auth.Identity{Subject: "11101201910099999", Name: "李律师", Role: auth.Lawyer}}
)

func newService(t *testing.T) *Service {
	t.Helper()
	tb, err := sqlitestore.Open(filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Close() })
	return New(tb, nil, nil, nil, slog.New(slog.DiscardHandler))
}

func registerCase(t *testing.T, s *Service) *casefile.Case {
	t.Helper()
	cs, err := s.RegisterCase(t.Context(), clerk, &casefile.Case{CaseNo: "京检刑诉〔2026〕7号", Title: "张某盗窃案", Stage: casefile.ProsecutionReview,
		OnlineReview: true, Handler: casefile.Handler{Name: "刘检察官", Phone: "010-1"}, Defendants: []string{"张某"}})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// denials is how many access.deny records the log holds for case id.
func denials(t *testing.T, s *Service, caseID string) int {
	t.Helper()
	p, err := s.Audit.Query(t.Context(), audit.Filter{Action: audit.AccessDeny, CaseID: caseID})
	if err != nil {
		t.Fatal(err)
	}
	return len(p.Events)
}

// A case is the clerks' of its unit and any auditor's; to anyone else it
// does not exist, and the attempt is audited.
func TestCaseFor(t *testing.T) {
	s := newService(t)
	cs := registerCase(t, s)
	if cs.Unit != clerk.Unit {
		t.Fatalf("registered for unit %q, want the clerk's", cs.Unit)
	}
	for _, c := range []Caller{clerk, auditor} {
		if _, err := s.CaseFor(t.Context(), c, cs.ID); err != nil {
			t.Errorf("%s: %v", c.Subject, err)
		}
	}
	for i, c := range []Caller{stranger, lawyer} {
		_, err := s.CaseFor(t.Context(), c, cs.ID)
		if ErrorCode(err) != CaseNotFound {
			t.Errorf("%s: %v, want %s", c.Subject, err, CaseNotFound)
		}
		if n := denials(t, s, cs.ID); n != i+1 {
			t.Errorf("%s: %d denials recorded, want %d", c.Subject, n, i+1)
		}
	}
	if _, err := s.CaseFor(t.Context(), clerk, "nope"); ErrorCode(err) != CaseNotFound {
		t.Errorf("no such case: %v", err)
	}
	_, err := s.RegisterCase(t.Context(), clerk, &casefile.Case{CaseNo: cs.CaseNo, Title: "t", Stage: casefile.Trial,
		Handler: casefile.Handler{Name: "n", Phone: "p"}, Defendants: []string{"d"}})
	var e *Error
	if !errors.As(err, &e) || e.Code != DuplicateCase || e.Message != "案号“京检刑诉〔2026〕7号”已登记，请勿重复登记 (this case number is already registered)" {
		t.Errorf("the same case number again: %v", err)
	}
}

// A lawyer bound to a case reaches it by its id or its number; another
// lawyer does not, and is audited.
func TestBoundCase(t *testing.T) {
	s := newService(t)
	cs := registerCase(t, s)
	if _, err := s.Bind(t.Context(), clerk, cs, &casefile.Binding{License: license, Name: "张律师", Phone: "139", Client: "王某"}); ErrorCode(err) != Invalid {
		t.Errorf("a client who is no defendant: %v", err)
	}
	if _, err := s.Bind(t.Context(), clerk, cs, &casefile.Binding{License: license, Name: "张律师", Phone: "139", Client: "张某"}); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{cs.ID, cs.CaseNo} {
		if _, b, err := s.BoundCase(t.Context(), lawyer, ref); err != nil || b.Phone != "139" {
			t.Errorf("bound lawyer by %s: %v %v", ref, b, err)
		}
	}
	if _, _, err := s.BoundCase(t.Context(), other, cs.ID); ErrorCode(err) != CaseNotFound || denials(t, s, cs.ID) != 1 {
		t.Errorf("another lawyer: %v", err)
	}
	if err := s.Unbind(t.Context(), clerk, cs, other.Subject); ErrorCode(err) != BindingNotFound {
		t.Errorf("unbind a lawyer never bound: %v", err)
	}
	if err := s.Unbind(t.Context(), clerk, cs, " "+license+" "); err != nil {
		t.Errorf("unbind: %v", err)
	}
}

// The download link is the applying lawyer's alone, and only while the
// dossier is ready and the link live.
func TestLinkShown(t *testing.T) {
	s := newService(t)
	now := time.Now().UTC() // the store expires the link record by the wall clock
	s.Now = func() time.Time { return now }
	ctx := context.Background()
	l := &link.Link{ID: casefile.NewID(), ApplicationID: "a1", CaseID: "c1", Lawyer: license, ExpiresAt: now.Add(time.Hour), MaxDownloads: 3}
	if err := s.Links.Create(ctx, l); err != nil {
		t.Fatal(err)
	}
	app := &application.Application{ID: "a1", Lawyer: application.Lawyer{License: license}, Unit: clerk.Unit, Status: application.Ready, LinkID: l.ID}
	if got := s.LinkShown(ctx, lawyer, app); got == nil || got.ID != l.ID {
		t.Errorf("the applying lawyer is not shown the link: %v", got)
	}
	for _, c := range []Caller{other, clerk, auditor} {
		if got := s.LinkShown(ctx, c, app); got != nil {
			t.Errorf("%s is shown the link", c.Subject)
		}
	}
	if v := s.View(ctx, clerk, app); v.Link != nil || v.App.LinkID != "" || v.App.CopyKey != "" {
		t.Errorf("the clerk's view: %+v", v)
	}
	s.Now = func() time.Time { return now.Add(2 * time.Hour) }
	if got := s.LinkShown(ctx, lawyer, app); got != nil {
		t.Errorf("an expired link is shown")
	}
}
