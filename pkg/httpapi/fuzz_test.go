package httpapi

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/service"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// fz is an API on a fresh SQLite table with a registered, reviewable case
// and three uploaded attachments of the lawyer.
type fz struct {
	api    *API
	h      http.Handler
	lawyer string // login token
	clerk  string
	caseNo string
	atts   []string
}

const fzLicense = "11101201910012345"

func newFz(tb testing.TB) *fz { return newFzOn(tb, nil) }

// newFzOn is newFz with the table wrapped by wrap (e.g. to inject faults).
func newFzOn(tb testing.TB, wrap func(store.Table) store.Table) *fz {
	tb.Helper()
	db, err := sqlitestore.Open(filepath.Join(tb.TempDir(), "meta.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	var tbl store.Table = db
	if wrap != nil {
		tbl = wrap(db)
	}
	seed := make([]byte, ed25519.SeedSize)
	authority := &auth.Authority{Keys: auth.NewKeySet(ed25519.NewKeyFromSeed(seed)), Issuer: "iss", Audience: "aud"}
	seed[0] = 1
	a := &API{Service: service.New(tbl, nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil))),
		Auth: authority, Signer: &link.Signer{Keys: auth.NewKeySet(ed25519.NewKeyFromSeed(seed)), Issuer: "iss"},
		RateLimit: NewRateLimiter(Rates{})}
	f := &fz{api: a, h: a.Handler(), caseNo: "京检刑诉〔2026〕7号"}
	issue := func(id auth.Identity) string {
		t, err := authority.Issue(id, time.Hour)
		if err != nil {
			tb.Fatal(err)
		}
		return t
	}
	f.lawyer = issue(auth.Identity{Subject: fzLicense, Name: "张律师", Role: auth.Lawyer})
	f.clerk = issue(auth.Identity{Subject: "clerk01", Name: "王书记员", Role: auth.Clerk, Unit: "市检察院"})
	ctx := context.Background()
	c := &casefile.Case{CaseNo: f.caseNo, Title: "张某盗窃案", Stage: casefile.ProsecutionReview, OnlineReview: true, Unit: "市检察院",
		Handler: casefile.Handler{Name: "刘检察官", Phone: "010-1"}, Defendants: []string{"张某"}}
	if err := a.Cases.Create(ctx, c); err != nil {
		tb.Fatal(err)
	}
	for _, k := range []application.AttachmentKind{application.PracticeCertificate, application.FirmLetter, application.PowerOfAttorney} {
		at := &application.Attachment{ID: casefile.NewID(), Kind: k, Filename: string(k) + ".pdf", Owner: fzLicense, Uploaded: true,
			ContentType: "application/pdf", Size: 100, CreatedAt: time.Now()}
		if err := a.Apps.PutAttachment(ctx, at); err != nil {
			tb.Fatal(err)
		}
		f.atts = append(f.atts, at.ID)
	}
	return f
}

func (f *fz) do(tok, method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	return w
}

func (f *fz) goodApplication() map[string]any {
	return map[string]any{"caseNo": f.caseNo, "client": "张某", "attachments": f.atts,
		"lawyer": map[string]string{"name": "张律师", "license": fzLicense, "firm": "某律所", "phone": "13800000000"}}
}

