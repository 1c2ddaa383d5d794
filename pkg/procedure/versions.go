package procedure

import (
	"fmt"
	"strings"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/pageid"
	"github.com/yuejuan/yuejuan/pkg/version"
)

// ChangeText is a version's change list as people read it: each document
// added, replaced and removed with its volume, title, pages and page
// identifiers (docs/versions.md).
func ChangeText(c pageid.ChangeList) string {
	var parts []string
	item := func(e pageid.LedgerEntry) string {
		return fmt.Sprintf("第%d卷《%s》%d页（%s）", e.Volume, e.Title, e.Pages, pageid.Span(e.Runs, true))
	}
	group := func(label string, es []pageid.LedgerEntry, f func(pageid.LedgerEntry) string) {
		if len(es) == 0 {
			return
		}
		var items []string
		for _, e := range es {
			items = append(items, f(e))
		}
		parts = append(parts, fmt.Sprintf("%s %d 件：%s", label, len(es), strings.Join(items, "；")))
	}
	group("新增", c.Added, item)
	group("替换", c.Replaced, func(e pageid.LedgerEntry) string {
		return item(e) + "，替换原" + pageid.Span(e.ReplacedRuns, true)
	})
	group("撤出", c.Removed, func(e pageid.LedgerEntry) string {
		return fmt.Sprintf("第%d卷《%s》%d页（%s，页码标识保留不再使用）", e.Volume, e.Title, e.Pages, pageid.Span(e.Runs, true))
	})
	if len(parts) == 0 {
		return "文件未增减，卷内文件的标题或顺序有调整。"
	}
	return strings.Join(parts, "。") + "。"
}

// DossierVersion is the notice, once per version, to a lawyer whose
// application is live that the dossier has a new version: the change
// list, the full copy and, when documents were added or replaced, the
// supplement of only those. Like LinkReady it carries no link.
func DossierVersion(a *application.Application, v *version.Version, full, supplement *link.Link) notify.Notice {
	body := fmt.Sprintf("案号 %s 的电子卷宗已更新为第 %d 版（受理回执号 %s）。%s", a.CaseNo, v.N, application.ReceiptNo(a), ChangeText(v.Changes))
	for _, d := range v.Decisions {
		body += fmt.Sprintf("本次更新前，本院于 %s 作出程序性决定：%s。", clock(d.At), d.Label)
	}
	if supplement != nil {
		body += fmt.Sprintf("新版完整卷宗和补充材料（仅含新增、替换的文件，页码标识与完整卷宗一致）已可下载，请登录本系统下载。下载链接有效至 %s，各可下载 %d 次。",
			clock(full.ExpiresAt), full.MaxDownloads)
	} else {
		body += fmt.Sprintf("新版完整卷宗已可下载，请登录本系统下载。下载链接有效至 %s，可下载 %d 次。", clock(full.ExpiresAt), full.MaxDownloads)
	}
	return notify.Notice{ID: "dossier-version-" + full.ID, To: notify.Lawyer(a.Lawyer.License), Phone: a.Lawyer.Phone,
		Kind: "dossier.version", Subject: fmt.Sprintf("电子卷宗已更新（第 %d 版）", v.N), Body: body,
		Unit: a.Unit, CaseID: a.CaseID, CaseNo: a.CaseNo, ApplicationID: a.ID}
}
