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