// FuzzApplicationJSON posts arbitrary bodies to POST /applications as a
// lawyer: decoding and application.Validate must never panic or answer 500;
// a body that is not a valid application gets 400 or 413 (not JSON for the
// route) or 422 with every problem listed, each with a field and a message;
// the answer is always a JSON object.
//
// Run it with: go test -run='^$' -fuzz='^FuzzApplicationJSON$' -fuzztime=30s ./pkg/httpapi
func FuzzApplicationJSON(f *testing.F) {
	env := newFz(f)
	good, _ := json.Marshal(env.goodApplication())
	f.Add(good)
	for _, s := range []string{
		`{}`, `[]`, `null`, `"x"`, `{"caseNo":1}`, `{"caseNo":"` + env.caseNo + `","client":"张某"}`,
		`{"lawyer":{"license":"123","name":"","firm":"","phone":""}}`, `{"attachments":[null,"",1]}`,
		`{"kind":"victim_agent","channel":"hotline"}`, `{"unknown":true}`, `{"caseNo":"a"} {"caseNo":"b"}`,
		`{"caseNo":"` + strings.Repeat("号", 5000) + `"}`, strings.Repeat("[", 100) + strings.Repeat("]", 100),
		`{"lawyer":{"license":"\u0000\ud800"}}`, "{\"client\":\"\xff\"}", `{"attachments":["` + strings.Repeat("a", 300) + `"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := env.do(env.lawyer, "POST", "/api/v1/applications", body)
		var out map[string]json.RawMessage
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("status %d: the answer is not a JSON object: %q", w.Code, w.Body.String())
		}
		switch w.Code {
		case http.StatusCreated, http.StatusOK:
			if _, ok := out["id"]; !ok {
				t.Fatalf("status %d without an application id: %s", w.Code, w.Body.String())
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		case http.StatusUnprocessableEntity:
			var e struct {
				Error struct {
					Code     string             `json:"code"`
					Problems []casefile.Problem `json:"problems"`
				} `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || len(e.Error.Problems) == 0 {
				t.Fatalf("422 without problems: %s", w.Body.String())
			}
			for _, p := range e.Error.Problems {
				if p.Field == "" || p.Message == "" {
					t.Fatalf("a problem without a field or message: %+v", p)
				}
			}
		default:
			t.Fatalf("status %d for body %q: %s", w.Code, body, w.Body.String())
		}
	})
}

// Limits on request bodies: size (413) and nesting (400), each with a
// message in Chinese and English, before any work is done.
func TestBodyLimits(t *testing.T) {
	env := newFz(t)
	for _, tc := range []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"over 1 MiB", `{"caseNo":"` + strings.Repeat("x", 1<<20) + `"}`, http.StatusRequestEntityTooLarge, "too_large"},
		{"nested 33 deep", `{"caseNo":"x","lawyer":` + strings.Repeat(`{"a":`, 32) + `1` + strings.Repeat(`}`, 33), http.StatusBadRequest, "too_deep"},
		{"deep arrays", strings.Repeat("[", 10000) + strings.Repeat("]", 10000), http.StatusBadRequest, "too_deep"},
		{"brackets inside strings do not count", `{"caseNo":"` + strings.Repeat("[{", 100) + `"}`, http.StatusUnprocessableEntity, "invalid"},
		{"two objects", `{"caseNo":"a"} {"caseNo":"b"}`, http.StatusBadRequest, "bad_json"},
		{"unknown field", `{"caseNumber":"a"}`, http.StatusBadRequest, "bad_json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := env.do(env.lawyer, "POST", "/api/v1/applications", []byte(tc.body))
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			json.Unmarshal(w.Body.Bytes(), &e)
			if w.Code != tc.status || e.Error.Code != tc.code {
				t.Fatalf("status %d code %q, want %d %q: %s", w.Code, e.Error.Code, tc.status, tc.code, w.Body.String()[:min(300, w.Body.Len())])
			}
			if !strings.Contains(e.Error.Message, "(") || !strings.ContainsFunc(e.Error.Message, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
				t.Errorf("message %q should be Chinese with English in parentheses", e.Error.Message)
			}
		})
	}
}

