package main

// Headless Chromium for the tests that drive the real `yuejuan serve`
// through its pages, started as pkg/web's browser tests start it
// (internal/browsertest: Debian's chromium, installed by `make peers`;
// YUEJUAN_CHROMIUM names another).

import (
	"context"
	"fmt"
	"testing"

	"github.com/yuejuan/yuejuan/internal/browsertest"
)

// startBrowser starts headless Chromium for the test.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	return browsertest.Start(t, browsertest.ChromiumPath(t))
}

// tab is one browser tab; see browsertest.Tab.
type tab struct{ *browsertest.Tab }

func newTab(t *testing.T, browserCtx context.Context, name, shots string) *tab {
	t.Helper()
	return &tab{browsertest.NewTab(t, browserCtx, name, shots)}
}

// sameBrowser is a new tab of tb's browser context: its cookies, its user.
func (tb *tab) sameBrowser(name string) *tab {
	tb.T.Helper()
	return &tab{tb.SameBrowser(name)}
}

// value is the value of the form field sel.
func (tb *tab) value(sel string) string {
	tb.T.Helper()
	return browsertest.Eval[string](tb, fmt.Sprintf(`(function(){var n=document.querySelector(%q);return n?n.value:'(no field)'})()`, sel))
}

// cookie is the value of the tab's cookie name for url, or "".
func (tb *tab) cookie(url, name string) string {
	tb.T.Helper()
	if c := tb.Cookie(url, name); c != nil {
		return c.Value
	}
	return ""
}
