package audit

import (
	"slices"
	"strings"
	"time"
)

// The auditor reads the log in Chinese: the page and the CSV export show a
// record's role, result and detail through the labels below, while the
// records, the NDJSON export and the CLI keep the machine words.

// Beijing is Asia/Shanghai without tzdata (no DST since 1991), the zone
// every time shown to a person is in.
var Beijing = time.FixedZone("CST", 8*3600)

// BeijingTime is t in Beijing time to the second, "2026-12-09 14:05:09",
// as a spreadsheet reads a date and time.
func BeijingTime(t time.Time) string { return t.In(Beijing).Format(time.DateTime) }

// Label is the result in Chinese; the result itself when it has none.
func (r Result) Label() string {
	if s, ok := resultLabels[r]; ok {
		return s
	}
	return string(r)
}

var resultLabels = map[Result]string{OK: "成功", Denied: "拒绝", Failed: "失败", Invalid: "不合要求"}

// RoleLabel is a record's role in Chinese: the login roles (package auth),
// the download door's link holder (service.LinkHolder) and the system's
// own jobs; the role itself when it has none. Roles are plain strings in a
// record, written by packages audit does not import, hence keyed by string.
func RoleLabel(role string) string {
	if s, ok := roleLabels[role]; ok {
		return s
	}
	return role
}

var roleLabels = map[string]string{
	"lawyer": "律师", "clerk": "案管", "auditor": "审计", "admin": "管理员",
	"system": "系统", "link-holder": "下载链接持有人", "none": "未登录",
}

// detailLabels name the detail keys the service writes; a key without a
// label is shown as it is.
var detailLabels = map[string]string{
	"reason": "原因", "route": "接口", "query": "查询条件", "format": "格式", "kind": "类别", "deadline": "期限",
	"complaint": "控告申诉", "opinion": "书面意见", "opinions": "书面意见", "filename": "文件名", "size": "大小（字节）",
	"bytes": "字节数", "pages": "页数", "lawyer": "律师", "caseNo": "案号", "decision": "决定", "via": "方式",
	"linkOwner": "链接所属律师", "downloadsLeft": "剩余下载次数", "resume": "续传", "count": "次数",
	"refusals": "拒绝次数", "unit": "单位", "volume": "卷", "version": "版本", "urgent": "紧急", "undecided": "未审查材料",
	"seq": "序号", "retryAfter": "重试等待", "recipients": "收件人", "period": "期间", "onTime": "按期",
	"notRecordedBefore": "此前未记录", "maxDownloads": "下载次数上限", "materials": "材料", "linkExpiresAt": "链接到期时间",
	"expiresAt": "到期时间", "limit": "限制", "left": "剩余", "flags": "标记", "documents": "文件数", "client": "委托人",
	"channel": "渠道", "attachments": "附件", "adopted": "采纳", "error": "错误", "problems": "问题", "ok": "通过",
	"records": "记录数", "anchors": "锚点数", "firstBad": "首条异常记录", "badAnchor": "异常锚点", "problem": "问题",
	"until": "锁定至", "to": "发往", "notice": "通知", "attempt": "尝试次数", "issuer": "签发方", "budget": "时限",
	"maxPages": "页数上限", "dossierPages": "卷宗页数", "maxBytes": "字节上限", "final": "最终", "decrypted": "已解除限制",
	"repaired": "已修复", "counted": "已计数", "changed": "已变更", "appended": "已补记", "settledAt": "补记时间",
	"nextAttemptAt": "下次尝试时间", "failures": "失败次数", "file": "文件", "range": "续传范围",
	"dossierVersion": "卷宗版本",
	"title":          "标题", "oldTitle": "原标题", "place": "位置", "oldPlace": "原位置", "status": "状态",
	"replaces": "被替换的材料", "newFilename": "新文件名", "order": "顺序",
	"receipt": "受理回执号", "items": "补正项目", "round": "补正轮次", "replaced": "被替换的附件", "contentType": "文件类型",
	"defendant": "犯罪嫌疑人/被告人", "found": "找到",
	"countedUntil": "此后拒绝合并计数至", "windowStart": "计数起", "windowEnd": "计数止",
}

// detailValues say in Chinese the detail values that are words of the
// code rather than text a person wrote.
var detailValues = map[string]string{
	"true": "是", "false": "否",
	"approve": "批准", "reject": "不予许可", "verified": "属实", "rejected": "不通过",
	"no bearer token": "未携带登录凭据", "invalid token": "登录凭据无效",
	"link_expired": "链接已过期", "link_revoked": "链接已撤销", "link_exhausted": "下载次数已用完",
	"link_invalid": "链接无效", "link_foreign": "链接不属于当前用户",
	"case of another unit": "其他单位的案件", "lawyer not bound to the case": "律师未登记为本案辩护人",
	"not the owner": "非本人", "attachment of another user": "他人的附件", "case concluded": "案件已办结",
	"not the applicant or the deciding unit": "非申请人或审批单位", "not an attachment of the application": "非本申请的附件",
	"unanswered opinions": "有未答复的书面意见", "too large": "超出卷宗上限",
	"unknown": "账号不存在", "password": "密码错误", "locked": "账号已锁定", "disabled": "账号已停用",
	"csv": "CSV", "ndjson": "NDJSON",
	"link": "下载链接", "login": "登录后下载",
	"supplement": "补充材料",
	"accepted":   "已接收", "awaiting_upload": "等待上传", "processing": "检查中",
}

// DetailLabel is a detail key in Chinese, or the key itself.
func DetailLabel(key string) string {
	if s, ok := detailLabels[key]; ok {
		return s
	}
	return key
}

// DetailValue is a detail value as the auditor reads it: a time in Beijing
// time, a word of the code in Chinese, anything else as written.
func DetailValue(v string) string {
	if s, ok := detailValues[v]; ok {
		return s
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return BeijingTime(t)
	}
	return v
}

// DescribeDetail is a record's detail as one line of Chinese text,
// "原因：非本人；接口：GET /api/v1/…", keys in a fixed (sorted) order;
// empty values are left out (the JSON keeps them).
func DescribeDetail(d map[string]string) string {
	keys := make([]string, 0, len(d))
	for k, v := range d {
		if v != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = DetailLabel(k) + "：" + DetailValue(d[k])
	}
	return strings.Join(parts, "；")
}

// Labels is every label the auditor's page needs, for the page to show
// what the CSV export shows (web.New writes it into the page).
func Labels() map[string]map[string]string {
	out := map[string]map[string]string{
		"actions": {}, "results": {}, "roles": roleLabels, "details": detailLabels, "values": detailValues,
	}
	for a, s := range labels {
		out["actions"][string(a)] = s
	}
	for r, s := range resultLabels {
		out["results"][string(r)] = s
	}
	return out
}