// Rate limits per lawyer: past the burst, 429 with Retry-After and a
// message in both languages; the refusal is audited once a minute per
// lawyer (not once per request); other lawyers, clerks and HEAD requests
// are not held back.
func TestRateLimits(t *testing.T) {
	env := newFz(t)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	env.api.Now = func() time.Time { return now }
	env.api.RateLimit = NewRateLimiter(Rates{Applications: Rate{PerHour: 60, Burst: 3}, Downloads: Rate{PerHour: 60, Burst: 2}})
	body, _ := json.Marshal(env.goodApplication())
	for i := range 3 {
		if w := env.do(env.lawyer, "POST", "/api/v1/applications", body); w.Code != http.StatusCreated && w.Code != http.StatusOK {
			t.Fatalf("application %d within the burst: %d %s", i, w.Code, w.Body.String())
		}
	}
	for range 5 {
		w := env.do(env.lawyer, "POST", "/api/v1/applications", body)
		if w.Code != http.StatusTooManyRequests {
			t.Fatalf("past the burst: %d, want 429", w.Code)
		}
		if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
			t.Fatalf("Retry-After %q: want the seconds until the next token (≤ 60 at 60/hour)", w.Header().Get("Retry-After"))
		}
		if !strings.Contains(w.Body.String(), "rate_limited") || !strings.Contains(w.Body.String(), "过于频繁") || !strings.Contains(w.Body.String(), "Too many applications") {
			t.Fatalf("429 body: %s", w.Body.String())
		}
	}
	// One record for the five refusals within the minute.
	count := func(action string) int {
		p, err := env.api.Audit.Query(context.Background(), audit.Filter{Action: audit.Action(action), Actor: fzLicense})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Events)
	}
	if n := count("rate.limit"); n != 1 {
		t.Fatalf("%d rate.limit records, want 1 (once a minute per lawyer)", n)
	}
	// A clerk registering for lawyers is not limited by this lawyer's use.
	if w := env.do(env.clerk, "POST", "/api/v1/applications", []byte(`{}`)); w.Code == http.StatusTooManyRequests {
		t.Fatal("a clerk was rate limited by a lawyer's use")
	}
	// A minute later one token is back, and the next refusal is recorded
	// again, saying how many went unrecorded.
	now = now.Add(61 * time.Second)
	if w := env.do(env.lawyer, "POST", "/api/v1/applications", body); w.Code == http.StatusTooManyRequests {
		t.Fatalf("a minute later a token should be back: %d", w.Code)
	}
	if w := env.do(env.lawyer, "POST", "/api/v1/applications", body); w.Code != http.StatusTooManyRequests {
		t.Fatalf("and then none: %d", w.Code)
	}
	p, _ := env.api.Audit.Query(context.Background(), audit.Filter{Action: "rate.limit", Actor: fzLicense})
	if len(p.Events) != 2 || p.Events[1].Detail["notRecordedBefore"] != "4" || p.Events[1].Detail["limit"] != "applications" {
		t.Fatalf("rate.limit records %+v", p.Events)
	}

	// Downloads: the logged-in route and the link door share the bucket.
	app, err := env.api.Apps.ByLawyer(context.Background(), fzLicense)
	if err != nil || len(app) == 0 {
		t.Fatal(err)
	}
	path := "/api/v1/applications/" + app[0].ID + "/download"
	for range 2 {
		if w := env.do(env.lawyer, "GET", path, nil); w.Code == http.StatusTooManyRequests {
			t.Fatal("download within the burst refused")
		}
	}
	w := env.do(env.lawyer, "GET", path, nil)
	if w.Code != http.StatusTooManyRequests || !strings.Contains(w.Body.String(), "Too many downloads") {
		t.Fatalf("third download: %d %s", w.Code, w.Body.String())
	}
	l := &link.Link{ID: "l1", ApplicationID: app[0].ID, Lawyer: fzLicense, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	tok, _ := env.api.Signer.Token(l)
	req := httptest.NewRequest("GET", "/d/"+tok, nil)
	req.Header.Set("Accept", "text/html")
	rec := httptest.NewRecorder()
	env.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "请稍后再试") {
		t.Fatalf("link door past the limit: %d %s", rec.Code, rec.Body.String())
	}
	req = httptest.NewRequest("HEAD", "/d/"+tok, nil)
	rec = httptest.NewRecorder()
	env.h.ServeHTTP(rec, req)
	if rec.Code == http.StatusTooManyRequests {
		t.Fatal("HEAD is not limited")
	}
}
