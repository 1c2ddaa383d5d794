// Package limits is the one table of how much a user may send in each field
// of a request: characters of a text, items of a list, the range of a
// number. Validation (casefile, application, complaint, opinion,
// procedure, httpapi) checks against it and docs/limits.md is its table
// (TestDocMatchesTable keeps the two the same). Characters are Unicode code
// points (runes), never bytes: 200 characters of Chinese are 600 bytes.
//
// Without these limits a clerk could register a 340,000-character case
// title (it fits in the 1 MiB request body) whose cover page never finished
// laying out, pinning a worker for the job's whole timeout.
package limits

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuejuan/yuejuan/pkg/msg"
)

// UploadBytes is the largest file a clerk or lawyer may upload by
// default (YUEJUAN_MAX_UPLOAD_MB overrides it): upload URLs are issued for
// at most this many bytes, and ingest accepts as many (scan.DefaultLimits).
const UploadBytes int64 = 512 << 20

// Kind is what a limit bounds.
type Kind int

// The kinds of limit.
const (
	// Line is one line of text (a name, a title, a phone number): at most
	// Max characters, and no control characters — no line breaks, tabs,
	// NULs, Unicode line or paragraph separators, or bidirectional
	// overrides that would make the text display as something else.
	Line Kind = iota
	// Text is free text (a description, a reason): at most Max
	// characters; line breaks and tabs are allowed, other control
	// characters are not.
	Text
	// Count is a list: at most Max items.
	Count
	// Range is a whole number from Min to Max.
	Range
)

// Limit is one row of the table.
type Limit struct {
	// Fields names where the limit applies: route and field as requests
	// and problems name it ("POST /cases title").
	Fields []string
	// Label is the field's name in Chinese, for messages.
	Label string
	Kind  Kind
	// Min is the smallest value of a Range; Max the most characters of a
	// Line or Text, the most items of a Count, the largest value of a
	// Range.
	Min, Max int
	// Item is the Chinese measure word of a Count's items (名, 个, 项).
	Item string
	// Why the limit is what it is, for the docs.
	Why string
}

