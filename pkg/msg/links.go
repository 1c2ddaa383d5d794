package msg

// The messages of a new download link (service.RenewLink).
const (
	// RenewTooOften: a lawyer asked for new links too often (the limit,
	// when next in Beijing time, the limit again for the English).
	RenewTooOften Text = "申请新链接过于频繁：每份申请每 24 小时最多 %d 次，请于 %s（北京时间）后再试，或联系承办人 (new links are limited to %d a day per application; try again later or contact the case handler)"
	// RenewReason: the unit reissues a link only with a reason.
	RenewReason Text = "请填写重新签发下载链接的理由 (a reason is required to reissue the link)"
	// RenewLiveElsewhere: the application ended and the lawyer has
	// applied for the case again since.
	RenewLiveElsewhere Text = "该申请已到期结束，您已就本案重新提交申请，请在新申请中下载 (you applied for this case again; download through the new application)"
	// RenewByLawyer is the recorded reason of a lawyer's own request.
	RenewByLawyer Text = "律师申请新链接（原链接次数已用完或已过期）"
)
