package main

import (
	"bytes"
	"context"
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
