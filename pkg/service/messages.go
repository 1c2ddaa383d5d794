package service

import "fmt"

// Message is a text for the person who sent a request: Chinese, then
// English in parentheses. One with fmt verbs is a format, given its
// arguments by Format. The messages of the use cases and the HTTP API are
// declared here, once, and named where they are used.
type Message string

// Format is m with args in place of its verbs (m itself without args).
func (m Message) Format(args ...any) string {
	if len(args) == 0 {
		return string(m)
	}
	return fmt.Sprintf(string(m), args...)
}

// Fail is an Error of code whose message is m with args.
func Fail(code Code, m Message, args ...any) *Error {
	return &Error{Code: code, Message: m.Format(args...)}
}

// The messages of failures.
const (
	MsgNotFound  Message = "未找到 (not found)"
	MsgInternal  Message = "服务器内部错误，请稍后重试；如持续出现请致电 12309 (internal error; try again)"
	MsgFixAll    Message = "请一次性补正以下问题后重新提交 (fix all of the following and submit again): "
	MsgNoSuchAPI Message = "没有这个接口 (no such route: see docs/api.md)"

	MsgCaseNotFound        Message = "未找到该案件 (no such case)"
	MsgNotBound            Message = "未找到该案件，或您尚未与本案建立委托关系（请先提交阅卷申请，或请案管登记您为本案辩护人） (no such case, or you are not bound to it)"
	MsgApplicationNotFound Message = "未找到该申请 (no such application)"
	MsgComplaintNotFound   Message = "未找到该申诉控告 (no such complaint)"
	MsgOpinionNotFound     Message = "未找到该意见 (no such opinion)"
	MsgAttachmentNotFound  Message = "未找到该附件 (no such attachment)"
	MsgMaterialNotFound    Message = "未找到该材料 (no such material in this case)"
	MsgBindingNotFound     Message = "该律师未由案管登记为本案辩护人 (no explicit binding of this lawyer; a binding through an application ends with the application)"
	MsgDuplicateCase       Message = "案号“%s”已登记，请勿重复登记 (this case number is already registered)"
	MsgNotReady            Message = "阅卷材料尚未生成，请在申请状态为 ready 后下载 (the dossier is not ready yet)"
)

// The messages of problems with a request's fields.
const (
	MsgClientNotDefendant Message = "委托人不是本案犯罪嫌疑人/被告人 (the client is not a defendant of this case)"
	MsgSizeRequired       Message = "请填写文件大小 size，即文件的字节数（1 至 %d，上限 %d MiB）(size is required: the file's length in bytes, 1 to %d, the %d MiB limit)"
	MsgSizeTooLarge       Message = "文件大小 %d 字节超过 %d MiB（%d 字节）上限，请拆分后分别上传 (the file is %d bytes, over the %d MiB limit of %d bytes; split it into smaller files)"
	MsgAttachmentKind     Message = "附件类型应为 practice_certificate、firm_letter、power_of_attorney、legal_aid_letter 或 supporting_document (unknown attachment kind)"
	MsgFilenameRequired   Message = "请填写文件名 (filename is required)"
)

// The answers to a download link that cannot be used (links.go), each in
// Chinese and in English: the download door's page shows them apart.
const (
	MsgLinkExpired     Message = "下载链接已过期。如仍需阅卷，请重新提交申请或致电 12309。"
	MsgLinkExpiredEN   Message = "The link has expired; apply again or call 12309."
	MsgLinkRevoked     Message = "下载链接已被撤销（申请已撤回或被终止）。如有疑问请联系承办人或致电 12309。"
	MsgLinkRevokedEN   Message = "The link was revoked; contact the case handler or call 12309."
	MsgLinkExhausted   Message = "下载次数已用完。如需再次下载，请联系承办人。"
	MsgLinkExhaustedEN Message = "The download limit has been reached; contact the case handler."
	MsgLinkInvalid     Message = "下载链接不完整或已被改动，请从申请页面重新复制完整链接。"
	MsgLinkInvalidEN   Message = "The link is damaged or altered; copy the whole link again from your application page."
	MsgLinkForeign     Message = "该链接不是本系统签发的下载链接。"
	MsgLinkForeignEN   Message = "This link was not issued by this service."
	MsgLinkGone        Message = "下载链接已失效。"
	MsgLinkGoneEN      Message = "The link is no longer valid."
)

