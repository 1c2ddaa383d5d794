// Command loadgen is the load test of the local all-in-one server: it
// starts the server on 127.0.0.1 (the same wiring as `yuejuan serve`: SQLite,
// filesystem objects, in-process queue), prepares a case with a dossier every
// lawyer can download and a case of scanned volumes (1,000 pages by default),
// then for a bounded time drives it with many lawyers and clerks at once —
// status polls at a fixed rate, listings, repeated submissions, downloads
// through the link door and the presigned URL, the clerks' queues — while
// the 1,000-page dossier is being assembled. It prints the throughput and the
// p50/p90/p99 latency of each route.
//
//	go run ./cmd/loadgen -duration 20s          (make load)
//
// With -big-scans or -big-pages it measures big cases instead (issue 19;
// bigcase.go): a clerk's upload of that many scans until every one is
// accepted, and approval → link for cases of those sizes, with the peak RSS
// over each assembly.
//
//	go run ./cmd/loadgen -big-scans 1000 -big-pages 20000   (make bench-server)
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"math/rand"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"golang.org/x/time/rate"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/config"
	"github.com/yuejuan/yuejuan/pkg/httpapi"
	"github.com/yuejuan/yuejuan/pkg/server"
)

type options struct {
	duration   time.Duration
	lawyers    int
	clerks     int
	statusRate float64
	pages      int
	perFile    int
	keep       bool
	verbose    bool
	cpuprofile string
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "how long to drive the server")
	flag.IntVar(&o.lawyers, "lawyers", 40, "concurrent lawyers")
	flag.IntVar(&o.clerks, "clerks", 4, "concurrent clerks")
	flag.Float64Var(&o.statusRate, "status-rate", 1000, "status reads per second, all lawyers together (0: as fast as they go)")
	flag.IntVar(&o.pages, "pages", 1000, "pages of the dossier assembled during the run (0: none)")
	flag.IntVar(&o.perFile, "pages-per-file", 100, "pages per uploaded scan file of that dossier")
	flag.BoolVar(&o.keep, "keep", false, "keep the data dir")
	flag.BoolVar(&o.verbose, "v", false, "server log (warnings and errors) on stderr")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the run (server and load) to this file")
	var big bigOptions
	bigPages := flag.String("big-pages", "", "big cases instead of the load: also cases of these many pages (comma-separated, e.g. 20000), uploaded as PDFs of -pages-per-file pages, timed from approval to link")
	flag.IntVar(&big.scans, "big-scans", 0, "big cases instead of the load: upload this many one-page JPEG scans (one material each), time until all are accepted, then approval → link")
	flag.IntVar(&big.conns, "upload-conns", 4, "big cases: uploads at once")
	flag.Parse()
	if big.scans > 0 || *bigPages != "" {
		for _, f := range strings.Split(*bigPages, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			n, err := strconv.Atoi(f)
			if err != nil || n <= 0 {
				fmt.Fprintln(os.Stderr, "loadgen: -big-pages: not a page count:", f)
				os.Exit(2)
			}
			big.pages = append(big.pages, n)
		}
		big.perFile, big.keep, big.verbose = o.perFile, o.keep, o.verbose
		if o.cpuprofile != "" {
			f, err := os.Create(o.cpuprofile)
			if err == nil {
				err = pprof.StartCPUProfile(f)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "loadgen:", err)
				os.Exit(1)
			}
			defer pprof.StopCPUProfile()
		}
		if _, err := runBig(context.Background(), big, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		return
	}
	rep, err := run(context.Background(), o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	if rep.errors > 0 {
		os.Exit(1)
	}
}

// report is what a run measured.
type report struct {
	routes map[string]*stats
	errors int
}

type stats struct {
	mu     sync.Mutex
	lat    []time.Duration
	errors int
	codes  map[int]int
}

func (r *report) add(route string, d time.Duration, ok bool, code int) {
	s := r.routes[route]
	s.mu.Lock()
	s.lat = append(s.lat, d)
	if !ok {
		s.errors++
		if s.codes == nil {
			s.codes = map[int]int{}
		}
		s.codes[code]++
	}
	s.mu.Unlock()
}

var routeNames = []string{
	"GET /applications/{id} (status)", "GET /applications", "POST /applications (again)", "GET /d/{token}",
	"GET presigned dossier", "GET /applications?status=open", "GET /cases/{id}/materials", "GET /applications/stats",
}

// client is an API client for one user.
type client struct {
	base  string
	token string
	http  *http.Client
}

