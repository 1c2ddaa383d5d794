// Package msg is the catalogue of what the service tells the people who
// use it: every message of an answer to a request, Chinese then English,
// declared once here and named where it is used (by the use cases, the HTTP
// API and the checks of the domain packages). Tests keep their literals:
// they say what a message must read.
package msg

import "fmt"

// Text is a message for the person who sent a request: Chinese, then
// English in parentheses (or, where a page shows them apart, one of the
// two). One with fmt verbs is a format, given its arguments by Format.
type Text string

// Format is t with args in place of its verbs (t itself without args).
func (t Text) Format(args ...any) string {
	if len(args) == 0 {
		return string(t)
	}
	return fmt.Sprintf(string(t), args...)
}

// The messages of failures.
const (
	NotFound  Text = "未找到 (not found)"
	Internal  Text = "服务器内部错误，请稍后重试；如持续出现请致电 12309 (internal error; try again)"
	FixAll    Text = "请一次性补正以下问题后重新提交 (fix all of the following and submit again): "
	NoSuchAPI Text = "没有这个接口 (no such route: see docs/api.md)"

	CaseNotFound        Text = "未找到该案件 (no such case)"
	NotBound            Text = "未找到该案件，或您尚未与本案建立委托关系（请先提交阅卷申请，或请案管登记您为本案辩护人） (no such case, or you are not bound to it)"
	ApplicationNotFound Text = "未找到该申请 (no such application)"
	ComplaintNotFound   Text = "未找到该申诉控告 (no such complaint)"
	OpinionNotFound     Text = "未找到该意见 (no such opinion)"
	AttachmentNotFound  Text = "未找到该附件 (no such attachment)"
	MaterialNotFound    Text = "未找到该材料 (no such material in this case)"
	BindingNotFound     Text = "该律师未由案管登记为本案辩护人 (no explicit binding of this lawyer; a binding through an application ends with the application)"
	DuplicateCase       Text = "案号“%s”已登记，请勿重复登记 (this case number is already registered)"
	NotReady            Text = "阅卷材料尚未生成，请在申请状态为 ready 后下载 (the dossier is not ready yet)"
	MaterialBusy        Text = "该材料正在检查，请等检查结果出来后再删除或替换 (the material is being checked: wait for its verdict)"
	MaterialReplacing   Text = "该材料已有待上传或检查中的替换文件，请先完成或删除该替换文件 (a replacement of this material is already pending: finish or remove it first)"
	UploadNotAwaited    Text = "该材料已上传，无需继续上传；如需更换文件请使用“替换” (the material was uploaded already: replace it instead)"
	OrderMismatch       Text = "顺序须列出第 %d 卷的全部材料，且每份一次（请刷新后重试） (the order must list every material of the volume once: reload and try again)"
)

// The messages of problems with a request's fields.
const (
	ClientNotDefendant Text = "委托人不是本案犯罪嫌疑人/被告人 (the client is not a defendant of this case)"
	SizeRequired       Text = "请填写文件大小 size，即文件的字节数（1 至 %d，上限 %d MiB）(size is required: the file's length in bytes, 1 to %d, the %d MiB limit)"
	SizeTooLarge       Text = "文件大小 %d 字节超过 %d MiB（%d 字节）上限，请拆分后分别上传 (the file is %d bytes, over the %d MiB limit of %d bytes; split it into smaller files)"
	AttachmentKind     Text = "附件类型应为 practice_certificate、firm_letter、power_of_attorney、legal_aid_letter 或 supporting_document (unknown attachment kind)"
	FilenameRequired   Text = "请填写文件名 (filename is required)"
)

// The answers to a download link that cannot be used (links.go), each in
// Chinese and in English: the download door's page shows them apart.
const (
	LinkExpired     Text = "下载链接已过期。请登录“我的阅卷申请”申请新链接（可立即使用）；申请已到期结束的，请重新提交申请，或联系承办人、致电 12309。"
	LinkExpiredEN   Text = "The link has expired; sign in to your applications page for a new link, apply again if the application has ended, or call the case handler or 12309."
	LinkRevoked     Text = "下载链接已被撤销（申请已撤回或被终止）。如有疑问请联系承办人或致电 12309。"
	LinkRevokedEN   Text = "The link was revoked; contact the case handler or call 12309."
	LinkExhausted   Text = "下载次数已用完。如需再次下载，请登录“我的阅卷申请”申请新链接（可立即使用），或联系承办人。"
	LinkExhaustedEN Text = "The download limit has been reached; sign in to your applications page for a new link at once, or contact the case handler."
	LinkInvalid     Text = "下载链接不完整或已被改动，请从申请页面重新复制完整链接。"
	LinkInvalidEN   Text = "The link is damaged or altered; copy the whole link again from your application page."
	LinkForeign     Text = "该链接不是本系统签发的下载链接。"
	LinkForeignEN   Text = "This link was not issued by this service."
	// DoorContact names whom to call on the door's page: the unit, the
	// handler and their phone.
	DoorContact Text = "承办单位：%s　承办人：%s　联系电话：%s"
	// DoorBack is the door page's link back to the lawyer's page.
	DoorBack   Text = "返回“我的阅卷申请”，申请新链接"
	LinkGone   Text = "下载链接已失效。"
	LinkGoneEN Text = "The link is no longer valid."
)

