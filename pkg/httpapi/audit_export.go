package httpapi

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/msg"
	"github.com/yuejuan/yuejuan/pkg/service"
)

// exportZone is Asia/Shanghai, the zone of the export's file name.
var exportZone = audit.Beijing

// csvHeader names the export's columns in Chinese: first as the auditor
// reads them (Beijing time to the second, the labels of package audit),
// then the record's machine fields, exactly (the time in UTC to the
// nanosecond, the codes, the detail as JSON, the hashes), for a program.
var csvHeader = []string{
	"序号", "时间（北京时间）", "操作人", "角色", "操作", "结果",
	"案件 ID", "申请 ID", "对象", "来源 IP", "客户端", "请求号", "详情",
	"时间（UTC）", "角色代码", "操作代码", "结果代码", "详情（JSON）", "前一哈希", "哈希",
}

// Export trailers: whether the whole selection was written, and how many
// records. A client that sees "failed" (or a cut connection) must not trust
// the file as complete.
const (
	trailerStatus  = "X-Export-Status"
	trailerRecords = "X-Export-Records"
)

// auditExport is GET /api/v1/audit/export?format=csv|ndjson&<filters>: every
// matching record, streamed page by page. CSV opens in Excel with the
// Chinese intact (UTF-8 BOM, CRLF, RFC 4180 quoting, times in Asia/Shanghai);
// NDJSON is one event per line exactly as stored, hashes verifiable. The
// export itself is audited before the first byte goes out.
func (a *API) auditExport(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "ndjson" {
		writeError(w, service.BadQuery, msg.ExportFormat.Format())
		return
	}
	f, ok := a.auditFilter(w, r)
	if !ok {
		return
	}
	h := w.Header()
	bw := bufio.NewWriterSize(w, 64<<10)
	var (
		n     int64
		begun bool
		write func(audit.Event) error
		flush = func() error { return nil }
	)
	// Headers and the file's start go out once the export is recorded.
	begin := func() {
		begun = true
		name := "yuejuan-audit-" + a.now().In(exportZone).Format("20060102-150405") + "." + format
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
		h.Set("Trailer", trailerStatus+", "+trailerRecords)
		if format == "csv" {
			h.Set("Content-Type", "text/csv; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			bw.WriteString("\uFEFF") // the BOM Excel needs to read UTF-8
			cw := csv.NewWriter(bw)
			cw.UseCRLF = true
			_ = cw.Write(csvHeader)
			write = func(e audit.Event) error { return cw.Write(csvRow(e)) }
			flush = func() error { cw.Flush(); return cw.Error() }
			return
		}
		h.Set("Content-Type", "application/x-ndjson; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		write = func(e audit.Event) error { return enc.Encode(e) }
	}
	err := a.ExportAudit(r.Context(), a.caller(r, id), f, format, r.URL.RawQuery, begin, func(e audit.Event) error {
		n++
		return write(e)
	})
	if !begun {
		a.fail(w, r, err) // not recorded: nothing exported
		return
	}
	if err == nil {
		err = flush()
	}
	if err == nil {
		err = bw.Flush()
	}
	status := "complete"
	if err != nil {
		status = "failed"
		a.log().Error("audit export failed", "requestId", info(r.Context()).id, "records", n, "err", err)
	}
	h.Set(trailerStatus, status)
	h.Set(trailerRecords, strconv.FormatInt(n, 10))
}

func csvRow(e audit.Event) []string {
	detail := ""
	if len(e.Detail) > 0 {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(e.Detail) // sorted keys
		detail = strings.TrimSuffix(b.String(), "\n")
	}
	action := e.Action.Label()
	if action == "" {
		action = string(e.Action)
	}
	return []string{
		strconv.FormatInt(e.Seq, 10), audit.BeijingTime(e.Time),
		cell(e.Actor), cell(audit.RoleLabel(e.Role)), cell(action), cell(e.Result.Label()),
		cell(e.CaseID), cell(e.ApplicationID), cell(e.Target), cell(e.IP), cell(e.UserAgent), cell(e.RequestID),
		cell(audit.DescribeDetail(e.Detail)),
		e.Time.UTC().Format(time.RFC3339Nano), cell(e.Role), cell(string(e.Action)), cell(string(e.Result)),
		cell(detail), e.PrevHash, e.Hash,
	}
}

// cell keeps a spreadsheet from running a value as a formula (a user agent
// or a name is caller-controlled): a cell starting with = + - @ or a
// control character gets a leading apostrophe, which Excel hides. The
// NDJSON export carries the values unchanged.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r\n", rune(s[0])) {
		return "'" + s
	}
	return s
}
