package audit

import "slices"

// Action names what an audit record is about: "subject.verb", lower case.
// Every action the service writes is declared below, once, and nowhere
// else (TestNoLiteralActions); the auditor's page, the CSV export and
// `yuejuan audit --action` show and filter by these names, so a name, once
// written, is never changed.
type Action string

// Applications to review a case's files.
const (
	// ApplicationSubmit is written when a lawyer submits an application.
	ApplicationSubmit Action = "application.submit"
	// ApplicationValidate is written when a submitted application fails
	// validation (result invalid; nothing is stored), or by the system when
	// a stored one is complete and moves on to review.
	ApplicationValidate Action = "application.validate"
	// ApplicationRefuse is written by the system when a submitted
	// application is refused at once because the case is not open to
	// review (the refusal points to review on site).
	ApplicationRefuse Action = "application.refuse"
	// ApplicationDecide is written when the unit approves or refuses an
	// application.
	ApplicationDecide Action = "application.decide"
	// ApplicationRemind is written by the reminder job when it tells the
	// unit that today is an application's reply deadline.
	ApplicationRemind Action = "application.remind"
	// ApplicationOverdue is written by the reminder job when it tells the
	// supervisors that an application's reply deadline has passed.
	ApplicationOverdue Action = "application.overdue"
	// ApplicationExpire is written by the reminder job when an
	// application's download link expires and its review ends.
	ApplicationExpire Action = "application.expire"
	// ApplicationAcknowledge is written when the unit acknowledges receipt
	// of an application (受理), which sends the lawyer the receipt number.
	ApplicationAcknowledge Action = "application.acknowledge"
	// ApplicationCorrect is written when the unit asks the lawyer to fix
	// named items of an application (补正; detail items).
	ApplicationCorrect Action = "application.correct"
	// ApplicationResubmit is written when the lawyer answers a request
	// for correction (detail replaced attachments, changed fields).
	ApplicationResubmit Action = "application.resubmit"
)

// Case files: the clerk's scans and the lawyer's attachments.
const (
	// MaterialUpload is written when a clerk registers a material and gets
	// its upload URL.
	MaterialUpload Action = "material.upload"
	// MaterialAccept is written by the ingest job when an uploaded material
	// passes validation and becomes part of the case's content.
	MaterialAccept Action = "material.accept"
	// MaterialReject is written by the ingest job when an uploaded material
	// fails validation.
	MaterialReject Action = "material.reject"
	// MaterialDelete is written when a clerk removes a material from its
	// case (a mistaken or rejected scan, or an upload never made).
	MaterialDelete Action = "material.delete"
	// MaterialReplace is written when a clerk registers a new scan to
	// replace a material (target the new one, detail replaces the old).
	MaterialReplace Action = "material.replace"
	// MaterialRename is written when a clerk changes a material's title
	// in the 卷内目录.
	MaterialRename Action = "material.rename"
	// MaterialMove is written when a clerk moves a material to another
	// volume or place, or re-orders a volume.
	MaterialMove Action = "material.move"
	// AttachmentUpload is written when a lawyer registers a supporting
	// document (practice certificate, power of attorney, ...) and gets its
	// upload URL.
	AttachmentUpload Action = "attachment.upload"
	// AttachmentView is written when the deciding unit's clerk or the
	// applying lawyer opens an application's document.
	AttachmentView Action = "attachment.view"
)

// Dossiers, stamped copies and download links.
const (
	// DossierAssemble is written by the assemble job when it has built a
	// case's dossier for a content version.
	DossierAssemble Action = "dossier.assemble"
	// DossierSearch is written when a lawyer searches the recognised text
	// of her dossier (detail: query, found, version).
	DossierSearch Action = "dossier.search"
	// DossierHold is written by the assemble job when an approved
	// application's dossier waits for materials still undecided.
	DossierHold Action = "dossier.hold"
	// DossierFail is written when a dossier is given up for a content
	// version of its case (result failed): it could not be built within
	// its time budget, or the case is over the dossier's ceilings; the
	// unit is told.
	DossierFail Action = "dossier.fail"
	// CopyMake is written by the assemble job when it has stamped a
	// lawyer's copy of the dossier.
	CopyMake Action = "copy.make"
	// LinkIssue is written by the assemble job when it issues the counted
	// download link for a copy.
	LinkIssue Action = "link.issue"
	// LinkRenew is written when a fresh download link is issued for the
	// same stamped copy: the lawyer's own request once the link ran out,
	// or the unit's reissue (detail reason); the old link stops working.
	LinkRenew Action = "link.renew"
	// LinkDownload is written before a download link redirects to its copy.
	LinkDownload Action = "link.download"
	// LinkRefuse is written when a download link cannot be used (unknown,
	// expired, used up, bad signature); anonymous, so counted (see
	// RefusalCount).
	LinkRefuse Action = "link.refuse"
)

