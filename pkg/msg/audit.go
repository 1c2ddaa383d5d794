package msg

// The auditor's query (GET /audit/events, /audit/export).
const (
	// AuditOrder: the events list runs in chain order or newest first.
	AuditOrder Text = "order 应为 asc（按记录顺序）或 desc（最新在前） (order must be asc or desc)"
)