// The messages of the use cases' rules.
const (
	LawyerOnline          Text = "律师本人只能通过网上提交 (a lawyer submits online; hotline and centre registrations are made by clerks)"
	LicenseNotSigner      Text = "执业证号与登录身份不一致 (the certificate number does not match the signed-in lawyer)"
	ClerkChannel          Text = "代为登记的申请应注明来源：hotline（12309 热线）或 centre（12309 服务中心） (a clerk registers hotline or centre applications; set channel)"
	CaseOfOtherUnit       Text = "该案件不属于本单位，无法代为登记 (the case belongs to another unit)"
	RefusalReason         Text = "不予许可必须书面说明理由 (a refusal needs a written reason)"
	Decision              Text = "decision 应为 approve 或 reject (decision must be approve or reject)"
	AlreadyDecided        Text = "该申请已处理（当前状态：%s），不能重复决定 (the application was already decided)"
	AlreadyAcknowledged   Text = "该申请已受理，不能重复受理 (the application was acknowledged already)"
	AwaitingCorrection    Text = "该申请正在等待律师补正，律师重新提交后方可批准或再次要求补正；如需不予许可可直接作出 (the application waits for the lawyer's corrections)"
	NotAwaitingCorrection Text = "该申请当前无需补正，或已补正提交 (nothing to correct: the application is not waiting for corrections)"
	CorrectionItems       Text = "请至少选择一项需要补正的内容 (name at least one item to fix)"
	CorrectionField       Text = "“%s”不是可要求补正的项目（可选：委托人、律师事务所、联系电话、律师执业证、律师事务所证明、授权委托书或法律援助公函） (not an item a lawyer can be asked to fix)"
	CorrectionTwice       Text = "“%s”重复列出 (the item is named twice)"
	CorrectionReason      Text = "请写明需要补正的原因，律师将据此补正 (say why, the lawyer is told)"
	CorrectionMissing     Text = "请补正“%s” (this item was asked to be fixed)"
	CorrectionNotAsked    Text = "“%s”不在要求补正的项目内，不能修改 (this item was not asked to be fixed)"
	CorrectionKind        Text = "“%s”不是%s，请上传对应的文件 (the document is of another kind)"
	AwaitingScans         Text = "本案尚无已通过检查的卷宗材料，暂不能批准：请先上传扫描件，检查通过后再批准 (the case has no accepted scans yet; upload them, then approve)"
	HandledState          Text = "state 应为 approved、ready、refused 或 expired (state must be approved, ready, refused or expired)"
	HandledDate           Text = "%s 应为 YYYY-MM-DD 格式的日期 (%s must be a date, YYYY-MM-DD)"
	HandledRange          Text = "起始日期应不晚于截止日期 (from must not be after to)"
	ComplaintAnswered     Text = "该申诉控告已答复办结，不能重复答复 (the complaint was already answered)"
	Adopted               Text = "请注明是否采纳：adopted 为 true 或 false (say whether the opinion was adopted)"
	OpinionAnswered       Text = "该意见已答复或已撤回，不能重复答复 (the opinion was already answered or withdrawn)"
	OpinionUnanswered     Text = "律师 %s 于 %s 提交的书面意见（%s）尚未答复 (opinion %s by %s is unanswered)"
	OpinionsUnanswered    Text = "本案尚有 %d 份律师书面意见未答复，答复后方可办结 (the case has %d unanswered opinions; reply to them first)"
	NotCaseUnit           Text = "所填单位与案件承办单位不一致；填写案号时可不填单位 (the unit is not the case's unit; with a caseNo, leave unit empty)"
	UnknownUnit           Text = "未找到受理单位“%s”，请核对单位名称或致电 12309 (unknown unit; check its name or call 12309)"
	CaseConcluded         Text = "本案已办结，不再接收书面意见；如有异议请致电 12309 (the case has been concluded)"
	NotYourAttachment     Text = "附件 %s 不存在或不属于您 (attachment not found)"
	NotUploaded           Text = "附件“%s”尚未上传完成 (the file was never uploaded; PUT it to its uploadUrl first)"
)