// The messages of the use cases' rules.
const (
	MsgLawyerOnline       Message = "律师本人只能通过网上提交 (a lawyer submits online; hotline and centre registrations are made by clerks)"
	MsgLicenseNotSigner   Message = "执业证号与登录身份不一致 (the certificate number does not match the signed-in lawyer)"
	MsgClerkChannel       Message = "代为登记的申请应注明来源：hotline（12309 热线）或 centre（12309 服务中心） (a clerk registers hotline or centre applications; set channel)"
	MsgCaseOfOtherUnit    Message = "该案件不属于本单位，无法代为登记 (the case belongs to another unit)"
	MsgRefusalReason      Message = "不予许可必须书面说明理由 (a refusal needs a written reason)"
	MsgDecision           Message = "decision 应为 approve 或 reject (decision must be approve or reject)"
	MsgAlreadyDecided     Message = "该申请已处理（当前状态：%s），不能重复决定 (the application was already decided)"
	MsgComplaintAnswered  Message = "该申诉控告已答复办结，不能重复答复 (the complaint was already answered)"
	MsgAdopted            Message = "请注明是否采纳：adopted 为 true 或 false (say whether the opinion was adopted)"
	MsgOpinionAnswered    Message = "该意见已答复或已撤回，不能重复答复 (the opinion was already answered or withdrawn)"
	MsgOpinionUnanswered  Message = "律师 %s 于 %s 提交的书面意见（%s）尚未答复 (opinion %s by %s is unanswered)"
	MsgOpinionsUnanswered Message = "本案尚有 %d 份律师书面意见未答复，答复后方可办结 (the case has %d unanswered opinions; reply to them first)"
	MsgNotCaseUnit        Message = "所填单位与案件承办单位不一致；填写案号时可不填单位 (the unit is not the case's unit; with a caseNo, leave unit empty)"
	MsgUnknownUnit        Message = "未找到受理单位“%s”，请核对单位名称或致电 12309 (unknown unit; check its name or call 12309)"
	MsgCaseConcluded      Message = "本案已办结，不再接收书面意见；如有异议请致电 12309 (the case has been concluded)"
	MsgNotYourAttachment  Message = "附件 %s 不存在或不属于您 (attachment not found)"
	MsgNotUploaded        Message = "附件“%s”尚未上传完成 (the file was never uploaded; PUT it to its uploadUrl first)"
)

// The messages of the HTTP API's own answers, before any use case: a body
// or a query it cannot read, a caller it does not know or admit, a client
// over its rate.
const (
	MsgTooLarge        Message = "请求体超过 %d 字节，请精简后重新提交 (request body larger than %d bytes; send less)"
	MsgTooDeep         Message = "JSON 嵌套超过 %d 层 (JSON nested deeper than %d levels)"
	MsgBadJSONAt       Message = "JSON 格式错误，位置 %d (malformed JSON at byte %d)"
	MsgBadJSONType     Message = "字段 %s 类型错误，应为 %s (field %s must be a %s)"
	MsgBadJSON         Message = "请求体不是有效的 JSON：%s (the body is not valid JSON for this route)"
	MsgOneJSON         Message = "请求体只能包含一个 JSON 对象 (send exactly one JSON object)"
	MsgPanic           Message = "服务器内部错误，请稍后重试 (internal error; try again)"
	MsgUnauthenticated Message = "请先登录：请求需要 Authorization: Bearer <token> (sign in: send Authorization: Bearer <token>)"
	MsgInvalidToken    Message = "登录凭证无效或已过期，请重新登录 (the token is invalid or expired; sign in again)"
	MsgForbidden       Message = "您的角色（%s）无权执行此操作 (role %s may not do this)"
	MsgLimit           Message = "limit 应为 1 至 1000 (limit must be 1..1000)"
	MsgExportFormat    Message = "format 应为 csv 或 ndjson (format must be csv or ndjson)"
	MsgAuditTime       Message = "%s 应为 RFC 3339 时间，如 2026-11-27T09:00:00+08:00 (%s must be an RFC 3339 time)"
	MsgStatsTime       Message = "%s 应为 RFC 3339 时间 (%s must be an RFC 3339 time, e.g. 2026-01-01T00:00:00+08:00)"
	MsgFromBeforeTo    Message = "from 应早于 to (from must be before to)"
	MsgBadCursor       Message = "cursor 无效，请使用上一页返回的 next 值 (bad cursor: pass back the previous page's next)"
)

// The download door's pages and the rate limit's answer, each in Chinese
// and in English (a page shows them apart).
const (
	MsgPreviewTitle  Message = "阅卷材料下载"
	MsgPreview       Message = "这是一个需本人打开的下载链接，预览不会消耗下载次数。"
	MsgPreviewEN     Message = "This is a personal download link; previews do not use a download."
	MsgRefusedTitle  Message = "无法下载"
	MsgRetryTitle    Message = "请稍后再试"
	MsgRateLimited   Message = "%s过于频繁，请 %d 秒后再试。如有急需请致电 12309。"
	MsgRateLimitedEN Message = "Too many %s; try again in %d seconds."
	MsgApplying      Message = "提交申请"
	MsgApplyingEN    Message = "applications"
	MsgDownloading   Message = "下载"
	MsgDownloadingEN Message = "downloads"
)
