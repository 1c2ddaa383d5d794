// Package server wires the whole service into one process on embedded
// defaults: SQLite metadata, filesystem object stores whose signed URLs this
// process serves, an in-process job queue and a scheduler. It runs the same
// handlers as the Lambda functions.
//
// The same process can run on peers instead (config.Config.UsesDynamoDB,
// UsesS3): metadata in a DynamoDB table (dynalite, or AWS itself), objects in
// S3 buckets (MinIO, versitygw, any S3-compatible store, or AWS). Upload URLs
// are then S3 presigned PUTs, which never reach this process; the server
// finds the new uploads by listing the uploads bucket (peers.go). The job
// queue, the scheduler, the keys and the audit anchors stay local, in the
// data dir.
package server

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/app"
	"github.com/yuejuan/yuejuan/pkg/app/jobs"
	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/config"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/httpapi"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/ocr"
	"github.com/yuejuan/yuejuan/pkg/provider"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/reconcile"
	"github.com/yuejuan/yuejuan/pkg/reminder"
	"github.com/yuejuan/yuejuan/pkg/session"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
	"github.com/yuejuan/yuejuan/pkg/web"
)

// Server is the all-in-one service.
type Server struct {
	Config config.Config
	API    *httpapi.API
	Queue  *queue.Local
	Auth   *auth.Authority
	// Uploads and Dossiers are the local buckets whose signed URLs the
	// server serves under /blob/; nil when the objects live in S3.
	Uploads  *blob.Local
	Dossiers *blob.Local
	Log      *slog.Logger
	// UploadPoll is how often a server on S3 lists the uploads bucket for
	// new uploads (default 2 s); unused on local buckets, whose PUTs the
	// server itself receives.
	UploadPoll time.Duration

	table    store.Table
	watch    *uploadWatch       // S3 only
	anchKey  ed25519.PrivateKey // signs the audit chain head (anchors.go)
	ingest   *ingest.Worker
	builder  *assemble.Worker
	reminder *reminder.Job
	Outbox   *notify.Outbox
	// Notices records notices and delivers them through Outbox, retrying
	// failed deliveries on each Tick.
	Notices *notify.Dispatcher
	// Accounts is the directory the embedded provider signs people in
	// from (signin.go).
	Accounts *account.Directory
	signIn   *auth.Authority // the embedded provider's tokens
	provider *provider.Provider
	bff      *session.BFF
}

// LoginKeyPath is where the login token key lives in a data dir.
func LoginKeyPath(dataDir string) string { return filepath.Join(dataDir, "keys", "login-ed25519.pem") }

// Authority returns the login token authority of a data dir, making its key
// on the first start (the server's; yuejuan token uses LoadAuthority).
func Authority(cfg config.Config) (*auth.Authority, error) {
	k, err := auth.LoadOrCreateKeyFile(LoginKeyFile(cfg.DataDir))
	if err != nil {
		return nil, err
	}
	return &auth.Authority{Keys: auth.NewKeySet(k), Issuer: cfg.Issuer, Audience: cfg.Audience}, nil
}

