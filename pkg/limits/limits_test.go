package limits

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the table in docs/limits.md from the code")

const (
	docPath   = "../../docs/limits.md"
	tableHead = "<!-- the table is made from pkg/limits: go test ./pkg/limits -update -->\n"
	tableEnd  = "<!-- end of the table -->\n"
)

// docs/limits.md has the table the code checks against, row for row.
func TestDocMatchesTable(t *testing.T) {
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, tableHead), strings.Index(doc, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("%s: no table between %q and %q", docPath, tableHead, tableEnd)
	}
	want := doc[:i+len(tableHead)] + Markdown() + doc[j:]
	if want == doc {
		return
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s's table differs from pkg/limits; run go test ./pkg/limits -update", docPath)
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		l    *Limit
		s    string
		want string // substring of the problem; "" for none
	}{
		{CaseTitle, strings.Repeat("盗", 200), ""},
		{CaseTitle, strings.Repeat("盗", 201), "案件名称（title）最多 200 字，现为 201 字 (title is longer than 200 characters: 201)"},
		{CaseTitle, strings.Repeat("a", 200), ""},
		{CaseTitle, "张某某\n盗窃案", "第 4 个字符为 U+000A"},
		{CaseTitle, "张某某\t盗窃案", "one line of text"},
		{CaseTitle, "张某某\u202e案窃盗", "U+202E"},
		{CaseTitle, "张某某\u2028盗窃案", "U+2028"},
		{ComplaintDescription, "第一行\n第二行\r\n\t第三行", ""},
		{ComplaintDescription, "a\x00b", "U+0000"},
		{ComplaintDescription, strings.Repeat("述", 5001), "最多 5000 字"},
	} {
		got := c.l.Check("title", c.s)
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%s.Check(%.20q) = %q, want %q", c.l.Label, c.s, got, c.want)
		}
	}
	if got := Defendants.CheckCount("defendants", 50000); got != "犯罪嫌疑人/被告人（defendants）最多 300 名，现为 50000 名 (defendants: at most 300, got 50000)" {
		t.Errorf("count: %q", got)
	}
	if got := Defendants.CheckCount("defendants", 300); got != "" {
		t.Errorf("count at the limit: %q", got)
	}
	if got := Volume.CheckRange("volume", 0); got != "卷号（volume）应为 1 至 999，现为 0 (volume must be 1 to 999, got 0)" {
		t.Errorf("range: %q", got)
	}
	if got := Short(strings.Repeat("长", 100), 3); got != "长长长…" {
		t.Errorf("Short = %q", got)
	}
}

// Every row says where it applies, what it is called and why.
func TestTableComplete(t *testing.T) {
	for _, l := range All {
		if len(l.Fields) == 0 || l.Label == "" || l.Why == "" || l.Max <= 0 || l.Kind == Count && l.Item == "" {
			t.Errorf("incomplete row: %+v", l)
		}
	}
}
