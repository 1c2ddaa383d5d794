package service

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/limits"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/ocr"
	"github.com/yuejuan/yuejuan/pkg/pageid"
)

// DossierHit is one page of the lawyer's dossier where the words searched
// for stand: its printed identifier (the same in every version while the
// page is unchanged), its document, and the text around them.
type DossierHit struct {
	Page    string `json:"page"`
	Volume  int    `json:"volume"`
	Title   string `json:"title"`
	Snippet string `json:"snippet"`
}

// DossierSearch is the answer to a search inside a dossier.
type DossierSearch struct {
	Query   string       `json:"query"`
	Version int          `json:"version"`
	Hits    []DossierHit `json:"hits"`
	// More is set when there were more than MaxHits pages.
	More bool `json:"more,omitempty"`
	// Unread counts the pages whose text could not be searched: pages
	// recognition failed on, or whose material has no recognised words
	// (recognition off, or a PDF with its own text layer).
	Unread int `json:"unread"`
}

// MaxHits bounds the pages one search lists.
const MaxHits = 100

// snippetRunes is how much text a hit shows on each side of the words.
const snippetRunes = 24

// SearchDossier finds q in the recognised text of the dossier version the
// applying lawyer's live link is of, page by page in paper-file order. Only
// that lawyer may search, only while the dossier is ready; every search is
// audited (dossier.search, with what was asked and how many pages were
// found). Spaces are ignored on both sides (recognised Chinese has them
// between words), Latin letters compared without case.
func (s *Service) SearchDossier(ctx context.Context, c Caller, id, q string) (*DossierSearch, error) {
	app, err := s.ApplicationFor(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if c.Subject != app.Lawyer.License {
		return nil, Fail(ApplicationNotFound, msg.ApplicationNotFound)
	}
	q = strings.TrimSpace(q)
	needle := strings.ToLower(squeeze(q))
	if needle == "" {
		return nil, InvalidError(casefile.Problems{{Field: "q", Message: string(msg.SearchQuery)}})
	}
	if m := limits.SearchQuery.Check("q", q); m != "" {
		return nil, InvalidError(casefile.Problems{{Field: "q", Message: m}})
	}
	if app.Status != application.Ready || app.LinkID == "" || s.Uploads == nil {
		return nil, Fail(NotReady, msg.NotReady)
	}
	l, err := s.Links.Get(ctx, app.LinkID)
	if err != nil {
		return nil, internal(err)
	}
	out := &DossierSearch{Query: q, Version: l.Version, Hits: []DossierHit{}}
	var ledger []pageid.LedgerEntry
	if l.Version > 0 {
		v, err := s.versions().Get(ctx, app.CaseID, l.Version)
		if err != nil {
			return nil, internal(err)
		}
		ledger = v.Ledger
	}
	for _, e := range ledger {
		if e.RemovedIn != 0 && e.RemovedIn <= l.Version {
			continue
		}
		ids := pageid.IDs(e.Runs)
		res, err := s.wordsOf(ctx, app.CaseID, e.Key)
		if err != nil {
			return nil, err
		}
		for i, pid := range ids {
			if res == nil || i >= len(res.Pages) || len(res.Pages[i].Words) == 0 {
				out.Unread++
				continue
			}
			text := pageText(&res.Pages[i])
			if lower := strings.ToLower(text); len(lower) == len(text) {
				text = lower // same offsets; otherwise searched as it is
			}
			at := strings.Index(text, needle)
			if at < 0 {
				continue
			}
			if len(out.Hits) == MaxHits {
				out.More = true
				break
			}
			out.Hits = append(out.Hits, DossierHit{Page: pid.String(), Volume: e.Volume, Title: e.Title, Snippet: snippet(text, at, len(needle))})
		}
	}
	s.record(ctx, c, audit.Event{Action: audit.DossierSearch, Result: audit.OK, ApplicationID: app.ID, CaseID: app.CaseID,
		Detail: map[string]string{"query": q, "found": strconv.Itoa(len(out.Hits)), "version": strconv.Itoa(l.Version)}})
	return out, nil
}

// wordsOf reads material id's recognised words; nil when it has none.
func (s *Service) wordsOf(ctx context.Context, caseID, id string) (*ocr.Result, error) {
	data, err := s.Uploads.ReadAll(ctx, ocr.WordsKey(caseID, id))
	if blob.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, internal(err)
	}
	var r ocr.Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, nil // unreadable: searched as a page without text
	}
	return &r, nil
}

// pageText is a page's recognised words in reading order, without spaces.
func pageText(p *ocr.Page) string {
	var b strings.Builder
	for _, w := range p.Words {
		b.WriteString(squeeze(w.Text))
	}
	return b.String()
}

// snippet is text around the n bytes at byte offset at, snippetRunes on
// each side, with … where it was cut.
func snippet(text string, at, n int) string {
	start, end := at, at+n
	for k := 0; k < snippetRunes && start > 0; k++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	for k := 0; k < snippetRunes && end < len(text); k++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	out := text[start:end]
	if start > 0 {
		out = "…" + out
	}
	if end < len(text) {
		out += "…"
	}
	return out
}