// The messages of the HTTP API's own answers, before any use case: a body
// or a query it cannot read, a caller it does not know or admit, a client
// over its rate.
const (
	TooLarge        Text = "请求体超过 %d 字节，请精简后重新提交 (request body larger than %d bytes; send less)"
	TooDeep         Text = "JSON 嵌套超过 %d 层 (JSON nested deeper than %d levels)"
	BadJSONAt       Text = "JSON 格式错误，位置 %d (malformed JSON at byte %d)"
	BadJSONType     Text = "字段 %s 类型错误，应为 %s (field %s must be a %s)"
	BadJSON         Text = "请求体不是有效的 JSON：%s (the body is not valid JSON for this route)"
	OneJSON         Text = "请求体只能包含一个 JSON 对象 (send exactly one JSON object)"
	Panic           Text = "服务器内部错误，请稍后重试 (internal error; try again)"
	Unauthenticated Text = "请先登录：请求需要 Authorization: Bearer <token> (sign in: send Authorization: Bearer <token>)"
	InvalidToken    Text = "登录凭证无效或已过期，请重新登录 (the token is invalid or expired; sign in again)"
	Forbidden       Text = "您的角色（%s）无权执行此操作 (role %s may not do this)"
	Limit           Text = "limit 应为 1 至 1000 (limit must be 1..1000)"
	ExportFormat    Text = "format 应为 csv 或 ndjson (format must be csv or ndjson)"
	AuditTime       Text = "%s 应为 RFC 3339 时间，如 2026-11-27T09:00:00+08:00 (%s must be an RFC 3339 time)"
	StatsTime       Text = "%s 应为 RFC 3339 时间 (%s must be an RFC 3339 time, e.g. 2026-01-01T00:00:00+08:00)"
	FromBeforeTo    Text = "from 应早于 to (from must be before to)"
	BadCursor       Text = "cursor 无效，请使用上一页返回的 next 值 (bad cursor: pass back the previous page's next)"
)

// The download door's pages and the rate limit's answer, each in Chinese
// and in English (a page shows them apart).
const (
	PreviewTitle  Text = "阅卷材料下载"
	Preview       Text = "这是一个需本人打开的下载链接，预览不会消耗下载次数。"
	PreviewEN     Text = "This is a personal download link; previews do not use a download."
	RefusedTitle  Text = "无法下载"
	RetryTitle    Text = "请稍后再试"
	RateLimited   Text = "%s过于频繁，请 %d 秒后再试。如有急需请致电 12309。"
	RateLimitedEN Text = "Too many %s; try again in %d seconds."
	Applying      Text = "提交申请"
	ApplyingEN    Text = "applications"
	Downloading   Text = "下载"
	DownloadingEN Text = "downloads"
)

