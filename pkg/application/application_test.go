package application

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

const lawyerNo = "13101201710123456"

func testCase() *casefile.Case {
	return &casefile.Case{
		ID: "01jmcase", CaseNo: "沪黄检刑诉〔2026〕12号", Title: "张某某盗窃案", Unit: "310101",
		Stage: casefile.ProsecutionReview, OnlineReview: true,
		Handler:    casefile.Handler{Name: "陈检察官", Phone: "021-12345678"},
		Defendants: []string{"张某某", "李某"},
	}
}

func att(id string, k AttachmentKind) *Attachment {
	return &Attachment{ID: id, Kind: k, Filename: id + ".pdf", Owner: lawyerNo, Uploaded: true, ContentType: "application/pdf"}
}

// validCheck is a complete, correct online application by a defence lawyer.
func validCheck() Check {
	return Check{
		App: &Application{
			CaseNo: "沪黄检刑诉〔2026〕12号", Client: "张某某",
			Lawyer:      Lawyer{Name: "王律师", License: lawyerNo, Firm: "某某律师事务所", Phone: "13800000000"},
			Attachments: []string{"cert", "firm", "poa"},
		},
		SignedName:  "王律师",
		Case:        testCase(),
		Attachments: []*Attachment{att("cert", PracticeCertificate), att("firm", FirmLetter), att("poa", PowerOfAttorney)},
	}
}

func problemFields(ps Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Field)
	}
	return out
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Check)
		want   []string // fields with a problem, in order
	}{
		{"complete and correct", func(*Check) {}, nil},
		{"licence of 16 digits", func(c *Check) { c.App.Lawyer.License = "1310120171012345" }, []string{"lawyer.license"}},
		{"licence with letters", func(c *Check) { c.App.Lawyer.License = "1310120171012345X" }, []string{"lawyer.license"}},
		{"no licence", func(c *Check) { c.App.Lawyer.License = "" }, []string{"lawyer.license"}},
		{"legacy 12-digit licence is accepted", func(c *Check) { c.App.Lawyer.License = "310120171012" }, nil},
		{"name differs from the signed-in lawyer", func(c *Check) { c.App.Lawyer.Name = "赵律师" }, []string{"lawyer.name"}},
		{"no name", func(c *Check) { c.App.Lawyer.Name = " " }, []string{"lawyer.name"}},
		{"registered by a clerk: name not compared", func(c *Check) { c.SignedName, c.App.Channel = "", Hotline }, nil},
		{"no law firm", func(c *Check) { c.App.Lawyer.Firm = "" }, []string{"lawyer.firm"}},
		{"no phone", func(c *Check) { c.App.Lawyer.Phone = "  " }, []string{"lawyer.phone"}},
		{"unknown kind", func(c *Check) { c.App.Kind = "prosecutor" }, []string{"kind"}},
		{"no case number", func(c *Check) { c.App.CaseNo, c.Case = "", nil }, []string{"caseNo"}},
		{"unknown case", func(c *Check) { c.Case = nil }, []string{"caseNo"}},
		{"case under investigation", func(c *Check) { c.Case.Stage = casefile.Investigation }, []string{"caseNo"}},
		{"case at arrest review", func(c *Check) { c.Case.Stage = casefile.ArrestReview }, []string{"caseNo"}},
		{"case at trial", func(c *Check) { c.Case.Stage = casefile.Trial }, nil},
		{"no client", func(c *Check) { c.App.Client = "" }, []string{"client"}},
		{"client is not a defendant", func(c *Check) { c.App.Client = "王某" }, []string{"client"}},
		{"victim's agent: client need not be a defendant", func(c *Check) { c.App.Kind, c.App.Client = VictimAgent, "被害人刘某" }, nil},
		{"no practice certificate", func(c *Check) {
			c.App.Attachments, c.Attachments = c.App.Attachments[1:], c.Attachments[1:]
		}, []string{"attachments.practice_certificate"}},
		{"no firm letter", func(c *Check) {
			c.App.Attachments = []string{"cert", "poa"}
			c.Attachments = []*Attachment{c.Attachments[0], c.Attachments[2]}
		}, []string{"attachments.firm_letter"}},
		{"no power of attorney", func(c *Check) {
			c.App.Attachments, c.Attachments = c.App.Attachments[:2], c.Attachments[:2]
		}, []string{"attachments.power_of_attorney"}},
		{"legal-aid letter instead of power of attorney", func(c *Check) {
			c.Attachments[2] = att("poa", LegalAidLetter)
		}, nil},
		{"no attachments at all", func(c *Check) { c.App.Attachments, c.Attachments = nil, nil },
			[]string{"attachments.practice_certificate", "attachments.firm_letter", "attachments.power_of_attorney"}},
		// Each problem once (issue 16, defect 6): a document sent but
		// unusable is named at its file, not again as missing.
		{"power of attorney never uploaded", func(c *Check) { c.Attachments[2].Uploaded = false },
			[]string{"attachments[2]"}},
		{"firm letter is an HTML page", func(c *Check) { c.Attachments[1].ContentType = "text/html" },
			[]string{"attachments[1]"}},
		{"firm letter refused when it arrived", func(c *Check) {
			c.Attachments[1].Verdict, c.Attachments[1].Reason = AttachmentRefused, "附件“firm.pdf”是无法打开的 PDF"
		}, []string{"attachments[1]"}},
		{"certificate is a JPEG photo", func(c *Check) { c.Attachments[0].ContentType = "image/jpeg" }, nil},
		{"attachment not found or someone else's", func(c *Check) { c.Attachments[0] = nil },
			[]string{"attachments[0]", "attachments.practice_certificate"}},
		{"more ids than records", func(c *Check) { c.App.Attachments = append(c.App.Attachments, "extra") },
			[]string{"attachments[3]"}},
		{"everything wrong is reported at once", func(c *Check) {
			c.App.Lawyer = Lawyer{Name: "赵律师", License: "123"}
			c.App.Client = "王某"
			c.Case.Stage = casefile.Investigation
			c.Attachments[0].Uploaded = false
			c.Attachments[1].ContentType = "application/zip"
			c.Attachments[2] = nil
		}, []string{"lawyer.license", "lawyer.name", "lawyer.firm", "lawyer.phone", "caseNo", "client",
			"attachments[0]", "attachments[1]", "attachments[2]", "attachments.power_of_attorney"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validCheck()
			tc.change(&c)
			ps := Validate(c)
			if got := problemFields(ps); !slices.Equal(got, tc.want) {
				t.Errorf("problems with %v, want %v\n%v", got, tc.want, ps)
			}
			if tc.want == nil && ps != nil {
				t.Errorf("Validate returned a non-nil empty list")
			}
			for _, p := range ps {
				if p.Message == "" {
					t.Errorf("problem on %s has no message", p.Field)
				}
			}
		})
	}
}