func (c *client) do(ctx context.Context, method, path string, body any, out any) (int, http.Header, error) {
	var rd io.Reader
	if body != nil {
		if b, ok := body.([]byte); ok {
			rd = bytes.NewReader(b)
		} else {
			j, _ := json.Marshal(body)
			rd = bytes.NewReader(j)
		}
	}
	u := path
	if !strings.HasPrefix(u, "http") {
		u = c.base + path
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, resp.Header, err
		}
	} else {
		_, _ = io.Copy(io.Discard, resp.Body)
	}
	return resp.StatusCode, resp.Header, nil
}

func (c *client) must(ctx context.Context, method, path string, body any, want int, out any) error {
	code, _, err := c.do(ctx, method, path, body, out)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if code != want {
		return fmt.Errorf("%s %s: status %d, want %d", method, path, code, want)
	}
	return nil
}

func waitFor(ctx context.Context, what string, limit time.Duration, fn func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	for {
		ok, err := fn()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %s", what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

const unit = "市检察院"

// local is the local server started for a run, and how to reach it.
type local struct {
	s     *server.Server
	base  string
	hc    *http.Client
	anon  *client
	clerk *client
	stop  func()
}

// issue is a client with a login token for id.
func (l *local) issue(id auth.Identity) *client {
	tok, err := l.s.Auth.Issue(id, 4*time.Hour)
	if err != nil {
		panic(err)
	}
	return &client{base: l.base, token: tok, http: l.hc}
}

// start starts the local server on 127.0.0.1 with the wiring of `yuejuan
// serve` in a new data dir (removed by stop unless keep), with the rate
// limits off, and waits until it answers.
func start(ctx context.Context, keep, verbose bool) (*local, error) {
	data, err := os.MkdirTemp("", "yuejuan-load-")
	if err != nil {
		return nil, err
	}
	cleanup := func() {
		if !keep {
			os.RemoveAll(data)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cleanup()
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	cfg, err := config.FromEnv(func(k string) string {
		switch k {
		case "YUEJUAN_DATA":
			return data
		case "YUEJUAN_ADDR":
			return ln.Addr().String()
		case "YUEJUAN_MAX_DOWNLOADS":
			return "1000000" // the lawyers download again and again
		}
		return os.Getenv(k)
	})
	if err != nil {
		ln.Close()
		cleanup()
		return nil, err
	}
	var logw io.Writer = io.Discard
	if verbose {
		logw = os.Stderr
	}
	s, err := server.New(cfg, slog.New(slog.NewJSONHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		ln.Close()
		cleanup()
		return nil, err
	}
	// The per-lawyer limits would refuse a lawyer downloading twenty
	// times a second: measured here is the server, not the limiter.
	s.API.RateLimit = httpapi.NewRateLimiter(httpapi.Rates{})
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(sctx, ln) }()
	tr := &http.Transport{MaxIdleConns: 1000, MaxIdleConnsPerHost: 1000, IdleConnTimeout: time.Minute}
	l := &local{s: s, base: base, hc: &http.Client{Transport: tr, Timeout: 10 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		stop: func() {
			cancel()
			<-done
			cleanup()
		}}
	l.anon = &client{base: base, http: l.hc}
	l.clerk = l.issue(auth.Identity{Subject: "clerk01", Name: "王书记员", Role: auth.Clerk, Unit: unit})
	if err := waitFor(ctx, "the server", 30*time.Second, func() (bool, error) {
		code, _, err := l.anon.do(ctx, "GET", "/healthz", nil, nil)
		return err == nil && code == 200, nil
	}); err != nil {
		l.stop()
		return nil, err
	}
	return l, nil
}

func run(ctx context.Context, o options, out io.Writer) (*report, error) {
	srv, err := start(ctx, o.keep, o.verbose)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	base, anon, clerk, issue := srv.base, srv.anon, srv.clerk, srv.issue

	// Setup (not measured): a small case every lawyer has a dossier of, and
	// the big case whose volumes are uploaded and ingested now, to be
	// assembled during the run.
	start := time.Now()
	small, err := newCase(ctx, clerk, "京检刑诉〔2026〕1号", "张某某盗窃案")
	if err != nil {
		return nil, err
	}
	// The small case's dossier is typed pages (a few KB): the lawyers
	// download it again and again, and the point is the server's work per
	// download, not the loopback's bandwidth.
	if err := uploadScans(ctx, clerk, anon, small, 2, 2, nil); err != nil {
		return nil, err
	}
	scan := scanJPEG()
	type lawyer struct {
		c       *client
		license string
		app     string
		link    string
		apply   map[string]any
	}
	lawyers := make([]*lawyer, o.lawyers)
	var setupErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range lawyers {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			lic := fmt.Sprintf("111012019100%05d", i)
			l := &lawyer{c: issue(auth.Identity{Subject: lic, Name: fmt.Sprintf("律师%d", i), Role: auth.Lawyer}), license: lic}
			app, apply, err := applyFor(ctx, l.c, anon, small, lic, fmt.Sprintf("律师%d", i))
			if err == nil {
				err = clerk.must(ctx, "POST", "/api/v1/applications/"+app+"/decision", map[string]string{"decision": "approve"}, 200, nil)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				setupErr = err
				return
			}
			l.app, l.apply = app, apply
			lawyers[i] = l
		})
	}
	wg.Wait()
	if setupErr != nil {
		return nil, setupErr
	}
	for _, l := range lawyers {
		err := waitFor(ctx, "dossier of "+l.license, 5*time.Minute, func() (bool, error) {
			var a struct {
				Status string
				Link   *struct{ URL string }
			}
			if err := l.c.must(ctx, "GET", "/api/v1/applications/"+l.app, nil, 200, &a); err != nil {
				return false, err
			}
			if a.Link != nil {
				l.link = a.Link.URL
			}
			return a.Status == "ready", nil
		})
		if err != nil {
			return nil, err
		}
	}
	var big string
	bigLawyer := issue(auth.Identity{Subject: "11101201910099999", Name: "王律师", Role: auth.Lawyer})
	if o.pages > 0 {
		if big, err = newCase(ctx, clerk, "京检刑诉〔2026〕2号", "李某某诈骗案"); err != nil {
			return nil, err
		}
		files := (o.pages + o.perFile - 1) / o.perFile
		if err := uploadScans(ctx, clerk, anon, big, files, o.perFile, scan); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(out, "setup: %d lawyers with a dossier, %d-page case ingested, in %v\n", o.lawyers, o.pages, time.Since(start).Round(time.Second))

	// The run.
	rep := &report{routes: map[string]*stats{}}
	for _, n := range routeNames {
		rep.routes[n] = &stats{}
	}
	rctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	var assembled atomic.Int64 // ms from approval to ready
	var bigApp string
	if o.pages > 0 {
		app, _, err := applyFor(ctx, bigLawyer, anon, big, "11101201910099999", "王律师")
		if err != nil {
			return nil, err
		}
		bigApp = app
		approved := time.Now()
		if err := clerk.must(ctx, "POST", "/api/v1/applications/"+app+"/decision", map[string]string{"decision": "approve"}, 200, nil); err != nil {
			return nil, err
		}
		go func() {
			_ = waitFor(ctx, "the big dossier", time.Hour, func() (bool, error) {
				var a struct{ Status string }
				if err := bigLawyer.must(ctx, "GET", "/api/v1/applications/"+app, nil, 200, &a); err != nil {
					return false, nil
				}
				return a.Status == "ready", nil
			})
			assembled.Store(time.Since(approved).Milliseconds())
		}()
	}
	var statusLimit *rate.Limiter
	if o.statusRate > 0 {
		statusLimit = rate.NewLimiter(rate.Limit(o.statusRate), max(1, int(o.statusRate/100)))
	}
	timed := func(route string, want []int, fn func() (int, error)) {
		t0 := time.Now()
		code, err := fn()
		d := time.Since(t0)
		if rctx.Err() != nil && err != nil {
			return // cut off by the end of the run
		}
		rep.add(route, d, err == nil && slices.Contains(want, code), code)
	}
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	runStart := time.Now()
	var users sync.WaitGroup
	// Status pollers: at the set rate in all, spread over the lawyers.
	for i := range o.lawyers {
		l := lawyers[i]
		users.Go(func() {
			for rctx.Err() == nil {
				if statusLimit != nil && statusLimit.Wait(rctx) != nil {
					return
				}
				timed(routeNames[0], []int{200}, func() (int, error) {
					code, _, err := l.c.do(rctx, "GET", "/api/v1/applications/"+l.app, nil, nil)
					return code, err
				})
			}
		})
	}
	// The lawyers' other work: listings, a repeated submission (the same
	// application back, 200), and downloads (link door, then the file).
	for i := range o.lawyers {
		l := lawyers[i]
		users.Go(func() {
			r := rand.New(rand.NewSource(int64(i)))
			for rctx.Err() == nil {
				switch n := r.Intn(10); {
				case n < 4:
					timed(routeNames[1], []int{200}, func() (int, error) {
						code, _, err := l.c.do(rctx, "GET", "/api/v1/applications", nil, nil)
						return code, err
					})
				case n < 6:
					timed(routeNames[2], []int{200}, func() (int, error) {
						code, _, err := l.c.do(rctx, "POST", "/api/v1/applications", l.apply, nil)
						return code, err
					})
				default:
					var loc string
					timed(routeNames[3], []int{302}, func() (int, error) {
						code, h, err := anon.do(rctx, "GET", l.link, nil, nil)
						if h != nil {
							loc = h.Get("Location")
						}
						return code, err
					})
					if loc != "" && rctx.Err() == nil {
						timed(routeNames[4], []int{200}, func() (int, error) {
							code, _, err := anon.do(rctx, "GET", loc, nil, nil)
							return code, err
						})
					}
				}
				sleep(rctx, time.Duration(50+r.Intn(100))*time.Millisecond)
			}
		})
	}
	for i := range o.clerks {
		users.Go(func() {
			r := rand.New(rand.NewSource(int64(1000 + i)))
			for rctx.Err() == nil {
				switch n := r.Intn(3); n {
				case 0:
					timed(routeNames[5], []int{200}, func() (int, error) {
						code, _, err := clerk.do(rctx, "GET", "/api/v1/applications?status=open", nil, nil)
						return code, err
					})
				case 1:
					timed(routeNames[6], []int{200}, func() (int, error) {
						code, _, err := clerk.do(rctx, "GET", "/api/v1/cases/"+small+"/materials", nil, nil)
						return code, err
					})
				default:
					timed(routeNames[7], []int{200}, func() (int, error) {
						code, _, err := clerk.do(rctx, "GET", "/api/v1/applications/stats", nil, nil)
						return code, err
					})
				}
				sleep(rctx, time.Duration(100+r.Intn(200))*time.Millisecond)
			}
		})
	}
	users.Wait()
	elapsed := time.Since(runStart)

	// The report.
	fmt.Fprintf(out, "\nload: %d lawyers, %d clerks, %v on %s, GOMAXPROCS %d, status reads paced at %.0f/s\n",
		o.lawyers, o.clerks, elapsed.Round(100*time.Millisecond), base, runtime.GOMAXPROCS(0), o.statusRate)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "route\trequests\tper second\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\t")
	for _, n := range routeNames {
		st := rep.routes[n]
		if len(st.lat) == 0 {
			continue
		}
		sort.Slice(st.lat, func(i, j int) bool { return st.lat[i] < st.lat[j] })
		q := func(p float64) string {
			return fmt.Sprintf("%.1f", float64(st.lat[min(len(st.lat)-1, int(p*float64(len(st.lat))))])/1e6)
		}
		errs := fmt.Sprint(st.errors)
		if st.errors > 0 {
			errs += fmt.Sprint(" ", st.codes)
		}
		rep.errors += st.errors
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t\n", n, len(st.lat), float64(len(st.lat))/elapsed.Seconds(),
			q(0.50), q(0.90), q(0.99), q(1), errs)
	}
	tw.Flush()
	if o.pages > 0 {
		if ms := assembled.Load(); ms > 0 {
			fmt.Fprintf(out, "the %d-page dossier (application %s) was assembled and stamped in %.1f s, during the run\n", o.pages, bigApp, float64(ms)/1000)
		} else {
			fmt.Fprintf(out, "the %d-page dossier (application %s) was still being assembled when the run ended (%v)\n", o.pages, bigApp, elapsed.Round(time.Second))
			// Let it finish, so that the numbers above were taken under it.
			_ = waitFor(ctx, "the big dossier", 10*time.Minute, func() (bool, error) { return assembled.Load() > 0, nil })
			fmt.Fprintf(out, "it was ready %.1f s after the approval\n", float64(assembled.Load())/1000)
		}
	}
	return rep, nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func newCase(ctx context.Context, clerk *client, no, title string) (string, error) {
	var c struct{ ID string }
	err := clerk.must(ctx, "POST", "/api/v1/cases", map[string]any{
		"caseNo": no, "title": title, "stage": "prosecution_review", "onlineReview": true,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"张某某"},
	}, 201, &c)
	caseNos[c.ID] = no
	return c.ID, err
}

// uploadScans uploads files scanned PDFs of pages pages each and waits
// until they are accepted.
func uploadScans(ctx context.Context, clerk, anon *client, caseID string, files, pages int, scan []byte) error {
	var ids []string
	for f := range files {
		var m struct{ ID, UploadURL string }
		data := scanPDF(scan, pages)
		if err := clerk.must(ctx, "POST", "/api/v1/cases/"+caseID+"/materials", map[string]any{
			"volume": f/5 + 1, "volumeTitle": fmt.Sprintf("第%d卷", f/5+1), "seq": f + 1,
			"title": fmt.Sprintf("证据材料 %d", f+1), "filename": fmt.Sprintf("%03d.pdf", f+1), "size": len(data)}, 201, &m); err != nil {
			return err
		}
		if err := anon.must(ctx, "PUT", m.UploadURL, data, 200, nil); err != nil {
			return err
		}
		ids = append(ids, m.ID)
	}
	for _, id := range ids {
		err := waitFor(ctx, "material "+id, 10*time.Minute, func() (bool, error) {
			var m struct{ Status, Reason string }
			if err := clerk.must(ctx, "GET", "/api/v1/cases/"+caseID+"/materials/"+id, nil, 200, &m); err != nil {
				return false, err
			}
			if m.Status == "rejected" {
				return false, errors.New("scan rejected: " + m.Reason)
			}
			return m.Status == "accepted", nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// applyFor uploads a lawyer's three documents and applies; it returns the
// application id and the body (to submit again).
func applyFor(ctx context.Context, c, anon *client, caseID, license, name string) (string, map[string]any, error) {
	var atts []string
	for _, kind := range []string{"practice_certificate", "firm_letter", "power_of_attorney"} {
		var a struct{ ID, UploadURL string }
		data := scanPDF(nil, 1)
		if err := c.must(ctx, "POST", "/api/v1/attachments", map[string]any{"kind": kind, "filename": kind + ".pdf", "size": len(data)}, 201, &a); err != nil {
			return "", nil, err
		}
		if err := anon.must(ctx, "PUT", a.UploadURL, data, 200, nil); err != nil {
			return "", nil, err
		}
		atts = append(atts, a.ID)
	}
	for _, id := range atts {
		if err := waitFor(ctx, "attachment", time.Minute, func() (bool, error) {
			var a struct{ Uploaded bool }
			err := c.must(ctx, "GET", "/api/v1/attachments/"+id, nil, 200, &a)
			return a.Uploaded, err
		}); err != nil {
			return "", nil, err
		}
	}
	no := caseNos[caseID]
	body := map[string]any{"caseNo": no, "client": "张某某", "attachments": atts,
		"lawyer": map[string]string{"name": name, "license": license, "firm": "北京某某律师事务所", "phone": "13800000000"}}
	var app struct{ ID string }
	if err := c.must(ctx, "POST", "/api/v1/applications", body, 201, &app); err != nil {
		return "", nil, err
	}
	return app.ID, body, nil
}

// caseNos maps case ids to their numbers (filled by newCase's callers).
var caseNos = map[string]string{}

// scanJPEG is an A4 page scanned at 150 dpi in gray: paper noise and lines
// of "text", about 250 KB as a JPEG.
func scanJPEG() []byte {
	img := image.NewGray(image.Rect(0, 0, 1240, 1754))
	r := rand.New(rand.NewSource(1))
	for i := range img.Pix {
		img.Pix[i] = 235 + uint8(r.Intn(20))
	}
	for line := 150; line < 1600; line += 30 {
		for x := 120; x < 1120; x += 2 {
			if r.Intn(4) == 0 {
				continue
			}
			for y := line; y < line+15; y++ {
				if r.Intn(3) == 0 {
					img.Pix[y*img.Stride+x] = uint8(r.Intn(60))
				}
			}
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: 75})
	return b.Bytes()
}

// scanPDF is a PDF of n pages, each showing the scan (its own image
// object, as a scanner writes it), or a text page when scan is nil.
func scanPDF(scan []byte, n int) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(body string, stream []byte) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s", len(offs), body)
		if stream != nil {
			fmt.Fprintf(&b, "\nstream\n")
			b.Write(stream)
			b.WriteString("\nendstream")
		}
		b.WriteString("\nendobj\n")
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	kids := make([]string, n)
	for i := range n {
		kids[i] = fmt.Sprintf("%d 0 R", 3+3*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n), nil)
	for i := range n {
		content, img := 4+3*i, 5+3*i
		if scan == nil {
			text := []byte("BT /F1 24 Tf 72 700 Td (DOCUMENT) Tj ET")
			obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> /Contents %d 0 R >>", content), nil)
			obj(fmt.Sprintf("<< /Length %d >>", len(text)), text)
			obj("null", nil)
			continue
		}
		draw := []byte("q 595 0 0 842 0 0 cm /Im0 Do Q")
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>", img, content), nil)
		obj(fmt.Sprintf("<< /Length %d >>", len(draw)), draw)
		obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width 1240 /Height 1754 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>", len(scan)), scan)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}
