package main

// The big-case measurements of issue 19 through the local server (make
// bench-server, part of make bench): how long a clerk's upload of N
// one-page scans takes until every one is accepted, and how long an
// approval takes to become a download link for a case of that size and for
// a larger one, with the process's peak RSS over the assembly.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"

	"github.com/yuejuan/yuejuan/internal/testpdf"
)

// bigOptions are the sizes of a big-case run.
type bigOptions struct {
	scans   int   // one-page JPEG scans uploaded one material each (0: none)
	conns   int   // uploads at once
	pages   []int // further cases of these many pages, uploaded as PDFs of perFile pages, for approval → link
	perFile int
	keep    bool
	verbose bool
}

// bigResult is what one case measured.
type bigResult struct {
	what              string
	pages, files      int
	bytes             int64
	uploaded          time.Duration // first upload started → last upload answered
	accepted          time.Duration // first upload started → every material accepted
	ready             time.Duration // approval → the application ready with its link
	basePages         int
	peakRSS, startRSS int64 // VmHWM over approval → ready, and the RSS it started from
}

func runBig(ctx context.Context, o bigOptions, out io.Writer) ([]bigResult, error) {
	srv, err := start(ctx, o.keep, o.verbose)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	fmt.Fprintf(out, "big cases through the local server on %s: GOMAXPROCS %d, %d ingest/assemble workers, %d uploads at once\n",
		srv.base, runtime.GOMAXPROCS(0), srv.s.Config.Workers, o.conns)
	pool := make([][]byte, 16)
	for i := range pool {
		pool[i] = testpdf.WithJFIF(testpdf.ScanJPEG(int64(i+1), 1240, 1754, 3, 70), 150)
	}
	var res []bigResult
	n := 0
	one := func(what string, files, perFile int, body func(i int) ([]byte, string)) error {
		n++
		caseID, err := newCase(ctx, srv.clerk, fmt.Sprintf("京检刑诉〔2026〕%d号", 100+n), what)
		if err != nil {
			return err
		}
		r := bigResult{what: what, pages: files * perFile, files: files}
		fmt.Fprintf(out, "%s: uploading %d files ...\n", what, files)
		r.uploaded, r.accepted, r.bytes, err = uploadMany(ctx, srv, caseID, files, o.conns, body)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %d files (%s) uploaded in %.1f s, all accepted %.1f s after the first upload began\n",
			what, files, mib(r.bytes), r.uploaded.Seconds(), r.accepted.Seconds())
		if err := approveToLink(ctx, srv, caseID, n, &r); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: approval → link %.1f s (base %d pages), peak RSS %s (from %s)\n",
			what, r.ready.Seconds(), r.basePages, mib(r.peakRSS), mib(r.startRSS))
		res = append(res, r)
		return nil
	}
	if o.scans > 0 {
		err := one(fmt.Sprintf("%d scans", o.scans), o.scans, 1, func(i int) ([]byte, string) {
			return pool[i%len(pool)], fmt.Sprintf("%05d.jpg", i+1)
		})
		if err != nil {
			return res, err
		}
	}
	for _, p := range o.pages {
		files := (p + o.perFile - 1) / o.perFile
		pdfs := make([][]byte, 4)
		for i := range pdfs {
			pdfs[i] = scanPDF(pool[i], o.perFile)
		}
		err := one(fmt.Sprintf("%d pages", files*o.perFile), files, o.perFile, func(i int) ([]byte, string) {
			return pdfs[i%len(pdfs)], fmt.Sprintf("%04d.pdf", i+1)
		})
		if err != nil {
			return res, err
		}
	}
	fmt.Fprintf(out, "\n%-14s %8s %10s %12s %14s %16s %10s %14s\n", "case", "files", "MiB", "uploaded s", "all accepted s", "approval→link s", "base pages", "peak RSS MiB")
	for _, r := range res {
		fmt.Fprintf(out, "%-14s %8d %10.0f %12.1f %14.1f %16.1f %10d %14.0f\n", r.what, r.files, float64(r.bytes)/(1<<20),
			r.uploaded.Seconds(), r.accepted.Seconds(), r.ready.Seconds(), r.basePages, float64(r.peakRSS)/(1<<20))
	}
	return res, nil
}

