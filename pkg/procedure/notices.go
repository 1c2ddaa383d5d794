package procedure

import (
	"fmt"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/notify"
)

var beijing = time.FixedZone("CST", 8*3600)

func clock(t time.Time) string { return t.In(beijing).Format("2006-01-02 15:04") }

// DecisionNotice is the notice of decision d to one bound lawyer b.
func DecisionNotice(d *Decision, b casefile.Binding) notify.Notice {
	body := fmt.Sprintf("%s律师：案号 %s，本院已于 %s 作出程序性决定：%s。", b.Name, d.CaseNo, clock(d.At), d.Label)
	if d.Text != "" {
		body += d.Text
		if !strings.HasSuffix(d.Text, "。") {
			body += "。"
		}
	}
	body += fmt.Sprintf("承办人：%s，电话 %s。", d.Handler.Name, d.Handler.Phone)
	h := d.Handler
	return notify.Notice{ID: NoticeID(d.ID, b.License), To: notify.Lawyer(b.License), Phone: b.Phone,
		Kind: "decision." + string(d.Kind), Subject: "程序性决定告知：" + d.Label, Body: body,
		Unit: d.Unit, CaseID: d.CaseID, CaseNo: d.CaseNo, DecisionID: d.ID, Contact: &h, CreatedAt: d.At}
}

// ApplicationDecided is the notice to the lawyer that the application was
// approved or refused, with the reason and whom to call.
func ApplicationDecided(a *application.Application) notify.Notice {
	n := notify.Notice{ID: "app-decided-" + a.ID, To: notify.Lawyer(a.Lawyer.License), Phone: a.Lawyer.Phone,
		Unit: a.Unit, CaseID: a.CaseID, CaseNo: a.CaseNo, ApplicationID: a.ID}
	var contact string
	if a.Reply != nil && a.Reply.Contact != nil {
		h := *a.Reply.Contact
		n.Contact = &h
		contact = fmt.Sprintf("如有疑问请联系承办人 %s，电话 %s。", h.Name, h.Phone)
	}
	if a.Reply != nil {
		n.CreatedAt = a.Reply.At
	}
	switch {
	case a.Reply != nil && a.Reply.Decision == application.Approve:
		n.Kind, n.Subject = "application.approved", "阅卷申请已许可"
		n.Body = fmt.Sprintf("案号 %s 的互联网阅卷申请（受理回执号 %s）已许可，阅卷材料生成后将另行通知。", a.CaseNo, application.ReceiptNo(a))
		if a.Reply.Reason != "" {
			n.Body += "说明：" + a.Reply.Reason + "。"
		}
	default:
		reason := ""
		if a.Reply != nil {
			reason = a.Reply.Reason
		}
		n.Kind, n.Subject = "application.refused", "阅卷申请不予许可"
		n.Body = fmt.Sprintf("案号 %s 的互联网阅卷申请（受理回执号 %s）不予许可。理由：%s", a.CaseNo, application.ReceiptNo(a), reason)
		if !strings.HasSuffix(reason, "。") {
			n.Body += "。"
		}
	}
	n.Body += contact
	return n
}

// LinkReady is the notice that the stamped dossier can be downloaded. It
// carries no link: the lawyer signs in to get it (a link is a bearer secret
// and must not travel by SMS).
func LinkReady(a *application.Application, l *link.Link) notify.Notice {
	return notify.Notice{ID: "link-ready-" + l.ID, To: notify.Lawyer(a.Lawyer.License), Phone: a.Lawyer.Phone,
		Kind: "link.ready", Subject: "阅卷材料已可下载",
		Body: fmt.Sprintf("案号 %s 的电子卷宗（受理回执号 %s）已生成，请登录本系统下载。下载链接有效至 %s，可下载 %d 次。",
			a.CaseNo, application.ReceiptNo(a), clock(l.ExpiresAt), l.MaxDownloads),
		Unit: a.Unit, CaseID: a.CaseID, CaseNo: a.CaseNo, ApplicationID: a.ID}
}

// LinkExpiring is the notice, once, that the download link expires soon.
func LinkExpiring(a *application.Application, l *link.Link) notify.Notice {
	return notify.Notice{ID: "link-expiring-" + l.ID, To: notify.Lawyer(a.Lawyer.License), Phone: a.Lawyer.Phone,
		Kind: "link.expiring", Subject: "阅卷下载链接即将到期",
		Body: fmt.Sprintf("案号 %s 的电子卷宗下载链接将于 %s 到期，尚可下载 %d 次。请及时登录下载。",
			a.CaseNo, clock(l.ExpiresAt), l.Left()),
		Unit: a.Unit, CaseID: a.CaseID, CaseNo: a.CaseNo, ApplicationID: a.ID}
}
