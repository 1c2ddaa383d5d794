package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A short run with a few users and a small dossier: every route is driven
// and answers as it should. (No timing is asserted: the numbers are for
// make load on a quiet machine.)
func TestLoadSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and drives it for seconds")
	}
	t.Setenv("YUEJUAN_OCR", "off") // the load without text recognition, as make load runs it
	var out bytes.Buffer
	rep, err := run(context.Background(), options{duration: 3 * time.Second, lawyers: 3, clerks: 2, statusRate: 100, pages: 20, perFile: 10}, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if rep.errors > 0 {
		t.Fatalf("%d requests failed", rep.errors)
	}
	for _, n := range routeNames {
		if len(rep.routes[n].lat) == 0 {
			t.Errorf("route %s was not driven", n)
		}
	}
	if !strings.Contains(out.String(), "p99 ms") || !strings.Contains(out.String(), "20-page dossier") {
		t.Errorf("report:\n%s", out.String())
	}
}

// The big-case run, small: scans uploaded and accepted, and two cases
// approved to a link, each with its figures. (No timing is asserted.)
// It runs in a process of its own: the PDF library's setup is per process
// and per data dir, and TestLoadSmoke's server has its own.
func TestBigCaseSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and ingests and assembles")
	}
	if os.Getenv("LOADGEN_TEST_CHILD") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBigCaseSmoke$", "-test.v")
		cmd.Env = append(os.Environ(), "LOADGEN_TEST_CHILD=1")
		out, err := cmd.CombinedOutput()
		t.Log("\n" + string(out))
		if err != nil {
			t.Fatalf("the big-case run failed: %v", err)
		}
		return
	}
	var out bytes.Buffer
	res, err := runBig(context.Background(), bigOptions{scans: 6, conns: 3, pages: []int{20}, perFile: 10}, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].files != 6 || res[1].files != 2 || res[1].pages != 20 {
		t.Fatalf("results %+v", res)
	}
	for _, r := range res {
		if r.accepted <= 0 || r.ready <= 0 || r.basePages < r.pages || r.peakRSS <= 0 || r.bytes <= 0 {
			t.Errorf("%s: %+v", r.what, r)
		}
	}
	if !strings.Contains(out.String(), "approval→link s") {
		t.Errorf("report:\n%s", out.String())
	}
}