// uploadMany registers files materials of the case (volumes of 100) and
// uploads them conns at once, as a clerk's upload does: each registered,
// then PUT to its signed URL; then waits until every one is accepted. The
// clocks start when the first upload begins.
func uploadMany(ctx context.Context, srv *local, caseID string, files, conns int, body func(i int) ([]byte, string)) (uploaded, accepted time.Duration, total int64, err error) {
	ids := make([]string, files)
	var next atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	t0 := time.Now()
	for range max(1, conns) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= files {
					return
				}
				data, name := body(i)
				var m struct{ ID, UploadURL string }
				err := srv.clerk.must(ctx, "POST", "/api/v1/cases/"+caseID+"/materials", map[string]any{
					"volume": i/100 + 1, "volumeTitle": fmt.Sprintf("第%d卷", i/100+1), "seq": i%100 + 1,
					"title": fmt.Sprintf("证据材料 %d", i+1), "filename": name, "size": len(data)}, 201, &m)
				if err == nil {
					err = srv.anon.must(ctx, "PUT", m.UploadURL, data, 200, nil)
				}
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				total += int64(len(data))
				ids[i] = m.ID
				stop := first != nil
				mu.Unlock()
				if stop {
					return
				}
			}
		})
	}
	wg.Wait()
	uploaded = time.Since(t0)
	if first != nil {
		return uploaded, 0, total, first
	}
	// Every material accepted: the case's list (the clerk's page reads the
	// same), every 250 ms — a list of 1,000 is 0.5 MB, so not faster.
	for {
		var list struct {
			Materials []struct{ ID, Status, Reason string }
		}
		if err := srv.clerk.must(ctx, "GET", "/api/v1/cases/"+caseID+"/materials", nil, 200, &list); err != nil {
			return uploaded, 0, total, err
		}
		ok := 0
		for _, m := range list.Materials {
			switch m.Status {
			case "accepted":
				ok++
			case "rejected":
				return uploaded, 0, total, errors.New("scan rejected: " + m.Reason)
			}
		}
		if ok == files {
			return uploaded, time.Since(t0), total, nil
		}
		select {
		case <-ctx.Done():
			return uploaded, 0, total, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// approveToLink applies for the case as a lawyer, approves it and times
// the approval until the application is ready with its link; the peak RSS
// is the process's VmHWM, reset just before the approval.
func approveToLink(ctx context.Context, srv *local, caseID string, n int, r *bigResult) error {
	lic := fmt.Sprintf("111012019101%05d", n)
	lawyer := srv.issue(auth.Identity{Subject: lic, Name: "王律师", Role: auth.Lawyer})
	app, _, err := applyFor(ctx, lawyer, srv.anon, caseID, lic, "王律师")
	if err != nil {
		return err
	}
	debug.FreeOSMemory()
	resetPeakRSS()
	r.startRSS, _ = procStatus("VmRSS")
	t0 := time.Now()
	if err := srv.clerk.must(ctx, "POST", "/api/v1/applications/"+app+"/decision", map[string]string{"decision": "approve"}, 200, nil); err != nil {
		return err
	}
	err = waitFor(ctx, "the dossier", 2*time.Hour, func() (bool, error) {
		var a struct {
			Status  string
			Failure *struct{ Reason string }
		}
		if err := lawyer.must(ctx, "GET", "/api/v1/applications/"+app, nil, 200, &a); err != nil {
			return false, err
		}
		if a.Failure != nil {
			return false, errors.New("the dossier failed: " + a.Failure.Reason)
		}
		return a.Status == "ready", nil
	})
	r.ready = time.Since(t0)
	r.peakRSS, _ = procStatus("VmHWM")
	if err != nil {
		return err
	}
	// The base's page count, from its dossier.assemble record.
	_ = srv.s.API.Audit.Each(ctx, audit.Filter{Action: audit.DossierAssemble, CaseID: caseID}, func(e audit.Event) error {
		r.basePages, _ = strconv.Atoi(e.Detail["pages"])
		return nil
	})
	return nil
}

// resetPeakRSS resets the process's VmHWM to its current RSS (Linux).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// procStatus reads a size field (kB) of /proc/self/status, in bytes.
func procStatus(field string) (int64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/self/status", field)
}

func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }
