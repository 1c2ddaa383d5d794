package service

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/casefile"
)

// The auditors' use of the log is itself logged: every query, verification
// and export leaves a record, and an export none without it.

// CaseRef turns a case reference of an audit filter, the case's id or its
// 案号, into the case's id. A reference that names no case is kept as it
// is (and matches nothing).
func (s *Service) CaseRef(ctx context.Context, ref string) string {
	if ref == "" || s.Cases == nil {
		return ref
	}
	if _, err := s.Cases.Get(ctx, ref); err == nil {
		return ref
	}
	if cs, err := s.Cases.GetByNo(ctx, ref); err == nil {
		return cs.ID
	}
	return ref
}

// LawyerRef turns a lawyer reference of an audit filter, a certificate
// number however typed (casefile.NormalizeLicense) or a name,
// into the lawyers' certificate numbers. A name is looked up among the
// applicants of every registered unit (an auditor's query is rare; there
// is no index by name); one that names nobody is kept as it is, so it
// matches nothing, as CaseRef does.
func (s *Service) LawyerRef(ctx context.Context, ref string) ([]string, error) {
	if strings.TrimSpace(ref) == "" {
		return nil, nil
	}
	if lic := casefile.NormalizeLicense(ref); strings.Trim(lic, "0123456789") == "" || s.Cases == nil || s.Apps == nil {
		return []string{lic}, nil
	}
	ref = strings.Join(strings.Fields(ref), "")
	units, err := s.Cases.Units(ctx)
	if err != nil {
		return nil, internal(err)
	}
	var out []string
	for _, u := range units {
		apps, err := s.Apps.ByUnit(ctx, u, false)
		if err != nil {
			return nil, internal(err)
		}
		for _, a := range apps {
			if strings.Join(strings.Fields(a.Lawyer.Name), "") == ref && !slices.Contains(out, a.Lawyer.License) {
				out = append(out, a.Lawyer.License)
			}
		}
	}
	if out == nil {
		out = []string{ref}
	}
	return out, nil
}

// QueryAudit is the page of records f selects, for the auditor c whose
// query (as sent) is recorded. A filter the log cannot run is Invalid.
func (s *Service) QueryAudit(ctx context.Context, c Caller, f audit.Filter, query string) (audit.Page, error) {
	page, err := s.Audit.Query(ctx, f)
	if err != nil {
		return page, &Error{Code: BadQuery, Message: err.Error(), Err: err}
	}
	if page.Events == nil {
		page.Events = []audit.Event{}
	}
	s.record(ctx, c, audit.Event{Action: audit.AuditQuery, Result: audit.OK, Detail: map[string]string{"query": query}})
	return page, nil
}

// VerifyAudit checks the log's chain and anchors, and records the check
// with its outcome.
func (s *Service) VerifyAudit(ctx context.Context, c Caller) (audit.Report, error) {
	rep, err := s.Audit.Verify(ctx)
	if err != nil {
		return rep, internal(err)
	}
	d := map[string]string{"ok": strconv.FormatBool(rep.OK), "records": strconv.FormatInt(rep.Records, 10), "anchors": strconv.Itoa(rep.Anchors)}
	if !rep.OK {
		d["firstBad"], d["badAnchor"], d["problem"] = strconv.FormatInt(rep.FirstBad, 10), rep.BadAnchor, rep.Problem
	}
	s.record(ctx, c, audit.Event{Action: audit.AuditVerify, Result: audit.OK, Detail: d})
	return rep, nil
}

// ExportAudit records the export of the records f selects in format, then
// gives them to write one by one; without its record nothing is exported.
// begin runs once the record is written, before the first record.
func (s *Service) ExportAudit(ctx context.Context, c Caller, f audit.Filter, format, query string, begin func(), write func(audit.Event) error) error {
	if _, err := s.Audit.Append(ctx, c.Fill(audit.Event{Action: audit.AuditExport, Result: audit.OK,
		Detail: map[string]string{"format": format, "query": query}})); err != nil {
		return internal(err)
	}
	begin()
	return s.Audit.Each(ctx, f, write)
}
