package msg

// The pages' sign-in on AWS (pkg/cloud).
const (
	// SignInNotSetUp: the role's pages do not sign in at this function
	// (the role's Chinese name, the role, the variable to set).
	SignInNotSetUp Text = "此处的%s页面尚未配置登录，请联系管理员。 (Signing in to the %s pages is not set up here: the operator sets %s, see docs/deployment.md.)"
)
