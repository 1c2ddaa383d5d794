package main

// yuejuan audit query|export|verify against a real `yuejuan serve` (the
// start helper of the end-to-end test), tampering with its database from
// here to see verify's exit status change.

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/server"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// runCLI runs the binary with args and extra environment, returning
// stdout, stderr and the exit status.
func runCLI(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), "YUEJUAN_SERVER=", "YUEJUAN_TOKEN=")
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

var headRe = regexp.MustCompile(`^OK: (\d+) records, head ([0-9a-f]{64})`)

func TestAuditCommands(t *testing.T) {
	in := start(t)
	auditor := in.token("--role", "auditor", "--sub", "audit01", "--name", "李审计")
	clerk := in.token("--role", "clerk", "--sub", "clerk01", "--name", "王书记员", "--unit", "市检察院")
	lawyer := in.token("--role", "lawyer", "--sub", license, "--name", "张律师")
	flags := []string{"--server", in.url, "--token", auditor}

	// Some history: a case with a Chinese title, and a refused login.
	in.call(clerk, "POST", "/api/v1/cases", map[string]any{
		"caseNo": "京检刑诉〔2026〕9号", "title": "王某某盗窃案", "stage": "prosecution_review", "onlineReview": true,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"王某某"},
	}, http.StatusCreated, nil)
	in.call("", "GET", "/api/v1/cases", nil, http.StatusUnauthorized, nil)

	// verify: intact, with flags and with the environment.
	out, errOut, code := runCLI(t, nil, append([]string{"audit", "verify"}, flags...)...)
	if code != 0 || !headRe.MatchString(out) {
		t.Fatalf("verify on an intact log: exit %d, %q %q", code, out, errOut)
	}
	out, _, code = runCLI(t, []string{"YUEJUAN_SERVER=" + in.url, "YUEJUAN_TOKEN=" + auditor}, "audit", "verify")
	if code != 0 || !strings.HasPrefix(out, "OK: ") {
		t.Fatalf("verify with YUEJUAN_SERVER/YUEJUAN_TOKEN: exit %d, %q", code, out)
	}
	// Could not verify: exit 2, saying why.
	_, errOut, code = runCLI(t, nil, "audit", "verify", "--server", in.url)
	if code != 2 || !strings.Contains(errOut, "YUEJUAN_TOKEN") {
		t.Errorf("verify without a token: exit %d, %q; want 2 and how to pass one", code, errOut)
	}
	_, errOut, code = runCLI(t, nil, "audit", "verify", "--server", in.url, "--token", lawyer)
	if code != 2 || !strings.Contains(errOut, "403") {
		t.Errorf("verify with a lawyer's token: exit %d, %q; want 2 and 403", code, errOut)
	}

	// query: a table, and JSON.
	out, _, code = runCLI(t, nil, append([]string{"audit", "query", "--action", "case.create"}, flags...)...)
	if code != 0 || !strings.Contains(out, "SEQ") || !strings.Contains(out, "case.create") || !strings.Contains(out, "clerk01") {
		t.Errorf("query table: exit %d:\n%s", code, out)
	}
	out, _, code = runCLI(t, nil, append([]string{"audit", "query", "--json", "--all", "--limit", "1"}, flags...)...)
	var page struct {
		Events []struct {
			Seq    int64
			Action string
		}
	}
	if err := json.Unmarshal([]byte(out), &page); code != 0 || err != nil || len(page.Events) < 3 {
		t.Errorf("query --json --all --limit 1: exit %d, %v: %s", code, err, out)
	}
	_, errOut, code = runCLI(t, nil, append([]string{"audit", "query", "--from", "yesterday"}, flags...)...)
	if code != 1 || !strings.Contains(errOut, "RFC 3339") {
		t.Errorf("query --from yesterday: exit %d, %q", code, errOut)
	}

	// export: CSV to a file (BOM, Chinese intact), NDJSON to stdout.
	csvPath := filepath.Join(t.TempDir(), "审计.csv")
	_, errOut, code = runCLI(t, nil, append([]string{"audit", "export", "--format", "csv", "--out", csvPath}, flags...)...)
	if code != 0 {
		t.Fatalf("export csv: exit %d: %s", code, errOut)
	}
	raw, err := os.ReadFile(csvPath)
	if err != nil || !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("exported CSV: %v, starts % x", err, raw[:min(3, len(raw))])
	}
	rows, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
	if err != nil || len(rows) < 3 || !strings.Contains(rows[0][0], "序号") {
		t.Fatalf("exported CSV does not parse back: %v %q", err, rows)
	}
	out, _, code = runCLI(t, nil, append([]string{"audit", "export", "--format", "ndjson", "--action", "case.create"}, flags...)...)
	sc := bufio.NewScanner(strings.NewReader(out))
	n := 0
	for sc.Scan() {
		var e audit.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action != "case.create" || e.ComputeHash() != e.Hash {
			t.Errorf("ndjson line %q: %v", sc.Text(), err)
		}
		n++
	}
	if code != 0 || n != 1 {
		t.Errorf("export ndjson --action case.create: exit %d, %d lines", code, n)
	}

	// Tamper with the database behind the server's back.
	tb, err := sqlitestore.Open(filepath.Join(in.data, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	ctx := t.Context()
	p, s := audit.RecordKey(1)
	it, err := tb.Get(ctx, p, s)
	if err != nil {
		t.Fatal(err)
	}
	orig := it
	var ev audit.Event
	_ = json.Unmarshal(it.Data, &ev)
	ev.Actor = "clerk99"
	it.Data, _ = json.Marshal(ev)
	if it.Version, err = tb.Put(ctx, it); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runCLI(t, nil, append([]string{"audit", "verify"}, flags...)...)
	if code != 1 || !strings.Contains(out, "BROKEN: record seq 1") || !strings.Contains(errOut, "does not verify") {
		t.Errorf("verify after editing record 1: exit %d, %q %q; want 1 naming seq 1", code, out, errOut)
	}
	out, _, code = runCLI(t, nil, append([]string{"audit", "verify", "--json"}, flags...)...)
	var rep struct {
		OK       bool
		FirstBad int64
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || rep.OK || rep.FirstBad != 1 {
		t.Errorf("verify --json after tampering: exit %d, %s", code, out)
	}
	orig.Version = it.Version
	if _, err := tb.Put(ctx, orig); err != nil {
		t.Fatal(err)
	}
	out, _, code = runCLI(t, nil, append([]string{"audit", "verify"}, flags...)...)
	if code != 0 || strings.Contains(out, "written ahead") {
		t.Fatalf("verify after restoring record 1: exit %d, %q", code, out)
	}
	// A record written ahead of its change (a request in flight, or one a
	// crash left for the scheduler) is reported, and is not a break.
	in0, err := (&audit.Log{T: tb}).Intend(ctx, audit.Event{Actor: "clerk01", Action: "application.decide", Result: audit.OK})
	if err != nil {
		t.Fatal(err)
	}
	out, _, code = runCLI(t, nil, append([]string{"audit", "verify"}, flags...)...)
	if code != 0 || !strings.Contains(out, "1 records written ahead, not yet in the chain") {
		t.Fatalf("verify with a pending record: exit %d, %q", code, out)
	}
	if err := in0.Abort(ctx); err != nil {
		t.Fatal(err)
	}

	// Anchor the head as the server's tick does, then cut the tail off and
	// move the head hint back: only the anchor shows it.
	key, err := auth.LoadOrCreateKey(server.AnchorKeyPath(in.data))
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public().(ed25519.PublicKey)
	l := &audit.Log{T: tb, Anchors: &audit.FileAnchors{Path: server.AnchorFilePath(in.data)},
		AnchorKeys: map[string]ed25519.PublicKey{audit.KeyID(pub): pub}}
	a, _, err := l.Anchor(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	for seq := a.Seq; seq > a.Seq-2; seq-- {
		p, s := audit.RecordKey(seq)
		it, err := tb.Get(ctx, p, s)
		if err != nil {
			t.Fatal(err)
		}
		if err := tb.Delete(ctx, p, s, it.Version); err != nil {
			t.Fatal(err)
		}
	}
	p, s = audit.RecordKey(a.Seq - 2)
	it, _ = tb.Get(ctx, p, s)
	_ = json.Unmarshal(it.Data, &ev)
	hp, hs := audit.HeadKey()
	hd, err := tb.Get(ctx, hp, hs)
	if err != nil {
		t.Fatal(err)
	}
	hd.Data, _ = json.Marshal(map[string]any{"seq": ev.Seq, "hash": ev.Hash})
	if _, err := tb.Put(ctx, store.Item{PK: hp, SK: hs, Version: hd.Version, Data: hd.Data}); err != nil {
		t.Fatal(err)
	}
	out, _, code = runCLI(t, nil, append([]string{"audit", "verify"}, flags...)...)
	if code != 1 || !strings.Contains(out, "truncated") {
		t.Errorf("verify after truncating the anchored tail: exit %d, %q", code, out)
	}

	// Each command documents itself with examples.
	for _, sub := range []string{"query", "export", "verify"} {
		out, _, code := runCLI(t, nil, "audit", sub, "--help")
		if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "yuejuan audit "+sub) ||
			!strings.Contains(out, "--server") || !strings.Contains(out, "--token") {
			t.Errorf("audit %s --help lacks examples or flags:\n%s", sub, out)
		}
	}
}