// The limits. Each is declared here once; docs/limits.md is made from All.
var (
	CaseNo = &Limit{Label: "案号", Kind: Line, Max: 64,
		Fields: []string{"POST /cases caseNo", "POST /applications caseNo", "POST /complaints caseNo"},
		Why:    "案号 such as 京检刑诉〔2026〕123号 are under 30 characters; 64 leaves room for a unit's own prefixes."}
	CaseTitle = &Limit{Label: "案件名称", Kind: Line, Max: 200,
		Fields: []string{"POST /cases title", "GET /cases/find title"},
		Why:    "A case name is the lead defendant and the charges (张某某等12人组织、领导、参加黑社会性质组织、敲诈勒索案 is 31); 200 fits the longest joint cases and still fits the dossier cover (wrapped, at most 10 lines)."}
	Defendants = &Limit{Label: "犯罪嫌疑人/被告人", Kind: Count, Max: 300, Item: "名",
		Fields: []string{"POST /cases defendants"},
		Why:    "The largest joint prosecutions (organised crime, pyramid schemes) have had a few hundred defendants; larger ones are split into several cases."}
	DefendantName = &Limit{Label: "犯罪嫌疑人/被告人姓名", Kind: Line, Max: 100,
		Fields: []string{"POST /cases defendants[i]", "POST /applications client", "POST /cases/{id}/lawyers client", "GET /cases/find defendant"},
		Why:    "A person's name is a few characters (a transliterated foreign name a few dozen); a company charged as a unit (单位犯罪) can have a registered name of up to about 60. The client of an application or binding is one of them."}
	PersonName = &Limit{Label: "姓名", Kind: Line, Max: 50,
		Fields: []string{"POST /cases handler.name", "POST /applications lawyer.name", "POST /cases/{id}/lawyers name"},
		Why:    "A prosecutor's or lawyer's name; 50 fits transliterated foreign names."}
	Phone = &Limit{Label: "联系电话", Kind: Line, Max: 40,
		Fields: []string{"POST /cases handler.phone", "POST /applications lawyer.phone", "POST /complaints phone", "POST /cases/{id}/lawyers phone"},
		Why:    "A landline with area code and extension, or two numbers (010-12345678转123 / 13800000000 is 29)."}
	Firm = &Limit{Label: "律师事务所", Kind: Line, Max: 100,
		Fields: []string{"POST /applications lawyer.firm", "POST /complaints firm", "POST /cases/{id}/lawyers firm"},
		Why:    "A law firm's registered name with its branch (北京市某某律师事务所上海分所) is well under 50."}
	Exclusions = &Limit{Label: "排除情形", Kind: Count, Max: 5, Item: "项",
		Fields: []string{"POST /cases exclusions"},
		Why:    "There are five kinds of exclusion; each is named at most once."}
	Volume = &Limit{Label: "卷号", Kind: Range, Min: 1, Max: 999,
		Fields: []string{"POST /cases/{id}/materials volume"},
		Why:    "Volumes are numbered from 1; no case file has a thousand volumes."}
	Seq = &Limit{Label: "卷内顺序号", Kind: Range, Min: 1, Max: 9999,
		Fields: []string{"POST /cases/{id}/materials seq"},
		Why:    "Documents are numbered from 1 inside a volume (a volume holds at most a few hundred)."}
	VolumeTitle = &Limit{Label: "卷名", Kind: Line, Max: 100,
		Fields: []string{"POST /cases/{id}/materials volumeTitle"},
		Why:    "A volume's name (诉讼文书卷, 证据材料卷 第三册) is short; it heads each page of the 卷内目录 on one line."}
	MaterialTitle = &Limit{Label: "文件标题", Kind: Line, Max: 200,
		Fields: []string{"POST /cases/{id}/materials title"},
		Why:    "A document's title in the 卷内目录 (张某某讯问笔录（第三次）); longer ones are shortened with an ellipsis in the table, and shown whole in the bookmarks."}
	Filename = &Limit{Label: "文件名", Kind: Line, Max: 255,
		Fields: []string{"POST /cases/{id}/materials filename", "POST /attachments filename"},
		Why:    "File systems allow 255 characters in a name."}
	Attachments = &Limit{Label: "附件", Kind: Count, Max: 20, Item: "个",
		Fields: []string{"POST /applications attachments", "POST /complaints attachments", "POST /cases/{id}/opinions attachments"},
		Why:    "An application needs three documents; a complaint or an opinion a handful of supporting ones. Each is looked up, so the count bounds the work of a request."}
	AttachmentID = &Limit{Label: "附件编号", Kind: Line, Max: 64,
		Fields: []string{"POST /applications attachments[i]", "POST /complaints attachments[i]", "POST /cases/{id}/opinions attachments[i]"},
		Why:    "Ids are 26 characters (ULID); anything much longer is not one of ours."}
	Unit = &Limit{Label: "受理单位", Kind: Line, Max: 100,
		Fields: []string{"POST /complaints unit", "GET /cases/find unit"},
		Why:    "A procuratorate's name (北京市朝阳区人民检察院) is under 30 characters."}
	DecisionReason = &Limit{Label: "理由", Kind: Text, Max: 2000,
		Fields: []string{"POST /applications/{id}/decision reason"},
		Why:    "The written reason of a refusal goes into the reply and the lawyer's notice; a page of text is enough."}
	ComplaintDescription = &Limit{Label: "情况说明", Kind: Text, Max: 5000,
		Fields: []string{"POST /complaints description"},
		Why:    "What happened, when and where: a few pages; longer accounts go in attachments."}
	ComplaintAnswer = &Limit{Label: "答复", Kind: Text, Max: 10000,
		Fields: []string{"POST /complaints/{id}/answer answer"},
		Why:    "The written answer may be longer than the complaint: twice its limit."}
	OpinionText = &Limit{Label: "意见内容", Kind: Text, Max: 20000,
		Fields: []string{"POST /cases/{id}/opinions text"},
		Why:    "A defence opinion can run to several pages; longer ones are attached as documents."}
	OpinionReason = &Limit{Label: "理由", Kind: Text, Max: 10000,
		Fields: []string{"POST /opinions/{id}/reply reason"},
		Why:    "Why the opinion was or was not adopted: half the opinion's limit."}
	DecisionText = &Limit{Label: "决定内容", Kind: Text, Max: 2000,
		Fields: []string{"POST /cases/{id}/decisions text"},
		Why:    "A procedural decision's text goes into every bound lawyer's notice."}
	SearchQuery = &Limit{Label: "检索词", Kind: Line, Max: 50,
		Fields: []string{"GET /applications/{id}/search q"},
		Why:    "A name, a number or a phrase to find in the dossier; a sentence is longer than anyone searches for."}
)