// New builds the server from cfg, creating the data dir on first run.
func New(cfg config.Config, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := cfg.CheckPeers(); err != nil {
		return nil, err
	}
	// Before anything is set up: a refusal leaves nothing behind.
	if cfg.OCR {
		if err := (&ocr.Engine{}).Check(context.Background()); err != nil {
			return nil, fmt.Errorf("server: text recognition (YUEJUAN_OCR=on): %w", err)
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("server: data dir: %w", err)
	}
	if err := dossier.Setup(filepath.Join(cfg.DataDir, "pdfcpu")); err != nil {
		return nil, fmt.Errorf("server: set up PDF fonts: %w", err)
	}
	cal, err := deadline.LoadFile(cfg.Holidays) // the embedded data when unset
	if err != nil {
		return nil, fmt.Errorf("server: YUEJUAN_HOLIDAYS: %w", err)
	}
	if cfg.Policy != "" {
		if err := deadline.LoadPolicyFile(cfg.Policy); err != nil {
			return nil, fmt.Errorf("server: YUEJUAN_POLICY: %w", err)
		}
	}
	if w := cal.Warning(deadline.DateOf(time.Now())); w != "" {
		log.Warn("holiday data running out", "warning", w)
	}
	var awsCfg *aws.Config
	if cfg.UsesDynamoDB() || cfg.UsesS3() {
		if awsCfg, err = loadAWS(); err != nil {
			return nil, err
		}
	}
	var tbl store.Table
	if cfg.UsesDynamoDB() {
		tbl, err = openDynamoDB(cfg, *awsCfg)
	} else {
		tbl, err = sqlitestore.Open(filepath.Join(cfg.DataDir, "meta.db"))
	}
	if err != nil {
		return nil, err
	}
	authority, err := Authority(cfg)
	if err != nil {
		return nil, err
	}
	linkKey, err := auth.LoadOrCreateKeyFile(LinkKeyFile(cfg.DataDir))
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(cfg.PublicURL)
	if err != nil {
		return nil, fmt.Errorf("server: YUEJUAN_PUBLIC_URL: %w", err)
	}
	s := &Server{Config: cfg, Auth: authority, Log: log, table: tbl, UploadPoll: 2 * time.Second}
	var uploads, dossiers *blob.Bucket
	if cfg.UsesS3() {
		if uploads, err = openS3(cfg, *awsCfg, cfg.UploadsBucket); err != nil {
			return nil, err
		}
		if dossiers, err = openS3(cfg, *awsCfg, cfg.DossiersBucket); err != nil {
			return nil, err
		}
		s.watch = &uploadWatch{s: s, b: uploads}
	} else {
		secret := filepath.Join(cfg.DataDir, "keys", "blob-url.secret")
		if s.Uploads, err = blob.OpenLocal(filepath.Join(cfg.DataDir, "objects", "uploads"), base.JoinPath("blob", "uploads"), secret); err != nil {
			return nil, err
		}
		if s.Dossiers, err = blob.OpenLocal(filepath.Join(cfg.DataDir, "objects", "dossiers"), base.JoinPath("blob", "dossiers"), secret); err != nil {
			return nil, err
		}
		uploads, dossiers = s.Uploads.Bucket, s.Dossiers.Bucket
	}
	tmp := filepath.Join(cfg.DataDir, "tmp")
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return nil, err
	}
	// The in-process queue runs the application's jobs, and the
	// application queues on it: a and its jobs are set before anything
	// is sent.
	var (
		a   *app.App
		ing *ingest.Budgeted
		asm *assemble.Budgeted
	)
	s.Queue = queue.NewLocal(cfg.Workers, queue.Mux{
		queue.IngestMaterial:   func(ctx context.Context, j queue.Job) error { return ing.Run(ctx, j) },
		queue.IngestAttachment: func(ctx context.Context, j queue.Job) error { return ing.Run(ctx, j) },
		queue.Assemble: func(ctx context.Context, j queue.Job) error {
			err := asm.Application(ctx, j.Key)
			if errors.Is(err, assemble.ErrHeld) {
				// Not a failure: the job is queued again when the last
				// material is decided, and by Reconcile.
				s.Log.Info("dossier waits for the case's materials", "application", j.Key, "err", err)
				return nil
			}
			return err
		},
		queue.Version: func(ctx context.Context, j queue.Job) error {
			err := asm.Case(ctx, j.Key)
			if errors.Is(err, assemble.ErrHeld) || errors.Is(err, assemble.ErrNoMaterials) {
				// Queued again when the last material is decided.
				s.Log.Info("new dossier version waits for the case's materials", "case", j.Key, "err", err)
				return nil
			}
			return err
		},
	}.Handle)
	s.Queue.Log = log
	s.Outbox = &notify.Outbox{T: tbl}
	// Login tokens come from the embedded provider (signin.go) or from the
	// developer tool, each under its own issuer, both signed with the login key.
	s.signIn = &auth.Authority{Keys: authority.Keys, Issuer: cfg.ProviderIssuer(), Audience: cfg.Audience}
	a = app.New(app.Ports{Table: tbl, Uploads: uploads, Dossiers: dossiers, Queue: s.Queue, Channel: s.Outbox,
		Login: auth.FirstOf{s.signIn, authority}, Links: &link.Signer{Keys: auth.NewKeySet(linkKey), Issuer: cfg.Issuer}, Calendar: cal, Log: log,
		RateLimit: httpapi.NewRateLimiter(httpapi.Rates{
			Applications: httpapi.Rate{PerHour: cfg.ApplyPerHour, Burst: cfg.ApplyBurst},
			Downloads:    httpapi.Rate{PerHour: cfg.DownloadPerHour, Burst: cfg.DownloadBurst}})},
		app.Settings{PublicURL: cfg.PublicURL, PresignTTL: cfg.PresignTTL, MaxUpload: cfg.MaxUpload,
			LinkTTL: cfg.LinkTTL, MaxDownloads: cfg.MaxDownloads, TempDir: tmp, RemindHour: cfg.RemindHour,
			// The page ceiling bounds the assembly's memory; the bytes are
			// bounded by this server's disk, not by a Lambda's /tmp.
			MaxDossierBytes: -1, OCR: cfg.OCR})
	ing, asm = jobs.Ingest(a), jobs.Assemble(a)
	if err := s.setupAnchors(a.Service.Audit); err != nil {
		s.Queue.Close()
		return nil, err
	}
	s.Notices, s.reminder = a.Notices, a.Reminder
	s.ingest, s.builder = ing.Worker, asm.Worker
	s.ingest.OnDecided = s.requeueHeld
	s.API = a.API()
	if err := s.setupSignIn(a.Service.Audit); err != nil {
		s.Queue.Close()
		return nil, err
	}
	return s, nil
}

