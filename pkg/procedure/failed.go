package procedure

import (
	"fmt"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/notify"
)

// DossierFailed is the notice to the unit that the dossier of an approved
// application (the case at content version, pages pages) could not be
// built within its time budget: what to do, and that a change of the
// case's materials starts it again. Sent on every try of the failed
// version, it is delivered once (its id is the application's and the
// version's).
func DossierFailed(a *application.Application, version, pages int, budget time.Duration) notify.Notice {
	return notify.Notice{ID: fmt.Sprintf("dossier-failed-%s-v%d", a.ID, version), To: notify.Unit(a.Unit),
		Kind: "dossier.failed", Subject: "电子卷宗生成失败",
		Body: fmt.Sprintf("案号 %s：律师 %s（执业证号 %s）的阅卷申请已许可，但本案电子卷宗（共 %d 页）未能在 %s 的时限内生成，已停止。"+
			"请检查本案材料，将过大或异常的文件拆分、降低扫描分辨率后重新上传；材料更新后将自动重新生成。如仍不能生成，请联系技术支持。",
			a.CaseNo, a.Lawyer.Name, a.Lawyer.License, pages, budgetText(budget)),
		Unit: a.Unit, CaseID: a.CaseID, CaseNo: a.CaseNo, ApplicationID: a.ID}
}

// budgetText is a duration in Chinese: "10 分钟", "90 秒".
func budgetText(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d 分钟", d/time.Minute)
	}
	return fmt.Sprintf("%v 秒", d.Seconds())
}
