package reminder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// A second watch list, also by link expiry, drives the last transition of an
// application: ready → expired once its link has expired. It is separate
// from the notice list because that entry goes as soon as the notice is sent.
const expirePK = "watch#app-expiry"

func (w *LinkWatch) expiredBy(ctx context.Context, t time.Time) ([]store.Item, error) {
	out, err := store.All(ctx, w.T, store.Query{PK: expirePK, SKFrom: "0", SKTo: watchSK(t, "~")})
	if err != nil {
		return nil, fmt.Errorf("reminder: expired links: %w", err)
	}
	return out, nil
}

// expire moves ready applications whose link has expired to expired, with
// the reason as their last transition and an audit record. An application
// that moved on (refused, or a newer link after the case changed) is left
// alone.
func (j *Job) expire(ctx context.Context, s *Summary) error {
	now := j.now()
	items, err := j.Watch.expiredBy(ctx, now)
	if err != nil {
		return err
	}
	for _, it := range items {
		var wl watched
		if err := json.Unmarshal(it.Data, &wl); err != nil || !now.After(wl.ExpiresAt) {
			if err != nil {
				j.Watch.done(ctx, it)
			}
			continue
		}
		moved := false
		a, err := j.Apps.Update(ctx, wl.ApplicationID, func(a *application.Application) error {
			if a.Status != application.Ready || a.LinkID != wl.LinkID {
				return errMovedOn
			}
			moved = true
			return a.Move(application.Expired, "system", "下载链接已到期，阅卷结束；如需再次阅卷请重新申请", now.UTC())
		})
		switch {
		case errors.Is(err, errMovedOn), errors.Is(err, store.ErrNotFound):
			j.Watch.done(ctx, it)
			continue
		case err != nil:
			return err
		}
		if moved {
			if _, err := j.Audit.Append(ctx, audit.Event{Actor: "system", Role: "system", Action: audit.ApplicationExpire,
				CaseID: a.CaseID, ApplicationID: a.ID, Target: wl.LinkID, Result: audit.OK,
				Detail: map[string]string{"linkExpiresAt": wl.ExpiresAt.UTC().Format(time.RFC3339)}}); err != nil {
				return err
			}
			s.Expired++
		}
		j.Watch.done(ctx, it)
	}
	return nil
}

var errMovedOn = errors.New("application moved on")