// Notify routes an uploaded object to its ingest job, as an S3
// ObjectCreated event does on AWS.
func (s *Server) Notify(ctx context.Context, key string, _ int64) {
	j, ok := ingest.Job(key)
	if !ok {
		return
	}
	if err := s.ingest.Received(ctx, j); err != nil {
		s.Log.Error("mark material processing", "material", j.Key, "err", err)
	}
	if err := s.Queue.Send(ctx, j); err != nil {
		s.Log.Error("queue ingest", "key", key, "err", err)
	}
}

// Handler is the whole HTTP surface: the API plus the signed object URLs
// of local buckets (on S3, the object store serves its own).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	if s.Uploads != nil {
		mux.Handle("/blob/uploads", objectHeaders(s.Uploads.Handler(s.Config.MaxUpload, s.Notify)))
		mux.Handle("/blob/dossiers", objectHeaders(s.Dossiers.Handler(0, nil)))
	}
	api := s.signInRoutes(mux, s.API.Handler()) // the provider at the issuer's path, the pages' sign-in at /auth/
	mux.Handle("/", web.Handler(api))           // pages at /, /lawyer, /clerk, /auditor, /static/; the rest to the API
	return mux
}

// Tick is one run of the scheduler: the deadline job, Reconcile, the
// settling of pending audit records, and an anchor.
func (s *Server) Tick(ctx context.Context) {
	if sum, err := s.reminder.Run(ctx); err != nil {
		s.Log.Error("deadline job", "err", err)
	} else if sum.Reminded+sum.Overdue+sum.ComplaintsReminded+sum.ComplaintsOverdue+sum.LinksExpiring > 0 || sum.Retried != (notify.RetrySummary{}) {
		s.Log.Info("deadline job", "reminded", sum.Reminded, "overdue", sum.Overdue, "complaintsReminded", sum.ComplaintsReminded,
			"complaintsOverdue", sum.ComplaintsOverdue, "linksExpiring", sum.LinksExpiring, "noticesRetried", sum.Retried)
	}
	s.Reconcile(ctx)
	if sum, err := s.API.Service.SettleAudit(ctx); err != nil {
		s.Log.Error("settle pending audit records", "err", err, "result", sum)
	} else if sum != (audit.SettleSummary{}) {
		s.Log.Warn("settled pending audit records", "result", sum)
	}
	s.Anchor(ctx) // after the settle, so that the records it completes are anchored
}

// Reconcile re-queues work a crash or a lost message left behind: the
// ingest of materials stuck for reconcile.StuckAfter (see recovery.go), the
// assembly of approved applications without their dossier; and it removes
// the temporary files of jobs that died an hour ago or more.
func (s *Server) Reconcile(ctx context.Context) {
	s.requeueStuck(ctx, time.Now().Add(-reconcile.StuckAfter), false)
	s.requeueBehind(ctx, time.Now().Add(-reconcile.StuckAfter), false)
	ids, err := s.API.Apps.PendingWork(ctx)
	if err != nil {
		s.Log.Error("reconcile", "err", err)
		return
	}
	for _, id := range ids {
		_ = s.Queue.Send(ctx, queue.Job{Kind: queue.Assemble, Key: id})
	}
	s.sweepTemp(time.Now().Add(-time.Hour))
}

// Run serves on ln until ctx ends, then shuts down gracefully.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	s.Recover(ctx)
	go func() {
		s.Tick(ctx)
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.Tick(ctx)
			}
		}
	}()
	if s.watch != nil {
		go s.watch.run(ctx, s.UploadPoll)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	s.Queue.Close()
	s.Anchor(sctx) // the last records get their anchor before the process ends
	if cerr := s.table.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
