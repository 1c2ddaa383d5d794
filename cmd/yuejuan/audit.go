package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/yuejuan/yuejuan/pkg/audit"
)

// exitCoder is an error that asks for a particular exit status; main
// honours it (default 1).
type exitCoder interface{ ExitCode() int }

// exitCode is the process status for err.
func exitCode(err error) int {
	var ec exitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return 1
}

// auditExit carries an exit status with the error.
type auditExit struct {
	code int
	err  error
}

func (e *auditExit) Error() string { return e.err.Error() }
func (e *auditExit) Unwrap() error { return e.err }
func (e *auditExit) ExitCode() int { return e.code }

// Exit statuses of yuejuan audit verify.
const (
	verifyIntact   = 0
	verifyBroken   = 1
	verifyCannot   = 2 // the server could not be asked (unreachable, bad token, wrong role)
	auditTimeLimit = 10 * time.Minute
)

var beijing = time.FixedZone("CST", 8*3600)

func newAuditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Query, export and verify the access log of a server (auditor token)",
		Long: `Query, export and verify the hash-chained access log of a running yuejuan
server. Every command needs an auditor's login token (--token or
$YUEJUAN_TOKEN) and the server's URL (--server or $YUEJUAN_SERVER, default
http://127.0.0.1:8080). Queries, exports and verifications are themselves
written to the log.`,
		Example: `  export YUEJUAN_SERVER=http://127.0.0.1:8080
  export YUEJUAN_TOKEN=$(yuejuan token --role auditor --sub audit01 --name 李审计)
  yuejuan audit query --case 01JQ3… --action link.download
  yuejuan audit query --case 京检刑诉〔2026〕456号
  yuejuan audit export --format csv --from 2026-03-01 --out 审计日志.csv
  yuejuan audit verify`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newAuditQueryCmd(), newAuditExportCmd(), newAuditVerifyCmd())
	return cmd
}

// auditFilters are the log filters shared by query and export.
type auditFilters struct {
	actor, kase, lawyer, application, action, from, to string
}

func (f *auditFilters) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.actor, "actor", "", "who acted: a lawyer's practice certificate no., a staff id, system or anonymous")
	fl.StringVar(&f.kase, "case", "", "case id or 案号")
	fl.StringVar(&f.lawyer, "lawyer", "", "a lawyer's certificate no. or name: what the lawyer did and the downloads of the lawyer's links")
	fl.StringVar(&f.application, "application", "", "application id")
	fl.StringVar(&f.action, "action", "", "action, e.g. link.download, link.refuse, application.decide, auth.fail, audit.export")
	fl.StringVar(&f.from, "from", "", "from this instant (RFC 3339) or Beijing date (YYYY-MM-DD), inclusive")
	fl.StringVar(&f.to, "to", "", "up to this instant (RFC 3339) or Beijing date (YYYY-MM-DD, the whole day), exclusive")
}

// client returns the server's client and the filters' query parameters.
func (f *auditFilters) client(cmd *cobra.Command) (*client, url.Values, error) {
	c, err := newClient(cmd)
	if err != nil {
		return nil, nil, err
	}
	q, err := f.values()
	return c, q, err
}

// values returns the query parameters, turning dates into Beijing instants.
func (f *auditFilters) values() (url.Values, error) {
	v := url.Values{}
	for k, s := range map[string]string{"actor": f.actor, "case": f.kase, "lawyer": f.lawyer, "application": f.application, "action": f.action} {
		if s != "" {
			v.Set(k, s)
		}
	}
	for _, x := range []struct {
		name, s string
		end     bool
	}{{"from", f.from, false}, {"to", f.to, true}} {
		if x.s == "" {
			continue
		}
		t, err := parseAuditTime(x.s, x.end)
		if err != nil {
			return nil, fmt.Errorf("--%s %q: want an RFC 3339 time (2026-03-02T09:00:00+08:00) or a date (2026-03-02)", x.name, x.s)
		}
		v.Set(x.name, t.Format(time.RFC3339))
	}
	return v, nil
}