// The messages of the domain packages' checks of what a request holds:
// a case, a material, a lawyer's binding, an application, a complaint, an
// opinion, a procedural decision, and the limits of every field.
const (
	CaseNoRequired        Text = "请填写案号 (case number is required)"
	CaseTitleRequired     Text = "请填写案件名称 (case title is required)"
	UnknownStage          Text = "诉讼阶段 %q 无效，应为 investigation、arrest_review、prosecution_review、trial 或 closed (unknown stage)"
	HandlerRequired       Text = "请填写承办人姓名和联系电话 (handler name and phone are required: lawyers are told whom to contact)"
	DefendantRequired     Text = "请至少填写一名犯罪嫌疑人/被告人 (at least one defendant is required)"
	UnknownExclusion      Text = "未知的排除情形 %q (unknown exclusion; use state_secrets, minor, co_offenders_at_large, witness_protection or other)"
	MaterialTitleRequired Text = "请填写文件标题，用于卷内目录 (title is required: it goes into the table of contents)"
	BareFilename          Text = "请填写不含路径的文件名 (filename is required and must not contain a path)"
	License               Text = "执业证号应为 17 位数字（旧版 12 位亦可） (practice certificate number must be 17 digits; legacy 12-digit numbers are accepted)"
	LawyerNameRequired    Text = "请填写律师姓名 (lawyer name is required)"
	LawyerPhoneRequired   Text = "请填写律师联系电话，用于告知程序性决定 (a phone number is required: procedural decisions are sent to it)"
	NameNotSigner         Text = "律师姓名“%s”与登录身份“%s”不一致 (the name does not match the signed-in lawyer)"
	FirmRequired          Text = "请填写所在律师事务所 (law firm is required)"
	PhoneForResult        Text = "请填写联系电话，以便告知办理结果 (a phone number is required so we can tell you the result)"
	ApplicantKind         Text = "申请人类型应为 defence（辩护人）或 victim_agent（诉讼代理人） (kind must be defence or victim_agent)"
	NoSuchCaseNo          Text = "未找到案号为“%s”的案件，请核对案号 (no case with this number; check it against the notice you received)"
	NotReviewable         Text = "案件尚未进入审查起诉阶段，辩护律师自审查起诉之日起方可查阅案卷材料 (the case is not yet at the prosecution-review stage; defence lawyers may review files from that stage on)"
	ClientRequired        Text = "请填写委托人（犯罪嫌疑人/被告人）姓名 (name your client)"
	NotADefendant         Text = "“%s”不是本案犯罪嫌疑人/被告人，请核对委托人姓名 (the client is not a defendant of this case)"
	AttachmentType        Text = "附件“%s”不是 PDF、JPEG 或 PNG 文件（检测为 %s） (attachment must be a PDF, JPEG or PNG)"
	AttachmentUnreadable  Text = "附件“%s”是无法打开的 PDF（文件损坏或加密），请重新扫描或导出后上传 (the PDF cannot be read: damaged or encrypted)"
	NeedCertificate       Text = "缺少律师执业证 (attach your practice certificate: kind practice_certificate)"
	NeedFirmLetter        Text = "缺少律师事务所证明（律所函） (attach the law firm letter: kind firm_letter)"
	NeedPowerOfAttorney   Text = "缺少授权委托书或法律援助公函 (attach the power of attorney or the legal-aid letter)"
	DossierWaits          Text = "案件材料尚未全部处理完毕（%s），阅卷材料将在全部处理完毕后自动生成 (the dossier waits for the case's materials: %s; it is built as soon as every material is accepted or rejected)"
	UnknownComplaintKind  Text = "申诉控告类型 %q 无效，应为 obstructed_review（阅卷受阻）、obstructed_meeting（会见受阻）或 other (unknown kind)"
	DescribeObstruction   Text = "请写明被阻碍的情况：时间、地点、经过 (describe what happened: when, where, how)"
	NoSuchCaseNoName      Text = "未找到案号为“%s”的案件；如案件未在本系统登记，请不填案号并用 unit 指定受理单位 (no such case; leave caseNo empty and name the unit instead)"
	ChooseUnit            Text = "未填写案号时，请选择受理申诉控告的检察院 (without a case number, choose the procuratorate that should handle the complaint: field unit)"
	PhoneForAnswer        Text = "请填写联系电话，以便告知办理结果 (a phone number is required so we can tell you the answer)"
	AnswerRequired        Text = "必须书面答复后方可办结 (a written answer is required to close a complaint)"
	OpinionRequired       Text = "请填写意见内容或附上书面意见 (write the opinion or attach it)"
	ReplyReason           Text = "请说明采纳或不采纳的理由 (give the reason, whether adopted or not)"
	UnknownDecisionKind   Text = "决定类型 %q 无效，应为 arrest_review_accepted、supplementary_investigation、jurisdiction_change、prosecution_filed 或 other (unknown kind)"
	DecisionTextRequired  Text = "其他程序性决定须写明决定内容 (text is required for kind other)"
	NoHandler             Text = "案件未登记承办人姓名和电话，无法告知律师联系人 (the case has no handler name and phone to give lawyers)"
	TooLong               Text = "%s（%s）最多 %d 字，现为 %d 字 (%s is longer than %d characters: %d)"
	OneLine               Text = "%s（%s）应为一行文字，不能含换行、制表符等控制字符（第 %d 个字符为 %U） (%s must be one line of text without control characters; character %d is %U)"
	ControlChar           Text = "%s（%s）含有控制字符（第 %d 个字符为 %U），请删除 (%s contains a control character, %U at character %d; remove it)"
	TooMany               Text = "%s（%s）最多 %d %s，现为 %d %s (%s: at most %d, got %d)"
	OutOfRange            Text = "%s（%s）应为 %d 至 %d，现为 %d (%s must be %d to %d, got %d)"
)