// All is the table, in the order of docs/limits.md.
var All = []*Limit{
	CaseNo, CaseTitle, Defendants, DefendantName, PersonName, Phone, Exclusions,
	Volume, Seq, VolumeTitle, MaterialTitle, Filename,
	Firm, Attachments, AttachmentID, DecisionReason,
	Unit, ComplaintDescription, ComplaintAnswer,
	OpinionText, OpinionReason, DecisionText, SearchQuery,
}

// Fits reports whether the text s is within a Line or Text limit.
func (l *Limit) Fits(s string) bool { return l.Check("", s) == "" }

// Check returns what is wrong with the text s of field (a Line or Text
// limit), in Chinese then English, or "" if nothing is. It counts runes
// and stops at the first bad character.
func (l *Limit) Check(field, s string) string {
	if n := utf8.RuneCountInString(s); n > l.Max {
		return msg.TooLong.Format(l.Label, field, l.Max, n, field, l.Max, n)
	}
	i := 0
	for _, r := range s {
		i++
		if l.Kind == Line && !lineRune(r) {
			return msg.OneLine.Format(l.Label, field, i, r, field, i, r)
		}
		if l.Kind == Text && !textRune(r) {
			return msg.ControlChar.Format(l.Label, field, i, r, field, r, i)
		}
	}
	return ""
}

// CheckCount returns what is wrong with a list of n items in field, or "".
func (l *Limit) CheckCount(field string, n int) string {
	if n <= l.Max {
		return ""
	}
	return msg.TooMany.Format(l.Label, field, l.Max, l.Item, n, l.Item, field, l.Max, n)
}

// CheckRange returns what is wrong with the number n in field, or "".
func (l *Limit) CheckRange(field string, n int) string {
	if n >= l.Min && n <= l.Max {
		return ""
	}
	return msg.OutOfRange.Format(l.Label, field, l.Min, l.Max, n, field, l.Min, l.Max, n)
}

// lineRune reports whether r may appear in one line of text.
func lineRune(r rune) bool {
	switch {
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return false
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return false // bidirectional embeddings, overrides and isolates
	}
	return true
}

// textRune reports whether r may appear in free text.
func textRune(r rune) bool {
	return r == '\n' || r == '\r' || r == '\t' || !unicode.IsControl(r)
}

// Short returns s cut to n characters with an ellipsis, for echoing a
// value the user sent in a message without echoing a megabyte.
func Short(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

// Clip cuts s to at most n bytes, at a character boundary: for a value
// kept in a record (a header a client sent) rather than shown.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Markdown is the table as docs/limits.md has it.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| field | limit | why |\n|---|---|---|\n")
	for _, l := range All {
		fields := make([]string, len(l.Fields))
		for i, f := range l.Fields {
			fields[i] = "`" + f + "`"
		}
		var lim string
		switch l.Kind {
		case Line:
			lim = fmt.Sprintf("%d characters, one line", l.Max)
		case Text:
			lim = fmt.Sprintf("%d characters", l.Max)
		case Count:
			lim = fmt.Sprintf("%d items", l.Max)
		case Range:
			lim = fmt.Sprintf("%d to %d", l.Min, l.Max)
		}
		fmt.Fprintf(&b, "| %s (%s) | %s | %s |\n", strings.Join(fields, "<br>"), l.Label, lim, l.Why)
	}
	return b.String()
}
