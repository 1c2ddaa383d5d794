package procedure

import (
	"fmt"
	"strings"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/notify"
)

// DossierHeld is the notice to the unit that an approved application's
// dossier waits for materials of the case (a.Hold, which must be set): it
// names the case and each material, and says what the clerk can do. One per
// wait: its id is made from the application and the wait's start.
func DossierHeld(a *application.Application) notify.Notice {
	h := a.Hold
	var b strings.Builder
	fmt.Fprintf(&b, "案号 %s，律师 %s的阅卷申请已许可，但以下 %d 份案件材料尚未处理完毕，阅卷材料暂缓生成：", a.CaseNo, notify.Who(a.Lawyer.Name, a.Lawyer.Firm, ""), len(h.Materials))
	const most = 20
	for i, m := range h.Materials {
		if i == most {
			fmt.Fprintf(&b, "……等（共 %d 份）", len(h.Materials))
			break
		}
		if i > 0 {
			b.WriteString("；")
		}
		fmt.Fprintf(&b, "%s（%s，%s）", m.Label(), m.Filename, m.StatusText())
	}
	b.WriteString("。检查中的材料将自动完成；待上传的材料请尽快上传。全部处理完毕后将自动生成阅卷材料并通知律师。")
	return notify.Notice{ID: fmt.Sprintf("dossier-held-%s-%d", a.ID, h.Since.UnixNano()), To: notify.Unit(a.Unit), Kind: "dossier.held",
		Subject: "阅卷材料暂缓生成：案件材料尚未处理完毕", Body: b.String(),
		Unit: a.Unit, CaseID: a.CaseID, CaseNo: a.CaseNo, ApplicationID: a.ID}
}
