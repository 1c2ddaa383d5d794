package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yuejuan/yuejuan/internal/browsertest"
	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/auth"
)

// testLawyerIdentity: a lawyer who registered applies; the clerk's card says
// 身份待核验 with 核验身份; 不通过 without a reason is refused by the card;
// 身份属实 records the check, and the card then says 身份已核验 with no
// control left; the lawyer's own card says 待案管核验, then 已核验; at 1280
// and 375 px.
func testLawyerIdentity(t *testing.T, e *browserEnv) {
	s, base := e.s, e.base
	const unit, lic, name = "乡检察院", "11101201910088801", "孙律师" // a lawyer of its own: the sign-in journey registers 11101201910088888
	d := newDesk(t, e, auth.Identity{Subject: "clerk05", Name: "孙书记员", Unit: unit})
	clerkTok, call := d.clerkTok, d.call
	if _, err := s.Accounts.Register(context.Background(), account.Account{Username: lic, Name: name, Firm: "某律所", Phone: "13600000000"},
		"lawyer-password-1", account.Actor{}); err != nil {
		t.Fatal(err)
	}
	const no = "京检刑诉〔2026〕81号"
	d.registerCase(caseSpec{No: no, Title: "周某某盗窃案", Defendants: []string{"周某某"}})
	lawyerTok := d.lawyerTok(lic, name)
	atts := d.attachments(lawyerTok)
	var app struct{ ID string }
	d.apply(lawyerTok, lawyerSpec{Name: name, License: lic, Firm: "某律所", Phone: "13600000000"}, no, "周某某", atts, &app)
	card := `#queue li[data-id="` + app.ID + `"]`

	// The lawyer signs in with the password she registered with and sees
	// her identity pending on her application.
	lawyer := newTab(t, e.browser, "identity-lawyer", base, e.artifacts)
	lawyer.Viewport(375, 800)
	lawyer.signInAs(lic, "lawyer-password-1", "/lawyer")
	lcard := `#apps li[data-id="` + app.ID + `"] .identity`
	lawyer.Wait("her application", `document.querySelector('`+lcard+`')`, 15*time.Second)
	if got := lawyer.Text(lcard); !strings.Contains(got, "待案管核验") {
		t.Errorf("the lawyer's card before the check: %q, want 待案管核验", got)
	}
	lawyer.Shot("pending-375")
	// Her application form starts with the firm and mobile number she
	// registered with.
	lawyer.Wait("the form filled in from her account", `document.querySelector('#lawyer-firm').value !== ''`, 10*time.Second)
	if got := browsertest.Eval[string](lawyer, `document.querySelector('#lawyer-firm').value + ' ' + document.querySelector('#lawyer-phone').value`); got != "某律所 13600000000" {
		t.Errorf("the application form starts with firm and phone %q, want those she registered with", got)
	}

	clerk := newTab(t, e.browser, "identity", base, e.artifacts)
	clerk.signIn(clerkTok, "/clerk")
	clerk.Wait("the application in the queue", `document.querySelector('`+card+` .identity')`, 15*time.Second)
	if got := clerk.Text(card + ` .identity`); !strings.Contains(got, "身份待核验") || !strings.Contains(got, "核验身份") {
		t.Errorf("the card of a registered lawyer: %q, want 身份待核验 and 核验身份", got)
	}
	clerk.Shot("pending-1280")
	clerk.Do("open the check", chromedp.Click(chromedp.CSS(card+` button.id-check`)))
	if got := clerk.Text(card + ` .id-panel`); !strings.Contains(got, "请核对 孙律师 的执业证号 "+lic) {
		t.Errorf("the check's panel reads %q", got)
	}
	clerk.Do("reject without a reason", chromedp.Click(chromedp.CSS(card+` button.id-reject`)))
	clerk.Wait("the reason is asked for", `/必须说明理由/.test(document.querySelector('`+card+` .id-panel [data-error-for="reason"]').textContent)`, 5*time.Second)
	clerk.Shot("check-1280")
	clerk.Viewport(375, 800)
	clerk.NoHorizontalScroll("the clerk's queue with the check open")
	clerk.Shot("check-375")
	clerk.Viewport(1280, 900)
	clerk.Do("verify", chromedp.Click(chromedp.CSS(card+` button.id-verify`)))
	clerk.Wait("the card says verified", `/身份已核验/.test(document.querySelector('`+card+` .identity') ? document.querySelector('`+card+` .identity').textContent : '')`, 10*time.Second)
	if n := browsertest.Eval[int](clerk, `document.querySelectorAll('`+card+` .id-check').length`); n != 0 {
		t.Errorf("the verified card still offers 核验身份 (%d)", n)
	}
	var got struct{ LawyerIdentity string }
	call(clerkTok, "GET", "/api/v1/applications/"+app.ID, nil, http.StatusOK, &got)
	if got.LawyerIdentity != "verified" {
		t.Errorf("after the check the application says %q", got.LawyerIdentity)
	}
	clerk.Shot("verified-1280")
	lawyer.Do("reload", chromedp.Reload())
	lawyer.Wait("her application, verified", `/已核验/.test(document.querySelector('`+lcard+`') ? document.querySelector('`+lcard+`').textContent : '')`, 15*time.Second)
	lawyer.Shot("verified-375")
	clerk.Viewport(375, 800)
	clerk.Shot("verified-375")
}
