package casefile

import "testing"

// TestNormalizeCaseNo: every way people type one case number comes out as
// the registered form.
func TestNormalizeCaseNo(t *testing.T) {
	const want = "京检刑诉〔2026〕12号"
	for _, in := range []string{
		"京检刑诉〔2026〕12号",
		"京检刑诉(2026)12号",
		"京检刑诉（2026）12号",
		"京检刑诉[2026]12号",
		"京检刑诉［2026］12号",
		"京检刑诉【2026】12号",
		"京检刑诉〖2026〗12号",
		"京检刑诉﹝2026﹞12号",
		"京检刑诉{2026}12号",
		"京检刑诉〔２０２６〕１２号",
		"京检刑诉（２０２６）１２号",
		" 京检刑诉 〔2026〕 12 号 ",
		"京检刑诉\u3000(2026)\u300012号",
		"京检刑诉\t【２０２６】\u00a012号",
	} {
		if got := NormalizeCaseNo(in); got != want {
			t.Errorf("NormalizeCaseNo(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"ＪＳ检刑诉〔2026〕1号":   "JS检刑诉〔2026〕1号", // full-width letters
		"京检刑诉(26)12号":     "京检刑诉(26)12号",   // not a year: left as typed
		"京检刑诉〔2026〕12号之一": "京检刑诉〔2026〕12号之一",
	} {
		if got := NormalizeCaseNo(in); got != want {
			t.Errorf("NormalizeCaseNo(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNormalizeLicense: a certificate number typed with full-width digits,
// spaces or grouping hyphens is its 17 ASCII digits.
func TestNormalizeLicense(t *testing.T) {
	const want = "11101201910012345"
	for _, in := range []string{
		"11101201910012345",
		"１１１０１２０１９１００１２３４５",
		" 11101 2019 1001 2345 ",
		"11101-2019-10012345",
		"１１１０１\u3000２０１９１００１２３４５",
	} {
		if got := NormalizeLicense(in); got != want {
			t.Errorf("NormalizeLicense(%q) = %q, want %q", in, got, want)
		}
	}
	if got := NormalizeLicense("1110120191001234X"); got != "1110120191001234X" {
		t.Errorf("a non-digit is kept for validation to refuse: %q", got)
	}
}
