// Package notify sends notices to lawyers and to a unit's clerks and
// supervisors: SNS (SMS or app push) on AWS, and locally an outbox in the
// metadata store that the pages show.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Notice is one message to one recipient.
type Notice struct {
	ID            string    `json:"id"`
	To            string    `json:"to"` // "lawyer:<license>", "unit:<unit>" or "supervisors:<unit>"
	Kind          string    `json:"kind"`
	Subject       string    `json:"subject"`
	Body          string    `json:"body"`
	CaseID        string    `json:"caseId,omitempty"`
	ApplicationID string    `json:"applicationId,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
}

// Notifier delivers notices. Deliver must be idempotent on Notice.ID.
type Notifier interface {
	Deliver(ctx context.Context, n Notice) error
}

// Outbox keeps notices in the store, newest last, per recipient.
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

// List returns the notices for a recipient, oldest first.
func (o *Outbox) List(ctx context.Context, to string) ([]Notice, error) {
	var out []Notice
	q := store.Query{PK: "outbox#" + to}
	for {
		p, err := o.T.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("notify: list %s: %w", to, err)
		}
		for _, it := range p.Items {
			var n Notice
			if err := json.Unmarshal(it.Data, &n); err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		if p.Next == "" {
			return out, nil
		}
		q.Cursor = p.Next
	}
}

func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }
