package msg

// The messages of a clerk's check of a registered lawyer's identity
// (service.DecideIdentity).
const (
	// LawyerNotFound: no registered lawyer with this certificate number.
	LawyerNotFound Text = "未找到该律师的注册账号 (no registered lawyer with this practice certificate number)"
	// IdentityDecided: the identity was verified or rejected before (the
	// decision and its date).
	IdentityDecided Text = "该律师身份已于 %s 核验（%s），不能再次决定 (the lawyer's identity was decided before)"
	// IdentityDecision: the decision is neither of the two.
	IdentityDecision Text = "请选择核验结果：verified（身份属实）或 rejected（不通过） (decision is verified or rejected)"
	// IdentityVerified and IdentityRejected name a decision in
	// IdentityDecided.
	IdentityVerified Text = "身份属实"
	IdentityRejected Text = "不通过"
	// IdentityReason: a rejection needs its reason.
	IdentityReason Text = "请填写身份核验不通过的理由 (a rejection needs its reason)"
)
