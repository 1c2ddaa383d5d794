// Package notify sends notices to lawyers and to a unit's clerks and
// supervisors: SNS (SMS or app push) on AWS, and locally an outbox in the
// metadata store. A Dispatcher keeps every notice in the store (what the
// pages show), tries the channel at once, audits every attempt, and leaves
// failed deliveries in a pending list that the scheduler retries with
// backoff.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Notice is one message to one recipient.
type Notice struct {
	ID string `json:"id"`
	// To is "lawyer:<license>", "unit:<unit>" or "supervisors:<unit>".
	To string `json:"to"`
	// Phone is the recipient's phone for SMS, when known.
	Phone   string `json:"phone,omitempty"`
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	// Unit is the procuratorate unit the notice concerns.
	Unit          string `json:"unit,omitempty"`
	CaseID        string `json:"caseId,omitempty"`
	CaseNo        string `json:"caseNo,omitempty"`
	ApplicationID string `json:"applicationId,omitempty"`
	ComplaintID   string `json:"complaintId,omitempty"`
	OpinionID     string `json:"opinionId,omitempty"`
	DecisionID    string `json:"decisionId,omitempty"`
	// Contact is whom the recipient may call about it (the case handler).
	Contact   *casefile.Handler `json:"contact,omitempty"`
	CreatedAt time.Time         `json:"createdAt"`
}

// Lawyer is the recipient address of a lawyer (by practice certificate no.).
func Lawyer(license string) string { return "lawyer:" + license }

// Unit is the recipient address of a unit's clerks.
func Unit(unit string) string { return "unit:" + unit }

// Supervisors is the recipient address of a unit's supervisors.
func Supervisors(unit string) string { return "supervisors:" + unit }

// Text is the notice as one plain message (an SMS): subject, body and the
// contact line.
func (n Notice) Text() string {
	var b strings.Builder
	if n.Subject != "" {
		b.WriteString("【" + n.Subject + "】")
	}
	b.WriteString(n.Body)
	if n.Contact != nil && (n.Contact.Name != "" || n.Contact.Phone != "") {
		b.WriteString(" 联系人：" + strings.TrimSpace(n.Contact.Name+" "+n.Contact.Phone))
	}
	return b.String()
}

// Notifier delivers notices. Deliver must be idempotent on Notice.ID.
type Notifier interface {
	Deliver(ctx context.Context, n Notice) error
}

// Outbox is the local delivery channel: it keeps delivered notices in the
// store, per recipient, where the local pages and tests read them.
type Outbox struct {
	T store.Table
}

// Deliver stores n; a notice with the same ID is stored once.
func (o *Outbox) Deliver(ctx context.Context, n Notice) error {
	if n.ID == "" {
		n.ID = casefile.NewID()
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now().UTC()
	}
	data, err := json.Marshal(n)
	if err != nil {
		return err
	}
	_, err = o.T.Put(ctx, store.Item{PK: "outbox#" + n.To, SK: n.ID, Data: data})
	if err != nil && !isConflict(err) {
		return fmt.Errorf("notify: outbox %s: %w", n.To, err)
	}
	return nil
}

// List returns the notices delivered to a recipient, oldest first.
func (o *Outbox) List(ctx context.Context, to string) ([]Notice, error) {
	var out []Notice
	q := store.Query{PK: "outbox#" + to}
	items, err := store.All(ctx, o.T, q)
	if err != nil {
		return nil, fmt.Errorf("notify: list %s: %w", to, err)
	}
	for _, it := range items {
		var n Notice
		if err := json.Unmarshal(it.Data, &n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	slices.SortStableFunc(out, func(a, b Notice) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }

// Who names a lawyer for a notice text: "张律师（某某律师事务所，电话 138…）",
// leaving out whatever is unknown so no empty brackets or commas remain.
func Who(name, firm, phone string) string {
	var parts []string
	if firm != "" {
		parts = append(parts, firm)
	}
	if phone != "" {
		parts = append(parts, "电话 "+phone)
	}
	if len(parts) == 0 {
		return name
	}
	return name + "（" + strings.Join(parts, "，") + "）"
}