func TestValidateMessagesTellWhatToFix(t *testing.T) {
	c := validCheck()
	c.App.Attachments, c.Attachments = nil, nil
	msgs := Validate(c).Error()
	for _, want := range []string{"practice_certificate", "firm_letter", "授权委托书或法律援助公函"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("problems %q do not mention %q", msgs, want)
		}
	}
	c = validCheck()
	c.App.Client = "王某"
	if msg := Validate(c).Error(); !strings.Contains(msg, "王某") {
		t.Errorf("client problem %q does not name the client", msg)
	}
}

func TestValidateNormalises(t *testing.T) {
	c := validCheck()
	c.App.Lawyer = Lawyer{Name: " 王律师 ", License: " 310120171012 ", Firm: " 某某律师事务所\t", Phone: " 13800000000 "}
	c.App.Client, c.App.CaseNo = " 张某某 ", " 沪黄检刑诉〔2026〕12号 "
	c.App.Flags = []string{"stale"}
	if ps := Validate(c); ps != nil {
		t.Fatalf("problems: %v", ps)
	}
	a := c.App
	if a.Lawyer != (Lawyer{Name: "王律师", License: "310120171012", Firm: "某某律师事务所", Phone: "13800000000"}) || a.Client != "张某某" || a.CaseNo != "沪黄检刑诉〔2026〕12号" {
		t.Errorf("not trimmed: %+v", a)
	}
	if !slices.Equal(a.Flags, []string{"legacy_license_12_digits"}) {
		t.Errorf("flags = %v, want only the legacy licence flag", a.Flags)
	}
	if a.Kind != Defence || a.Channel != Online {
		t.Errorf("defaults: kind %q channel %q, want defence/online", a.Kind, a.Channel)
	}
	c = validCheck()
	Validate(c)
	if len(c.App.Flags) != 0 {
		t.Errorf("a 17-digit licence is flagged: %v", c.App.Flags)
	}
}

