package casefile

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

func newRepo(t *testing.T) *Repo {
	t.Helper()
	tb, err := sqlitestore.Open(filepath.Join(t.TempDir(), "cases.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Close() })
	return &Repo{T: tb}
}

func validCase() *Case {
	return &Case{
		CaseNo: "沪黄检刑诉〔2026〕12号", Title: "张某某盗窃案", Unit: "310101",
		Stage: ProsecutionReview, OnlineReview: true,
		Handler:    Handler{Name: "陈检察官", Phone: "021-12345678"},
		Defendants: []string{"张某某"},
	}
}

func fields(err error) []string {
	var ps Problems
	if !errors.As(err, &ps) {
		return nil
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Field)
	}
	return out
}

func TestCaseValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Case)
		want   []string // fields with problems, in order
	}{
		{"valid", func(*Case) {}, nil},
		{"every stage from investigation to closed is a valid registration", func(c *Case) { c.Stage = Investigation }, nil},
		{"blank case number", func(c *Case) { c.CaseNo = "  " }, []string{"caseNo"}},
		{"case number of 65 characters", func(c *Case) { c.CaseNo = strings.Repeat("号", 65) }, []string{"caseNo"}},
		{"case number of 64 characters", func(c *Case) { c.CaseNo = strings.Repeat("号", 64) }, nil},
		{"no title", func(c *Case) { c.Title = "" }, []string{"title"}},
		{"unknown stage", func(c *Case) { c.Stage = "appeal" }, []string{"stage"}},
		{"no stage", func(c *Case) { c.Stage = "" }, []string{"stage"}},
		{"handler without phone", func(c *Case) { c.Handler.Phone = " " }, []string{"handler"}},
		{"handler without name", func(c *Case) { c.Handler.Name = "" }, []string{"handler"}},
		{"only blank defendants", func(c *Case) { c.Defendants = []string{" ", ""} }, []string{"defendants"}},
		{"known exclusions", func(c *Case) { c.Exclusions = []Exclusion{StateSecrets, Minor} }, nil},
		{"unknown exclusion", func(c *Case) { c.Exclusions = []Exclusion{Minor, "vip"} }, []string{"exclusions"}},
		{"everything wrong is reported at once", func(c *Case) {
			*c = Case{Stage: "x", Defendants: []string{""}, Exclusions: []Exclusion{"y"}}
		}, []string{"caseNo", "title", "stage", "handler", "defendants", "exclusions"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validCase()
			tc.change(c)
			err := c.Validate()
			if got := fields(err); !slices.Equal(got, tc.want) {
				t.Errorf("problems with %v (%v), want %v", got, err, tc.want)
			}
			if tc.want == nil && err != nil {
				t.Errorf("Validate = %v, want nil", err)
			}
		})
	}
}

