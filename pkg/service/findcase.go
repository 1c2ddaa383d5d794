package service

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/msg"
)

// CaseQuery is how a lawyer who does not have the case number finds the
// case: the procuratorate, the name of the suspect or defendant (as
// registered, whole), and optionally words of the case's name.
type CaseQuery struct {
	Unit      string
	Defendant string
	Title     string
}

// CaseHit is what a search shows of a case: enough to choose it and apply,
// nothing of its contents.
type CaseHit struct {
	CaseNo string         `json:"caseNo"`
	Title  string         `json:"title"`
	Unit   string         `json:"unit"`
	Stage  casefile.Stage `json:"stage"`
}

// A search that finds nothing costs one of FindMissesBurst, refilled one
// every FindMissEvery: a lawyer mistyping a name a few times is never
// stopped, while guessing names to learn who is prosecuted where is.
const (
	FindMissesBurst = 10
	FindMissEvery   = 6 * time.Minute
)

var findMissesOnce sync.Mutex

func (s *Service) findMisses() *account.Limiter {
	findMissesOnce.Lock()
	defer findMissesOnce.Unlock()
	if s.FindMisses == nil {
		s.FindMisses = &account.Limiter{Every: FindMissEvery, Burst: FindMissesBurst}
	}
	return s.FindMisses
}

// squeeze is a name as compared: spaces (half- and full-width) gone, so
// "张 某某" and "张　某某" find 张某某.
func squeeze(v string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u3000' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, v)
}

// FindCase lists the open cases of q.Unit with q.Defendant among their
// suspects or defendants (and q.Title in their name, when given). The
// whole name must match: a search never lists a unit's cases by a part of
// a name. Every search is audited (case.find, with what was asked and how
// many cases it found); one that finds nothing counts against the caller's
// misses (FindMissesBurst), and past them the search is refused with
// FindLimited until one is refilled.
func (s *Service) FindCase(ctx context.Context, c Caller, q CaseQuery) ([]CaseHit, error) {
	q.Unit, q.Defendant, q.Title = strings.TrimSpace(q.Unit), squeeze(q.Defendant), squeeze(q.Title)
	var ps casefile.Problems
	if q.Unit == "" {
		ps = append(ps, casefile.Problem{Field: "unit", Message: string(msg.FindUnit)})
	} else if m := limits.Unit.Check("unit", q.Unit); m != "" {
		ps = append(ps, casefile.Problem{Field: "unit", Message: m})
	}
	if q.Defendant == "" {
		ps = append(ps, casefile.Problem{Field: "defendant", Message: string(msg.FindDefendant)})
	} else if m := limits.DefendantName.Check("defendant", q.Defendant); m != "" {
		ps = append(ps, casefile.Problem{Field: "defendant", Message: m})
	}
	if m := limits.CaseTitle.Check("title", q.Title); m != "" {
		ps = append(ps, casefile.Problem{Field: "title", Message: m})
	}
	if len(ps) > 0 {
		return nil, InvalidError(ps)
	}
	detail := map[string]string{"unit": q.Unit, "defendant": q.Defendant}
	if q.Title != "" {
		detail["title"] = q.Title
	}
	key := Owner(c.Identity)
	if s.findMisses().Blocked(key) {
		detail["limit"] = strconv.Itoa(FindMissesBurst)
		s.record(ctx, c, audit.Event{Action: audit.CaseFind, Result: audit.Denied, Detail: detail})
		return nil, &Error{Code: FindLimited, Message: msg.FindTooOften.Format(FindMissesBurst, int(FindMissEvery/time.Minute))}
	}
	cases, err := s.Cases.ListByUnit(ctx, q.Unit)
	if err != nil {
		return nil, internal(err)
	}
	hits := []CaseHit{}
	for _, cs := range cases {
		if cs.Concluded {
			continue
		}
		named := false
		for _, d := range cs.Defendants {
			if squeeze(d) == q.Defendant {
				named = true
				break
			}
		}
		if !named || q.Title != "" && !strings.Contains(squeeze(cs.Title), q.Title) {
			continue
		}
		hits = append(hits, CaseHit{CaseNo: cs.CaseNo, Title: cs.Title, Unit: cs.Unit, Stage: cs.Stage})
	}
	if len(hits) == 0 {
		s.findMisses().Failed(key)
	}
	detail["found"] = strconv.Itoa(len(hits))
	s.record(ctx, c, audit.Event{Action: audit.CaseFind, Result: audit.OK, Detail: detail})
	return hits, nil
}

// Units lists the procuratorates a lawyer may choose from: those with
// registered cases.
func (s *Service) Units(ctx context.Context) ([]string, error) {
	us, err := s.Cases.Units(ctx)
	if err != nil {
		return nil, internal(err)
	}
	return us, nil
}
