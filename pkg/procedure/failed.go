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

// DossierTooLarge is the notice to the unit that the dossier of an approved
// application (the case at content version) is refused because the case is
// over the dossier's ceilings: at least pages pages against maxPages, or at
// least bytes bytes of documents against maxBytes (whichever it passed; a
// zero figure was not counted), what to do, and that a change of the
// case's materials starts it again. Sent on every try of the refused
// version, it is delivered once (its id is the application's and the
// version's, as DossierFailed's: a version fails one way).
func DossierTooLarge(a *application.Application, version, pages, maxPages int, bytes, maxBytes int64) notify.Notice {
	var what string
	if maxPages > 0 && pages > maxPages {
		what = fmt.Sprintf("本案电子卷宗至少 %d 页（含封面、卷内目录），超过单份卷宗 %d 页的上限", pages, maxPages)
	} else {
		what = fmt.Sprintf("本案已受理材料至少 %s，超过单份卷宗 %s 的上限", sizeText(bytes), sizeText(maxBytes))
	}
	return notify.Notice{ID: fmt.Sprintf("dossier-failed-%s-v%d", a.ID, version), To: notify.Unit(a.Unit),
		Kind: "dossier.failed", Subject: "电子卷宗过大，未能生成",
		Body: fmt.Sprintf("案号 %s：律师 %s（执业证号 %s）的阅卷申请已许可，但%s，系统不予生成，也不会自动重试。"+
			"请分案或分册组卷（将材料分到多个案件中），或将扫描件降低分辨率后重新上传；材料更新后将自动重新生成。",
			a.CaseNo, a.Lawyer.Name, a.Lawyer.License, what),
		Unit: a.Unit, CaseID: a.CaseID, CaseNo: a.CaseNo, ApplicationID: a.ID}
}

// sizeText is a size in bytes for people: "4.00 GB", "512.0 MB", "1.0 KB".
func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
}