// parseAuditTime reads RFC 3339 or a Beijing date; a date as the end of a
// range means the end of that day.
func parseAuditTime(s string, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation("2006-01-02", s, beijing)
	if err != nil {
		return time.Time{}, err
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

func newAuditQueryCmd() *cobra.Command {
	var f auditFilters
	var limit int
	var cursor string
	var all, asJSON bool
	cmd := &cobra.Command{
		Use:   "query",
		Short: "List log records matching filters, as a table or JSON",
		Long: `List the access log records that match all the given filters, oldest first,
one page at a time (--limit, default 50); the next page's --cursor is printed
on stderr. --all follows every page. Times are shown in Beijing time.`,
		Example: `  yuejuan audit query --action link.download --from 2026-03-01 --to 2026-03-31
  yuejuan audit query --case 01JQ3… --all
  yuejuan audit query --actor 11101201910012345 --json | jq '.events[].action'
  yuejuan audit query --action link.refuse --cursor 1200`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, q, err := f.client(cmd)
			if err != nil {
				return err
			}
			if limit < 1 || limit > 1000 {
				return fmt.Errorf("--limit %d: want 1 to 1000", limit)
			}
			q.Set("limit", strconv.Itoa(limit))
			ctx, cancel := context.WithTimeout(cmd.Context(), auditTimeLimit)
			defer cancel()
			var events []audit.Event
			next := cursor
			for {
				if next != "" {
					q.Set("cursor", next)
				}
				var page struct {
					Events []audit.Event `json:"events"`
					Next   string        `json:"next,omitempty"`
				}
				if err := c.do(ctx, "GET", "/api/v1/audit/events?"+q.Encode(), nil, &page); err != nil {
					return err
				}
				events = append(events, page.Events...)
				next = page.Next
				if !all || next == "" {
					break
				}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				if events == nil {
					events = []audit.Event{}
				}
				return enc.Encode(map[string]any{"events": events, "next": next})
			}
			printAuditTable(out, events)
			if next != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "more records follow: add --cursor %s (or --all)\n", next)
			}
			return nil
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.IntVar(&limit, "limit", 50, "records per page, 1 to 1000")
	fl.StringVar(&cursor, "cursor", "", "continue after this record (the value printed by the previous page)")
	fl.BoolVar(&all, "all", false, "follow every page")
	fl.BoolVar(&asJSON, "json", false, "print JSON ({events, next}) instead of a table")
	addClientFlags(cmd)
	return cmd
}

// printAuditTable prints events in aligned columns, counting CJK characters
// as two columns wide.
func printAuditTable(w io.Writer, events []audit.Event) {
	rows := [][]string{{"SEQ", "TIME (Beijing)", "ACTOR", "ROLE", "ACTION", "RESULT", "CASE", "APPLICATION", "TARGET", "IP", "DETAIL"}}
	for _, e := range events {
		var d []string
		for k, v := range e.Detail {
			d = append(d, k+"="+v)
		}
		slices.Sort(d)
		rows = append(rows, []string{strconv.FormatInt(e.Seq, 10), e.Time.In(beijing).Format("2006-01-02 15:04:05"),
			e.Actor, e.Role, string(e.Action), string(e.Result), e.CaseID, e.ApplicationID, e.Target, e.IP, strings.Join(d, " ")})
	}
	writeTable(w, rows)
	if len(events) == 0 {
		fmt.Fprintln(w, "(no records match)")
	}
}

func newAuditExportCmd() *cobra.Command {
	var f auditFilters
	var format, out string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export every matching record as CSV (for Excel) or NDJSON",
		Long: `Export every record matching the filters. CSV opens in Excel with the
Chinese intact (UTF-8 with BOM, a header row in Chinese, times in Beijing time
to the second and roles, actions, results and details in Chinese, then the
record's machine fields as further columns; a value that a spreadsheet would run as a formula gets a leading
apostrophe). NDJSON is one record per line exactly as stored, so its hashes
can be recomputed. Output goes to stdout, or to --out, which is written only
when the whole export arrived.`,
		Example: `  yuejuan audit export --format csv --case 01JQ3… --out 案件访问记录.csv
  yuejuan audit export --format ndjson --from 2026-01-01 --to 2026-12-31 > audit-2026.ndjson
  yuejuan audit export --action link.download --from 2026-03-01`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "csv" && format != "ndjson" {
				return fmt.Errorf("--format %q: want csv or ndjson", format)
			}
			c, q, err := f.client(cmd)
			if err != nil {
				return err
			}
			q.Set("format", format)
			resp, err := c.send(cmd.Context(), "GET", "/api/v1/audit/export?"+q.Encode(), nil, nil)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			var dst io.Writer = cmd.OutOrStdout()
			var tmp *os.File
			if out != "" {
				tmp, err = os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
				if err != nil {
					return err
				}
				defer os.Remove(tmp.Name()) // a no-op once renamed
				defer tmp.Close()
				dst = tmp
			}
			n, err := io.Copy(dst, resp.Body)
			if err != nil {
				return fmt.Errorf("export cut off after %d bytes: %w", n, err)
			}
			// The server says in a trailer whether everything was sent.
			if st := resp.Trailer.Get("X-Export-Status"); st != "" && st != "complete" {
				return fmt.Errorf("the server could not finish the export (status %q after %s records); nothing was saved", st, resp.Trailer.Get("X-Export-Records"))
			}
			if tmp != nil {
				if err := tmp.Sync(); err != nil {
					return err
				}
				if err := tmp.Close(); err != nil {
					return err
				}
				if err := os.Rename(tmp.Name(), out); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s records to %s\n", resp.Trailer.Get("X-Export-Records"), out)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&format, "format", "csv", "csv or ndjson")
	cmd.Flags().StringVar(&out, "out", "", "write to this file instead of stdout")
	addClientFlags(cmd)
	return cmd
}

func newAuditVerifyCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the log's hash chain and check its signed anchors",
		Long: `Have the server recompute the whole hash chain of the access log and check
every signed anchor of it (the periodically signed chain head kept apart from
the database), then print the result:

  OK: <n> records, head <hash>; <m> anchors, the last at seq <s> (<time>)

or name the first bad record or anchor and what is wrong with it.

Exit status: 0 the log is intact, 1 it is not (a record was altered, removed,
inserted or reordered, the tail was cut off, or an anchor is forged), 2 the
log could not be verified (server unreachable, token missing or not an
auditor's).`,
		Example: `  yuejuan audit verify
  yuejuan audit verify --server https://yuejuan.example.gov.cn --token "$AUDITOR_TOKEN"
  yuejuan audit verify --json || alert-oncall`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := newClient(cmd)
			if err != nil {
				return &auditExit{verifyCannot, err}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), auditTimeLimit)
			defer cancel()
			var rep audit.Report // the answer of GET /api/v1/audit/verify
			if err := c.do(ctx, "GET", "/api/v1/audit/verify", nil, &rep); err != nil {
				return &auditExit{verifyCannot, err}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				_ = enc.Encode(rep)
			}
			if rep.OK {
				if !asJSON {
					fmt.Fprintf(out, "OK: %d records, head %s", rep.Records, orNone(rep.HeadHash))
					if rep.LastAnchor != nil {
						fmt.Fprintf(out, "; %d anchors, the last at seq %d (%s)", rep.Anchors, rep.LastAnchor.Seq,
							rep.LastAnchor.Time.In(beijing).Format("2006-01-02 15:04:05 +08:00"))
					} else {
						fmt.Fprint(out, "; no anchors yet")
					}
					if rep.Pending > 0 {
						fmt.Fprintf(out, "; %d records written ahead, not yet in the chain (the scheduler appends them)", rep.Pending)
					}
					fmt.Fprintln(out)
				}
				return nil
			}
			what := fmt.Sprintf("record seq %d", rep.FirstBad)
			if rep.BadAnchor != "" {
				what = "anchor " + rep.BadAnchor
			}
			if !asJSON {
				fmt.Fprintf(out, "BROKEN: %s: %s\n", what, rep.Problem)
				fmt.Fprintf(out, "(%d records verified before it)\n", rep.Records)
			}
			return &auditExit{verifyBroken, fmt.Errorf("the audit log does not verify: %s", what)}
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the server's report as JSON")
	addClientFlags(cmd)
	return cmd
}

func orNone(s string) string {
	if s == "" {
		return "(none: the log is empty)"
	}
	return s
}
