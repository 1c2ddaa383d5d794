package procedure

import (
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/casefile"
)

// The notice of a held dossier goes to the unit, names the case, the
// lawyer and every material it waits for with where it stands, and keeps
// one id for one wait (so the job's retries send it once).
func TestDossierHeld(t *testing.T) {
	since := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	held := application.HeldMaterials([]*casefile.Material{
		{ID: "m1", Volume: 1, Seq: 3, Title: "讯问笔录", Filename: "03.pdf", Status: casefile.Processing},
		{ID: "m2", Volume: 2, Seq: 1, Title: "鉴定意见", Filename: "jd.pdf", Status: casefile.AwaitingUpload},
		{ID: "m3", Volume: 2, Seq: 2, Title: "现场照片", Filename: "xc.jpg", Status: casefile.Accepted, Unfinished: true},
	})
	a := &application.Application{ID: "app1", CaseID: "c1", CaseNo: "京检刑诉〔2026〕9号", Unit: "市检察院",
		Lawyer: application.Lawyer{Name: "张律师", Firm: "某律所"},
		Hold:   &application.Hold{Since: since, Materials: held, Reason: application.HoldReason(held)}}
	n := DossierHeld(a)
	if n.To != "unit:市检察院" || n.Kind != "dossier.held" || n.CaseID != "c1" || n.ApplicationID != "app1" {
		t.Errorf("notice %+v: want to the unit, about the case and the application", n)
	}
	for _, want := range []string{"京检刑诉〔2026〕9号", "张律师", "3 份",
		"第1卷第3号《讯问笔录》（03.pdf，检查中）", "第2卷第1号《鉴定意见》（jd.pdf，待上传）", "第2卷第2号《现场照片》（xc.jpg，结果登记中）"} {
		if !strings.Contains(n.Body, want) {
			t.Errorf("notice body lacks %q:\n%s", want, n.Body)
		}
	}
	if !strings.Contains(a.Hold.Reason, "1 not uploaded yet") || !strings.Contains(a.Hold.Reason, "2 still being checked") {
		t.Errorf("hold reason %q", a.Hold.Reason)
	}
	// The same wait, a shorter list: the same notice id.
	b := *a
	b.Hold = &application.Hold{Since: since, Materials: held[:1]}
	if DossierHeld(&b).ID != n.ID {
		t.Error("one wait got two notice ids")
	}
	// Another wait: another id.
	b.Hold = &application.Hold{Since: since.Add(time.Hour), Materials: held[:1]}
	if DossierHeld(&b).ID == n.ID {
		t.Error("two waits got one notice id")
	}
}

// The notice of a dossier refused for its size goes to the unit and names
// the figure that passed its ceiling and the ceiling, and has the id of the
// failure notice of the same application and version.
func TestDossierTooLarge(t *testing.T) {
	a := &application.Application{ID: "app1", CaseID: "c1", CaseNo: "京检刑诉〔2026〕9号", Unit: "市检察院",
		Lawyer: application.Lawyer{Name: "张律师", License: "11101201910012345"}}
	n := DossierTooLarge(a, 3, 31_201, 30_000, 0, 4<<30)
	if n.To != "unit:市检察院" || n.Kind != "dossier.failed" || n.ApplicationID != "app1" || n.ID != DossierFailed(a, 3, 0, 0).ID {
		t.Errorf("notice %+v: want to the unit, about the application, with the failure notice's id", n)
	}
	for _, want := range []string{"京检刑诉〔2026〕9号", "张律师", "至少 31201 页", "30000 页的上限", "不会自动重试"} {
		if !strings.Contains(n.Body, want) {
			t.Errorf("notice body lacks %q:\n%s", want, n.Body)
		}
	}
	n = DossierTooLarge(a, 3, 0, 30_000, 4<<30+1<<29, 4<<30)
	for _, want := range []string{"至少 4.50 GB", "4.00 GB 的上限"} {
		if !strings.Contains(n.Body, want) {
			t.Errorf("notice body lacks %q:\n%s", want, n.Body)
		}
	}
}