func TestIneligible(t *testing.T) {
	tests := []struct {
		name     string
		change   func(*casefile.Case)
		eligible bool
		mention  []string
	}{
		{"open for online review", func(*casefile.Case) {}, true, nil},
		{"online review not enabled", func(c *casefile.Case) { c.OnlineReview = false }, false, []string{"未开通互联网阅卷"}},
		{"state secrets", func(c *casefile.Case) { c.Exclusions = []casefile.Exclusion{casefile.StateSecrets} }, false, []string{"涉及国家秘密"}},
		{"minor and co-offenders at large", func(c *casefile.Case) {
			c.Exclusions = []casefile.Exclusion{casefile.Minor, casefile.CoOffendersAtLarge}
		}, false, []string{"涉及未成年人", "有同案犯在逃"}},
		{"excluded and not enabled", func(c *casefile.Case) {
			c.OnlineReview = false
			c.Exclusions = []casefile.Exclusion{casefile.WitnessProtection}
		}, false, []string{"涉及证人保护"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := testCase()
			tc.change(c)
			why := Ineligible(c)
			if tc.eligible {
				if why != "" {
					t.Errorf("Ineligible = %q, want eligible", why)
				}
				return
			}
			// The refusal must send the lawyer to on-site review and say
			// whom to call.
			for _, want := range append(tc.mention, "现场阅卷", c.Handler.Name, c.Handler.Phone, "12309") {
				if !strings.Contains(why, want) {
					t.Errorf("reason %q does not mention %q", why, want)
				}
			}
		})
	}
}

func TestCanMove(t *testing.T) {
	all := []Status{Submitted, PendingReview, Approved, Ready, Refused, Expired}
	allowed := map[[2]Status]bool{
		{Submitted, PendingReview}: true, {Submitted, Refused}: true,
		{PendingReview, Approved}: true, {PendingReview, Refused}: true,
		{Approved, Ready}: true, {Approved, Refused}: true,
		{Ready, Ready}: true, {Ready, Expired}: true, {Ready, Refused}: true,
		{Expired, Ready}: true, // a new link after the old one expired (Reopen)
	}
	for _, from := range all {
		for _, to := range all {
			if got, want := CanMove(from, to), allowed[[2]Status{from, to}]; got != want {
				t.Errorf("CanMove(%s, %s) = %v, want %v", from, to, got, want)
			}
		}
	}
	for _, s := range []Status{Refused, Expired} {
		if s.Live() {
			t.Errorf("%s is live; it is an end", s)
		}
	}
	for _, s := range []Status{Submitted, PendingReview, Approved, Ready} {
		if !s.Live() {
			t.Errorf("%s is not live", s)
		}
	}
}