// Cases.
const (
	// CaseCreate is written when a clerk registers a case.
	CaseCreate Action = "case.create"
	// CaseBind is written when a clerk registers a lawyer as defence
	// counsel of a case (to receive its notices and submit opinions).
	CaseBind Action = "case.bind"
	// CaseUnbind is written when a clerk removes such a registration.
	CaseUnbind Action = "case.unbind"
	// CaseConclude is written when a clerk concludes a case, or refused
	// (result denied) when it cannot be concluded.
	CaseConclude Action = "case.conclude"
	// CaseFind is written when a lawyer (or clerk) searches a unit's open
	// cases by a suspect's or defendant's name (detail: unit, defendant,
	// title, found); a refused search is denied, with the limit.
	CaseFind Action = "case.find"
	// DecisionRecord is written when a clerk records a procedural decision
	// on a case.
	DecisionRecord Action = "decision.record"
)

// Complaints and written opinions.
const (
	// ComplaintValidate is written when a submitted complaint fails
	// validation (result invalid).
	ComplaintValidate Action = "complaint.validate"
	// ComplaintSubmit is written when a lawyer submits a complaint.
	ComplaintSubmit Action = "complaint.submit"
	// ComplaintAnswer is written when the unit answers a complaint.
	ComplaintAnswer Action = "complaint.answer"
	// ComplaintRemind is written by the reminder job when it tells the
	// unit that today is a complaint's answer deadline.
	ComplaintRemind Action = "complaint.remind"
	// ComplaintOverdue is written by the reminder job when it tells the
	// supervisors that a complaint's answer deadline has passed.
	ComplaintOverdue Action = "complaint.overdue"
	// OpinionSubmit is written when a lawyer submits a written opinion, or
	// refused (result denied) when the case is concluded.
	OpinionSubmit Action = "opinion.submit"
	// OpinionReply is written when the unit replies to a written opinion.
	OpinionReply Action = "opinion.reply"
)

// Notices.
const (
	// NoticeSend is written when a notice is delivered.
	NoticeSend Action = "notice.send"
	// NoticeFail is written when a notice's delivery fails (result failed);
	// the dispatcher retries it.
	NoticeFail Action = "notice.fail"
)

// Authentication and access.
const (
	// AuthFail is written when a request has no or an invalid token;
	// anonymous, so counted (see RefusalCount).
	AuthFail Action = "auth.fail"
	// AccessDeny is written when a signed-in caller asks for what is not
	// theirs (another unit's case, another lawyer's application, a route
	// of another role).
	AccessDeny Action = "access.deny"
	// RateLimit is written when a lawyer has used up a rate limit, at most
	// once a minute per lawyer and limit.
	RateLimit Action = "rate.limit"
	// RefusalCount is written once a minute per client with the number of
	// its anonymous refusals (AuthFail, LinkRefuse) not recorded one by
	// one.
	RefusalCount Action = "refusal.count"
)

// Signing in through the embedded provider, and its accounts
// (pkg/account).
const (
	// AuthSignIn is written when a user signs in with a password, or
	// refused (result denied, detail reason: unknown, password, locked,
	// disabled, totp, or sealed: a second factor's secret that does not
	// open) when the sign-in fails; the actor of a refusal is the user
	// name as typed.
	AuthSignIn Action = "auth.signin"
	// AuthLockout is written when consecutive wrong passwords lock an
	// account for its cool-down (detail until).
	AuthLockout Action = "auth.lockout"
	// AuthSignOut is written when a user signs out of the pages.
	AuthSignOut Action = "auth.signout"
	// AccountCreate is written when an administrator creates an account.
	AccountCreate Action = "account.create"
	// AccountDisable is written when an administrator disables an account.
	AccountDisable Action = "account.disable"
	// AccountReset is written when an administrator sets a new initial
	// password (which also enables the account and lifts a lockout).
	AccountReset Action = "account.reset"
	// AccountPassword is written when a user replaces an initial password
	// with their own.
	AccountPassword Action = "account.password"
	// AccountRegister is written when a lawyer registers, having proved
	// the mobile number with a code sent to it; the identity awaits a
	// clerk's check.
	AccountRegister Action = "account.register"
	// AccountIdentity is written when a clerk decides a registered
	// lawyer's identity (detail decision: verified or rejected, and a
	// rejection's reason); it is decided once.
	AccountIdentity Action = "account.identity"
	// AccountTOTP is written when a staff member's second factor changes
	// (detail change: enrolled, or reset by an administrator).
	AccountTOTP Action = "account.totp"
)

