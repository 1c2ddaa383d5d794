package reminder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/procedure"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// LinkWatch lists issued download links by expiry, so that the job finds
// those about to expire without scanning every link.
type LinkWatch struct {
	T store.Table
}

const watchPK = "watch#link-expiry"

type watched struct {
	ApplicationID string    `json:"applicationId"`
	LinkID        string    `json:"linkId"`
	ExpiresAt     time.Time `json:"expiresAt"`
}

func watchSK(expires time.Time, linkID string) string {
	return store.TimeKey(expires) + "#" + linkID
}

// Add watches link l of application appID, on both lists (the notice's and
// the expiry's). Adding it twice is harmless.
func (w *LinkWatch) Add(ctx context.Context, appID string, l *link.Link) error {
	if err := w.put(ctx, watchPK, appID, l); err != nil {
		return fmt.Errorf("reminder: watch link %s: %w", l.ID, err)
	}
	if err := w.put(ctx, expirePK, appID, l); err != nil {
		return fmt.Errorf("reminder: watch expiry of %s: %w", l.ID, err)
	}
	return nil
}

// put lists link l on the watch list pk, by its expiry; an entry already
// there is kept. No TTL: every entry falls due and the job removes it.
func (w *LinkWatch) put(ctx context.Context, pk, appID string, l *link.Link) error {
	data, err := json.Marshal(watched{ApplicationID: appID, LinkID: l.ID, ExpiresAt: l.ExpiresAt})
	if err != nil {
		return err
	}
	return store.Mark(ctx, w.T, store.Item{PK: pk, SK: watchSK(l.ExpiresAt, l.ID), Data: data})
}

func (w *LinkWatch) dueBy(ctx context.Context, t time.Time) ([]store.Item, error) {
	out, err := store.All(ctx, w.T, store.Query{PK: watchPK, SKFrom: "0", SKTo: watchSK(t, "~")})
	if err != nil {
		return nil, fmt.Errorf("reminder: watched links: %w", err)
	}
	return out, nil
}

func (w *LinkWatch) done(ctx context.Context, it store.Item) {
	_ = w.T.Delete(ctx, it.PK, it.SK, it.Version)
}

// expiring tells each lawyer whose link expires within ExpiryLead, once:
// the notice id is fixed per link, and the watch entry goes once sent. A
// link that is no longer usable (revoked, used up, expired) or whose
// application moved on gets no notice.
func (j *Job) expiring(ctx context.Context, s *Summary) error {
	lead := j.ExpiryLead
	if lead <= 0 {
		lead = 24 * time.Hour
	}
	now := j.now()
	items, err := j.Watch.dueBy(ctx, now.Add(lead))
	if err != nil {
		return err
	}
	for _, it := range items {
		var wl watched
		if err := json.Unmarshal(it.Data, &wl); err != nil {
			j.Watch.done(ctx, it)
			continue
		}
		l, err := j.Links.Get(ctx, wl.LinkID)
		if errors.Is(err, link.ErrNotFound) {
			j.Watch.done(ctx, it)
			continue
		}
		if err != nil {
			return err
		}
		a, err := j.Apps.Get(ctx, wl.ApplicationID)
		if errors.Is(err, store.ErrNotFound) {
			j.Watch.done(ctx, it)
			continue
		}
		if err != nil {
			return err
		}
		usable := !l.Revoked && now.Before(l.ExpiresAt) && l.Left() > 0
		if !usable || a.Status != application.Ready || a.LinkID != l.ID {
			j.Watch.done(ctx, it)
			continue
		}
		if err := j.Notify.Deliver(ctx, procedure.LinkExpiring(a, l)); err != nil {
			return fmt.Errorf("reminder: link expiry notice %s: %w", l.ID, err)
		}
		j.Watch.done(ctx, it)
		s.LinksExpiring++
	}
	return nil
}