func TestMove(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	a := &Application{Status: Submitted}
	if err := a.Move(Approved, "clerk-1", "", at); !errors.Is(err, ErrTransition) {
		t.Errorf("submitted → approved without review: %v, want ErrTransition", err)
	}
	if a.Status != Submitted || len(a.History) != 0 {
		t.Errorf("a refused move changed the application: %+v", a)
	}
	if err := a.Move(PendingReview, "system", "", at); err != nil {
		t.Fatal(err)
	}
	if err := a.Move(Refused, "clerk-1", "材料不全", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	want := []Transition{
		{From: Submitted, To: PendingReview, At: at, By: "system"},
		{From: PendingReview, To: Refused, At: at.Add(time.Hour), By: "clerk-1", Reason: "材料不全"},
	}
	if a.Status != Refused || !slices.Equal(a.History, want) {
		t.Errorf("history = %+v, want %+v", a.History, want)
	}
	if err := a.Move(PendingReview, "x", "", at); !errors.Is(err, ErrTransition) {
		t.Errorf("moved out of refused: %v", err)
	}
}

func newRepo(t *testing.T) *Repo {
	t.Helper()
	tb, err := sqlitestore.Open(filepath.Join(t.TempDir(), "apps.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Close() })
	return &Repo{T: tb}
}

var submitted = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func newApp(license, caseID string) *Application {
	return &Application{
		CaseID: caseID, CaseNo: "号-" + caseID, Unit: "310101", Client: "张某某", Kind: Defence, Channel: Online,
		Lawyer: Lawyer{Name: "王律师", License: license, Firm: "某某律师事务所", Phone: "13800000000"},
		Status: Submitted, SubmittedAt: submitted, Deadline: "2026-03-05",
		History: []Transition{{To: Submitted, At: submitted, By: license}},
	}
}

func TestCreateIsIdempotentPerLawyerAndCase(t *testing.T) {
	onStores(t, testCreateIsIdempotentPerLawyerAndCase)
}

func testCreateIsIdempotentPerLawyerAndCase(t *testing.T, newRepo func(*testing.T) *Repo) {
	r := newRepo(t)
	first, created, err := r.Create(t.Context(), newApp(lawyerNo, "c1"))
	if err != nil || !created || first.ID == "" {
		t.Fatalf("first Create = %+v, %v, %v", first, created, err)
	}
	again, created, err := r.Create(t.Context(), newApp(lawyerNo, "c1"))
	if err != nil {
		t.Fatal(err)
	}
	if created || again.ID != first.ID {
		t.Errorf("second submit for the same case: created=%v id %s, want the existing %s", created, again.ID, first.ID)
	}
	if _, created, _ := r.Create(t.Context(), newApp(lawyerNo, "c2")); !created {
		t.Error("the same lawyer could not apply for another case")
	}
	if _, created, _ := r.Create(t.Context(), newApp("13101201710999999", "c1")); !created {
		t.Error("another lawyer could not apply for the same case")
	}
	// Still one while it is being handled, approved or ready.
	for _, to := range []Status{PendingReview, Approved, Ready} {
		if _, err := r.Update(t.Context(), first.ID, func(a *Application) error { return a.Move(to, "clerk-1", "", submitted) }); err != nil {
			t.Fatal(err)
		}
		if got, created, err := r.Create(t.Context(), newApp(lawyerNo, "c1")); err != nil || created || got.ID != first.ID {
			t.Errorf("submit while %s: created=%v id %s err %v, want the existing one", to, created, got.ID, err)
		}
	}
	apps, err := r.ByLawyer(t.Context(), lawyerNo)
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 2 {
		t.Errorf("lawyer has %d applications, want 2 (c1 and c2)", len(apps))
	}
}

func TestConcurrentCreateMakesOne(t *testing.T) { onStores(t, testConcurrentCreateMakesOne) }

func testConcurrentCreateMakesOne(t *testing.T, newRepo func(*testing.T) *Repo) {
	r := newRepo(t)
	const n = 20
	var wg sync.WaitGroup
	type result struct {
		id      string
		created bool
		err     error
	}
	res := make([]result, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			a, created, err := r.Create(t.Context(), newApp(lawyerNo, "c1"))
			if err == nil {
				res[i] = result{a.ID, created, nil}
			} else {
				res[i] = result{err: err}
			}
		})
	}
	close(start)
	wg.Wait()
	ids := map[string]bool{}
	createdN := 0
	for _, x := range res {
		if x.err != nil {
			t.Errorf("Create: %v", x.err)
			continue
		}
		ids[x.id] = true
		if x.created {
			createdN++
		}
	}
	if createdN != 1 || len(ids) != 1 {
		t.Errorf("%d submits created %d applications with %d distinct ids, want 1 and 1", n, createdN, len(ids))
	}
	apps, err := r.ByLawyer(t.Context(), lawyerNo)
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 1 {
		t.Errorf("%d applications stored, want 1", len(apps))
	}
}

func TestCreateAfterEnd(t *testing.T) { onStores(t, testCreateAfterEnd) }

func testCreateAfterEnd(t *testing.T, newRepo func(*testing.T) *Repo) {
	for _, end := range [][]Status{{Refused}, {PendingReview, Refused}, {PendingReview, Approved, Ready, Expired}} {
		t.Run(string(end[len(end)-1])+fmt.Sprint(len(end)), func(t *testing.T) {
			r := newRepo(t)
			first, _, err := r.Create(t.Context(), newApp(lawyerNo, "c1"))
			if err != nil {
				t.Fatal(err)
			}
			if live, err := r.Live(t.Context(), lawyerNo, "c1"); err != nil || live == nil || live.ID != first.ID {
				t.Fatalf("Live before the end = %+v, %v, want %s", live, err, first.ID)
			}
			for _, to := range end {
				if _, err := r.Update(t.Context(), first.ID, func(a *Application) error { return a.Move(to, "clerk-1", "", submitted) }); err != nil {
					t.Fatal(err)
				}
			}
			if live, err := r.Live(t.Context(), lawyerNo, "c1"); err != nil || live != nil {
				t.Fatalf("Live after the application ended = %+v, %v, want none", live, err)
			}
			if live, err := r.Live(t.Context(), lawyerNo, "c9"); err != nil || live != nil {
				t.Fatalf("Live for a case never applied for = %+v, %v", live, err)
			}
			second, created, err := r.Create(t.Context(), newApp(lawyerNo, "c1"))
			if err != nil || !created || second.ID == first.ID {
				t.Fatalf("new application after the old one ended: created=%v err=%v", created, err)
			}
			// And the new one is now the live one.
			third, created, err := r.Create(t.Context(), newApp(lawyerNo, "c1"))
			if err != nil || created || third.ID != second.ID {
				t.Errorf("third submit: created=%v id %s, want the second %s", created, third.ID, second.ID)
			}
			if live, err := r.Live(t.Context(), lawyerNo, "c1"); err != nil || live == nil || live.ID != second.ID {
				t.Errorf("Live = %+v, %v, want the second %s", live, err, second.ID)
			}
			old, err := r.Get(t.Context(), first.ID)
			if err != nil || old.Status != end[len(end)-1] {
				t.Errorf("the ended application changed: %+v, %v", old, err)
			}
		})
	}
}

func TestUpdateFailureSavesNothing(t *testing.T) {
	r := newRepo(t)
	a, _, err := r.Create(t.Context(), newApp(lawyerNo, "c1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Update(t.Context(), a.ID, func(a *Application) error { return a.Move(Ready, "x", "", submitted) }); !errors.Is(err, ErrTransition) {
		t.Errorf("Update with a forbidden move: %v", err)
	}
	if got, _ := r.Get(t.Context(), a.ID); got.Status != Submitted {
		t.Errorf("status = %s after a failed update", got.Status)
	}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if _, err := r.Update(t.Context(), a.ID, func(a *Application) error {
				a.Flags = append(a.Flags, fmt.Sprint(i))
				return nil
			}); err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
	wg.Wait()
	if got, _ := r.Get(t.Context(), a.ID); len(got.Flags) != 10 {
		t.Errorf("%d of 10 concurrent updates kept", len(got.Flags))
	}
}

func TestByLawyerNewestFirst(t *testing.T) {
	r := newRepo(t)
	// Submission times whose shortest RFC 3339 forms do not sort as the
	// times do, and one in Beijing time.
	cst := time.FixedZone("CST", 8*3600)
	times := []time.Time{
		time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 2, 10, 0, 0, 120000000, time.UTC),
		time.Date(2026, 3, 2, 10, 0, 0, 123000000, time.UTC),
		time.Date(2026, 3, 2, 10, 0, 0, 500000000, time.UTC),
		time.Date(2026, 3, 2, 18, 30, 0, 0, cst),
		time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC),
	}
	var want []string
	for i, at := range times {
		a := newApp(lawyerNo, fmt.Sprintf("c%d", i))
		a.SubmittedAt = at
		if _, _, err := r.Create(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		want = append([]string{a.CaseID}, want...)
	}
	if _, _, err := r.Create(t.Context(), newApp("13101201710999999", "c0")); err != nil {
		t.Fatal(err)
	}
	apps, err := r.ByLawyer(t.Context(), lawyerNo)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range apps {
		got = append(got, a.CaseID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("ByLawyer = %v, want newest first %v", got, want)
	}
}

func TestByUnitByDeadline(t *testing.T) {
	r := newRepo(t)
	rows := []struct {
		caseID, deadline string
		at               time.Time
		path             []Status
	}{
		{"c1", "2026-03-05", submitted, nil},
		{"c2", "2026-03-03", submitted, []Status{PendingReview}},
		{"c3", "2026-03-04", submitted, []Status{PendingReview, Approved}},
		{"c4", "2026-03-02", submitted, []Status{Refused}},
		{"c5", "2026-03-04", submitted.Add(-time.Second), nil},
		{"c6", "2026-03-04", submitted.Add(500 * time.Millisecond), []Status{PendingReview}},
		{"c7", "2026-03-06", submitted, []Status{PendingReview, Approved, Ready}},
	}
	for _, row := range rows {
		a := newApp(lawyerNo, row.caseID)
		a.Deadline, a.SubmittedAt = row.deadline, row.at
		a, _, err := r.Create(t.Context(), a)
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range row.path {
			if _, err := r.Update(t.Context(), a.ID, func(a *Application) error { return a.Move(to, "clerk-1", "", submitted) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	other := newApp(lawyerNo, "x1")
	other.Unit = "310102"
	if _, _, err := r.Create(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		open bool
		want []string
	}{
		{false, []string{"c4", "c2", "c5", "c3", "c6", "c1", "c7"}},
		{true, []string{"c2", "c5", "c6", "c1"}},
	} {
		apps, err := r.ByUnit(t.Context(), "310101", tc.open)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range apps {
			got = append(got, a.CaseID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("ByUnit(open=%v) = %v, want %v", tc.open, got, tc.want)
		}
	}
}

func TestPendingWork(t *testing.T) {
	r := newRepo(t)
	ctx := t.Context()
	if ids, err := r.PendingWork(ctx); err != nil || len(ids) != 0 {
		t.Fatalf("PendingWork on an empty table = %v, %v", ids, err)
	}
	for _, id := range []string{"app-b", "app-a", "app-c", "app-a"} { // marking twice is fine
		if err := r.MarkWork(ctx, id); err != nil {
			t.Fatalf("MarkWork(%s): %v", id, err)
		}
	}
	if ids, _ := r.PendingWork(ctx); !slices.Equal(ids, []string{"app-a", "app-b", "app-c"}) {
		t.Errorf("PendingWork = %v, want app-a app-b app-c", ids)
	}
	for _, id := range []string{"app-b", "app-b", "never-marked"} { // clearing twice or unknown is fine
		if err := r.ClearWork(ctx, id); err != nil {
			t.Errorf("ClearWork(%s): %v", id, err)
		}
	}
	if ids, _ := r.PendingWork(ctx); !slices.Equal(ids, []string{"app-a", "app-c"}) {
		t.Errorf("PendingWork after clearing app-b = %v", ids)
	}
}

func TestAttachmentRoundTrip(t *testing.T) {
	r := newRepo(t)
	at := &Attachment{ID: "att1", Kind: FirmLetter, Filename: "律所函.pdf", Owner: lawyerNo, Key: "attachments/att1", CreatedAt: submitted}
	if err := r.PutAttachment(t.Context(), at); err != nil {
		t.Fatal(err)
	}
	at.Uploaded, at.ContentType, at.Size = true, "application/pdf", 1234
	if err := r.PutAttachment(t.Context(), at); err != nil {
		t.Fatalf("replacing an attachment record: %v", err)
	}
	got, err := r.GetAttachment(t.Context(), "att1")
	if err != nil {
		t.Fatal(err)
	}
	if *got != *at {
		t.Errorf("GetAttachment = %+v, want %+v", got, at)
	}
	if _, err := r.GetAttachment(t.Context(), "nope"); err == nil {
		t.Error("unknown attachment found")
	}
}

// A supporting document (for complaints and opinions) is a valid upload but
// never counts as one of an application's required documents.
func TestSupportingDocumentDoesNotSatisfyRequirements(t *testing.T) {
	if !SupportingDocument.Valid() {
		t.Fatal("supporting_document must be an accepted attachment kind")
	}
	app := &Application{Attachments: []string{"s1"}}
	ps := Validate(Check{App: app, Attachments: []*Attachment{{ID: "s1", Kind: SupportingDocument, Uploaded: true, ContentType: "application/pdf"}}})
	n := 0
	for _, p := range ps {
		if strings.HasPrefix(p.Field, "attachments.") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("with only a supporting document, want the 3 missing-document problems, got %d: %v", n, ps)
	}
}