// The audit log itself.
const (
	// AuditQuery is written when an auditor queries the log.
	AuditQuery Action = "audit.query"
	// AuditVerify is written when an auditor verifies the chain.
	AuditVerify Action = "audit.verify"
	// AuditExport is written before an auditor's export (CSV or NDJSON) is
	// served.
	AuditExport Action = "audit.export"
)

// labels name each action in Chinese for the auditor, who reads them in the
// page's filter; records, the export and the CLI keep the action itself.
// Every action declared above has one (TestActionsLabelled).
var labels = map[Action]string{
	ApplicationSubmit:      "提交阅卷申请",
	ApplicationValidate:    "审查申请材料",
	ApplicationRefuse:      "申请当即不予受理",
	ApplicationDecide:      "审批阅卷申请",
	ApplicationRemind:      "申请答复到期提醒",
	ApplicationOverdue:     "申请答复逾期",
	ApplicationExpire:      "阅卷期限届满",
	ApplicationAcknowledge: "受理阅卷申请",
	ApplicationCorrect:     "通知补正申请材料",
	ApplicationResubmit:    "补正后重新提交申请",

	MaterialUpload:   "登记卷宗材料",
	MaterialAccept:   "材料审查通过",
	MaterialReject:   "材料审查不通过",
	MaterialDelete:   "删除卷宗材料",
	MaterialReplace:  "替换卷宗材料",
	MaterialRename:   "修改材料标题",
	MaterialMove:     "调整材料卷次或顺序",
	AttachmentUpload: "登记申请附件",
	AttachmentView:   "查看申请附件",

	DossierAssemble: "生成电子卷宗",
	DossierSearch:   "检索卷宗文字",
	DossierHold:     "卷宗等待材料",
	DossierFail:     "卷宗生成失败",
	CopyMake:        "制作律师阅卷副本",
	LinkIssue:       "签发下载链接",
	LinkRenew:       "重新签发下载链接",
	LinkDownload:    "下载",
	LinkRefuse:      "下载链接被拒",

	CaseCreate:     "登记案件",
	CaseBind:       "登记辩护律师",
	CaseUnbind:     "解除辩护律师登记",
	CaseConclude:   "办结案件",
	CaseFind:       "按姓名查找案件",
	DecisionRecord: "记录程序性决定",

	ComplaintValidate: "审查控告申诉",
	ComplaintSubmit:   "提出控告申诉",
	ComplaintAnswer:   "答复控告申诉",
	ComplaintRemind:   "控告申诉答复到期提醒",
	ComplaintOverdue:  "控告申诉答复逾期",
	OpinionSubmit:     "提交书面意见",
	OpinionReply:      "答复书面意见",

	NoticeSend: "发送通知",
	NoticeFail: "通知发送失败",

	AuthFail:     "身份验证失败",
	AccessDeny:   "越权访问被拒",
	RateLimit:    "超出频率限制",
	RefusalCount: "匿名拒绝计数",

	AuthSignIn:      "登录",
	AuthLockout:     "账号锁定",
	AuthSignOut:     "退出登录",
	AccountCreate:   "创建账号",
	AccountDisable:  "停用账号",
	AccountReset:    "重置初始密码",
	AccountPassword: "修改密码",
	AccountRegister: "律师注册",
	AccountIdentity: "核验律师身份",
	AccountTOTP:     "两步验证设置",

	AuditQuery:  "查询审计日志",
	AuditVerify: "校验审计日志",
	AuditExport: "导出审计日志",
}

// Label is the action's name in Chinese for the auditor; "" for an action
// not declared here.
func (a Action) Label() string { return labels[a] }

// Actions returns every declared action, sorted (so grouped by subject).
func Actions() []Action {
	out := make([]Action, 0, len(labels))
	for a := range labels {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}
