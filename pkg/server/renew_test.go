package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
)

// TestRenewLink: a lawyer whose link is used up asks for a new one and
// downloads again at once (docs/design.md, "The download counter never
// blocks review"): the old link stops, the new one has the full count,
// the renewal is audited with its reason, and the unit's clerk may reissue
// only with a reason.
func TestRenewLink(t *testing.T) {
	ts := newTsrv(t)
	w := ts.world()
	type view struct {
		Status    string
		Renewable bool
		Link      *struct {
			URL           string
			DownloadsLeft int
		}
	}
	path := "/api/v1/applications/" + w.appID
	// While the link works, asking for a new one changes nothing.
	var v view
	ts.must(w.lawyerA, "POST", path+"/link", nil, http.StatusOK, &v)
	if v.Link == nil || v.Link.URL != w.linkURL {
		t.Fatalf("renewal of a working link gave %+v, want the same link %s", v.Link, w.linkURL)
	}
	for i := 0; ; i++ {
		a := ts.call("", "GET", w.linkURL, nil)
		if a.status == http.StatusForbidden {
			break
		}
		if a.status != http.StatusFound || i > 20 {
			t.Fatalf("download %d: %d: %s", i+1, a.status, a.body)
		}
	}
	if v.Renewable {
		t.Error("a working link is shown renewable")
	}
	ts.must(w.lawyerA, "GET", path, nil, http.StatusOK, &v)
	if v.Link == nil || v.Link.DownloadsLeft != 0 || !v.Renewable {
		t.Fatalf("exhausted link shown as %+v, renewable %v", v.Link, v.Renewable)
	}
	// The door's page for a browser names whom to call and leads back to
	// the lawyer's page, where the new link is.
	req, _ := http.NewRequest("GET", w.linkURL, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"下载次数已用完", "申请新链接", "承办单位：市检察院", "承办人：刘检察官", "联系电话：010-12345678", `href="` + ts.url + `/lawyer"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the exhausted link's page lacks %q:\n%s", want, page)
		}
	}
	v = view{}
	ts.must(w.lawyerA, "POST", path+"/link", nil, http.StatusOK, &v)
	if v.Status != "ready" || v.Link == nil || v.Link.URL == w.linkURL || v.Link.DownloadsLeft != 5 || v.Renewable {
		t.Fatalf("renewed: %s %+v, want ready with a new link of 5 downloads", v.Status, v.Link)
	}
	if a := ts.call("", "GET", v.Link.URL, nil); a.status != http.StatusFound {
		t.Fatalf("new link: %d: %s", a.status, a.body)
	}
	if a := ts.call("", "GET", w.linkURL, nil); a.status == http.StatusFound {
		t.Fatalf("old link still downloads")
	}
	found := false
	for _, e := range ts.events() {
		if e.Action == "link.renew" && e.ApplicationID == w.appID {
			found = e.Actor == licenseA && e.Role == "lawyer" && strings.Contains(e.Detail["reason"], "律师申请新链接") && e.Detail["previousUsed"] == "5"
			if !found {
				t.Errorf("link.renew record %+v", e)
			}
		}
	}
	if !found {
		t.Error("no link.renew record")
	}
	// Three renewals a day: the fourth is refused, saying when again.
	exhaust := func(u string) {
		for i := 0; ; i++ {
			if a := ts.call("", "GET", u, nil); a.status == http.StatusForbidden {
				return
			} else if a.status != http.StatusFound || i > 20 {
				t.Fatalf("download %d: %d: %s", i+1, a.status, a.body)
			}
		}
	}
	for range 2 {
		exhaust(v.Link.URL)
		v = view{}
		ts.must(w.lawyerA, "POST", path+"/link", nil, http.StatusOK, &v)
	}
	exhaust(v.Link.URL)
	if a := ts.call(w.lawyerA, "POST", path+"/link", nil); a.status != http.StatusTooManyRequests ||
		!strings.Contains(string(a.body), "renew_limited") || !strings.Contains(string(a.body), "每 24 小时最多 3 次") {
		t.Errorf("a fourth renewal in a day: %d %s", a.status, a.body)
	}
	// An application the deadline job ended with its link's expiry is
	// renewed the same way, and live again (as the job moves it).
	if _, err := ts.s.API.Apps.Update(t.Context(), w.appID, func(a *application.Application) error {
		return a.Move(application.Expired, "system", "下载链接已到期", time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	v = view{}
	ts.must(w.lawyerA, "GET", path, nil, http.StatusOK, &v)
	if v.Status != "expired" || !v.Renewable || v.Link != nil {
		t.Fatalf("expired: %s renewable %v link %+v", v.Status, v.Renewable, v.Link)
	}
	ts.must(w.clerkA, "POST", path+"/link", map[string]string{"reason": "律师申请延长阅卷期限"}, http.StatusOK, &v)
	if v.Status != "ready" {
		t.Fatalf("renewed after expiry: %s", v.Status)
	}
	// The clerk reissues only with a reason.
	if a := ts.call(w.clerkA, "POST", path+"/link", map[string]string{}); a.status != http.StatusUnprocessableEntity || !strings.Contains(string(a.body), "理由") {
		t.Errorf("clerk's reissue without a reason: %d %s", a.status, a.body)
	}
	ts.must(w.clerkA, "POST", path+"/link", map[string]string{"reason": "律师来电称链接失效"}, http.StatusOK, nil)
	var after view
	ts.must(w.lawyerA, "GET", path, nil, http.StatusOK, &after)
	if after.Link == nil || after.Link.DownloadsLeft != 5 {
		t.Errorf("after the clerk's reissue the lawyer sees %+v", after.Link)
	}
}