func TestCaseValidateNormalises(t *testing.T) {
	c := validCase()
	c.CaseNo, c.Title = "  沪黄检刑诉〔2026〕12号\t", " 张某某盗窃案 "
	c.Defendants = []string{" 张某某 ", "", "李某"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.CaseNo != "沪黄检刑诉〔2026〕12号" || c.Title != "张某某盗窃案" || !slices.Equal(c.Defendants, []string{"张某某", "李某"}) {
		t.Errorf("not normalised: %q %q %q", c.CaseNo, c.Title, c.Defendants)
	}
	if !c.HasDefendant(" 李某 ") || c.HasDefendant("王某") {
		t.Error("HasDefendant wrong")
	}
}

func TestMaterialValidate(t *testing.T) {
	valid := func() *Material {
		return &Material{CaseID: "c", Volume: 1, Seq: 1, Title: "起诉意见书", Filename: "scan-001.pdf"}
	}
	tests := []struct {
		name   string
		change func(*Material)
		want   []string
	}{
		{"valid", func(*Material) {}, nil},
		{"volume 0", func(m *Material) { m.Volume = 0 }, []string{"volume"}},
		{"volume 1000", func(m *Material) { m.Volume = 1000 }, []string{"volume"}},
		{"seq 0", func(m *Material) { m.Seq = 0 }, []string{"seq"}},
		{"seq 10000", func(m *Material) { m.Seq = 10000 }, []string{"seq"}},
		{"no title", func(m *Material) { m.Title = " " }, []string{"title"}},
		{"filename with a path", func(m *Material) { m.Filename = "../../etc/passwd" }, []string{"filename"}},
		{"filename with a Windows path", func(m *Material) { m.Filename = `C:\scans\a.pdf` }, []string{"filename"}},
		{"all wrong at once", func(m *Material) { *m = Material{} }, []string{"volume", "seq", "title", "filename"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := valid()
			tc.change(m)
			if got := fields(m.Validate()); !slices.Equal(got, tc.want) {
				t.Errorf("problems with %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStageReviewable(t *testing.T) {
	for s, want := range map[Stage]bool{
		Investigation: false, ArrestReview: false, ProsecutionReview: true, Trial: true, Closed: true,
		"": false, "unknown": false,
	} {
		if got := s.Reviewable(); got != want {
			t.Errorf("%q.Reviewable() = %v, want %v", s, got, want)
		}
	}
}

func TestCreateRejectsDuplicateCaseNumber(t *testing.T) {
	r := newRepo(t)
	first := validCase()
	if err := r.Create(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	dup := validCase()
	dup.CaseNo = " " + dup.CaseNo + " " // the same number, typed with spaces
	dup.Title = "另一个案件"
	if err := r.Create(t.Context(), dup); !errors.Is(err, ErrDuplicate) {
		t.Errorf("second registration of the same case number: %v, want ErrDuplicate", err)
	}
	got, err := r.GetByNo(t.Context(), first.CaseNo)
	if err != nil || got.ID != first.ID || got.Title != first.Title {
		t.Errorf("GetByNo = %+v, %v; want the first case", got, err)
	}
	bad := validCase()
	bad.CaseNo = "另一个号"
	bad.Handler = Handler{}
	if err := r.Create(t.Context(), bad); len(fields(err)) == 0 {
		t.Errorf("Create of an invalid case: %v, want its problems", err)
	}
	if _, err := r.GetByNo(t.Context(), "另一个号"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an invalid case claimed its number: %v", err)
	}
}

func TestConcurrentCreateSameCaseNumber(t *testing.T) {
	r := newRepo(t)
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			c := validCase()
			c.Title = fmt.Sprintf("登记 %d", i)
			errs[i] = r.Create(t.Context(), c)
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrDuplicate):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d registrations of the same case number succeeded, want 1", ok)
	}
	cs, err := r.ListByUnit(t.Context(), "310101")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 {
		t.Errorf("unit lists %d cases, want 1", len(cs))
	}
}

func TestListByUnitNewestFirst(t *testing.T) {
	r := newRepo(t)
	// Registration times chosen so that their shortest RFC 3339 forms do
	// not sort as the times do (…:00Z after …:00.5Z, .12Z after .123Z), and
	// one given in Beijing time.
	cst := time.FixedZone("CST", 8*3600)
	times := []time.Time{
		time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 2, 10, 0, 0, 120000000, time.UTC),
		time.Date(2026, 3, 2, 10, 0, 0, 123000000, time.UTC),
		time.Date(2026, 3, 2, 10, 0, 0, 500000000, time.UTC),
		time.Date(2026, 3, 2, 18, 30, 0, 0, cst), // 10:30 UTC
		time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC),
	}
	var want []string
	for i, at := range times {
		r.Now = func() time.Time { return at }
		c := validCase()
		c.CaseNo = fmt.Sprintf("号-%d", i)
		if err := r.Create(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		want = append([]string{c.CaseNo}, want...)
	}
	other := validCase()
	other.CaseNo, other.Unit = "别的单位", "310102"
	if err := r.Create(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	cs, err := r.ListByUnit(t.Context(), "310101")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.CaseNo)
	}
	if !slices.Equal(got, want) {
		t.Errorf("ListByUnit = %v, want newest first %v", got, want)
	}
}

func TestMaterialsInPaperOrder(t *testing.T) {
	r := newRepo(t)
	c := validCase()
	if err := r.Create(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	// Uploaded out of order, as clerks do.
	for _, vs := range [][2]int{{2, 1}, {1, 10}, {1, 2}, {3, 1}, {1, 1}, {2, 3}, {2, 2}, {10, 1}} {
		m := &Material{CaseID: c.ID, Volume: vs[0], Seq: vs[1], Title: fmt.Sprintf("第%d卷第%d件", vs[0], vs[1]), Filename: "a.pdf"}
		if err := r.AddMaterial(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		if m.Status != AwaitingUpload || m.ID == "" {
			t.Errorf("new material %+v: want an ID and status awaiting_upload", m)
		}
	}
	// A material of another case is not listed.
	if err := r.AddMaterial(t.Context(), &Material{CaseID: "other", Volume: 1, Seq: 1, Title: "x", Filename: "x.pdf"}); err != nil {
		t.Fatal(err)
	}
	ms, err := r.Materials(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]int
	for _, m := range ms {
		got = append(got, [2]int{m.Volume, m.Seq})
	}
	want := [][2]int{{1, 1}, {1, 2}, {1, 10}, {2, 1}, {2, 2}, {2, 3}, {3, 1}, {10, 1}}
	if !slices.Equal(got, want) {
		t.Errorf("Materials order = %v, want %v", got, want)
	}
}

func TestMaterialKeysSurvive(t *testing.T) {
	r := newRepo(t)
	m := &Material{CaseID: "c1", Volume: 1, Seq: 1, Title: "t", Filename: "a.pdf", UploadKey: "uploads/x"}
	if err := r.AddMaterial(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	got, err := r.UpdateMaterial(t.Context(), "c1", m.ID, func(m *Material) error {
		m.Status, m.PDFKey, m.Pages = Accepted, "pdf/x.pdf", 12
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	back, err := r.GetMaterial(t.Context(), "c1", m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if back.UploadKey != "uploads/x" || back.PDFKey != "pdf/x.pdf" || back.Status != Accepted || back.Pages != 12 || got.PDFKey != back.PDFKey {
		t.Errorf("stored material lost fields: %+v", back)
	}
}

func TestUpdateRetriesOnConflict(t *testing.T) {
	r := newRepo(t)
	c := validCase()
	if err := r.Create(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	const n = 10
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := r.Update(t.Context(), c.ID, func(c *Case) error { c.ContentVersion++; return nil }); err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
	wg.Wait()
	got, err := r.Get(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ContentVersion != n {
		t.Errorf("content version = %d after %d concurrent increments: updates were lost", got.ContentVersion, n)
	}
	// An error from fn saves nothing.
	boom := errors.New("boom")
	if _, err := r.Update(t.Context(), c.ID, func(c *Case) error { c.ContentVersion = 99; return boom }); !errors.Is(err, boom) {
		t.Errorf("Update returned %v, want fn's error", err)
	}
	if got, _ := r.Get(t.Context(), c.ID); got.ContentVersion != n {
		t.Errorf("a failed update was saved: content version %d", got.ContentVersion)
	}
}

func TestIDTime(t *testing.T) {
	before := time.Now().Truncate(time.Millisecond)
	id := NewID()
	got, ok := IDTime(id)
	if !ok || got.Before(before) || got.After(time.Now()) {
		t.Errorf("IDTime(%s) = %v, %v; want about now", id, got, ok)
	}
	if _, ok := IDTime("not-an-id"); ok {
		t.Error("IDTime accepted garbage")
	}
}
