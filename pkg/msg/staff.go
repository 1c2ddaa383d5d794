package msg

// The administrator's management of staff accounts (service.AddStaff and
// the rest, the administrator's page).
const (
	// AccountNotFound: no account of that user name.
	AccountNotFound Text = "未找到该账户 (no such account)"
	// AccountExists: the user name is taken.
	AccountExists Text = "该用户名已被使用 (the user name is taken)"
	// StaffUsername: a staff user name's form.
	StaffUsername Text = "用户名为 2–32 个小写字母、数字或 . _ -，以字母或数字开头 (2 to 32 of a-z, 0-9, '.', '_', '-', starting with a letter or digit)"
	// StaffName: the name is required.
	StaffName Text = "请填写姓名（最多 50 字） (enter the name, at most 50 characters)"
	// StaffRole: the role is one of the staff roles.
	StaffRole Text = "请选择角色：案管、审计或管理员 (choose the role: clerk, auditor or admin)"
	// StaffUnit: a clerk needs a unit, and only a clerk has one.
	StaffUnit Text = "案管人员须填写所属单位，其他角色不填 (a clerk needs a unit; other roles have none)"
	// NotStaff: lawyers' accounts are not the administrator's page's.
	NotStaff Text = "律师账户不在此管理 (lawyers' accounts are not managed here)"
	// SelfChange: an administrator cannot disable their own account.
	SelfChange Text = "不能停用自己的账户 (you cannot disable your own account)"
)
