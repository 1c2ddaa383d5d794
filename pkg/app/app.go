// Package app is the one place the application is put together: its use
// cases (service.Service), its HTTP API and the deadline job built from its
// ports — the table, the buckets, the queue,
// the notice channel, the login verifier, the link signer, the calendar and
// the settings. The local server (pkg/server) and each Lambda function
// (pkg/cloud) only choose the drivers of the ports and call New; a function
// given no port for something (no queue, no dossiers bucket, no link key)
// cannot do it (docs/design.md, "Layers"). The PDF jobs, ingest and
// assemble, are built on an App by package jobs, apart, so that what runs
// neither (the API, the download door, the deadline job) does not link the
// PDF library (docs/design.md, "Lambda bootstraps").
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/httpapi"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/reminder"
	"github.com/yuejuan/yuejuan/pkg/service"
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Ports are the drivers the application runs on. Table is required; a nil
// port is a thing this process may not do.
type Ports struct {
	Table store.Table
	// Uploads holds the clerks' scans and the lawyers' attachments;
	// Dossiers the base dossiers and the stamped copies.
	Uploads, Dossiers *blob.Bucket
	// Queue takes jobs (assembly after an approval).
	Queue queue.Queue
	// Channel delivers notices (SMS, app push, the local outbox); nil
	// sends none, and records none.
	Channel notify.Notifier
	// Login checks the API's bearer tokens; Links signs (or only verifies)
	// download tokens (nil: a signer with no key, which can do neither).
	Login httpapi.Verifier
	Links *link.Signer
	// RateLimit and Refusals are the API's per-lawyer limits and its count
	// of refusals without a login (nil: this process's memory).
	RateLimit *httpapi.RateLimiter
	Refusals  *httpapi.RefusalLog
	Calendar  *deadline.Calendar
	Log       *slog.Logger
}

// Settings are the application's settings (config.Config locally, the
// function's environment on AWS). Zero values take the defaults.
type Settings struct {
	// PublicURL is the service's external base URL, for download links.
	PublicURL string
	// LinkIssuer names the issuer of download tokens when Links is nil.
	LinkIssuer string
	PresignTTL time.Duration
	// MaxUpload is the largest upload, in bytes: the size upload URLs are
	// issued for is the size ingest accepts.
	MaxUpload int64
	// LinkTTL and MaxDownloads bound a download link.
	LinkTTL      time.Duration
	MaxDownloads int
	// TempDir is the jobs' scratch space.
	TempDir string
	// RemindHour is the Beijing hour of the last day's reminder.
	RemindHour int
	// MaxDossierPages and MaxDossierBytes are the largest base dossier the
	// assemble job builds (zero: dossier.DefaultMaxPages and
	// DefaultMaxBytes, what the assemble function's memory and /tmp take;
	// a negative MaxDossierBytes: no byte ceiling, for a server whose disk
	// is the limit). A larger case fails for good (assemble.Budgeted).
	MaxDossierPages int
	MaxDossierBytes int64
	// OCR recognises the text of scanned pages at ingest (pkg/ocr).
	OCR bool
}

// App is the application built from its ports.
type App struct {
	Service *service.Service
	// Notices records and delivers notices (nil without a channel).
	Notices *notify.Dispatcher
	// Reminder is the deadline job.
	Reminder *reminder.Job
	// Watch keeps the download links whose expiry is to be announced.
	Watch *reminder.LinkWatch
	// Log is the application's logger.
	Log *slog.Logger

	ports    Ports
	settings Settings
}

// New builds the application from its ports and settings.
func New(p Ports, s Settings) *App {
	log := p.Log
	if log == nil {
		log = slog.Default()
	}
	a := &App{ports: p, settings: s}
	svc := service.New(p.Table, nil, p.Queue, p.Calendar, log)
	svc.Uploads, svc.Dossiers, svc.PresignTTL, svc.MaxUpload = p.Uploads, p.Dossiers, s.PresignTTL, s.MaxUpload
	var notices *notify.Dispatcher
	var notifier notify.Notifier // nil, not a nil *Dispatcher
	if p.Channel != nil {
		notices = &notify.Dispatcher{T: p.Table, Channel: p.Channel, Audit: svc.Audit, Log: log}
		svc.Notices, notifier = notices, notices
	}
	a.Service, a.Notices, a.Log = svc, notices, log

	watch := &reminder.LinkWatch{T: p.Table}
	a.Watch = watch
	svc.LinkTTL, svc.MaxDownloads, svc.Watch = s.LinkTTL, s.MaxDownloads, watch
	a.Reminder = &reminder.Job{Apps: svc.Apps, Audit: svc.Audit, Notify: notifier, Complaints: svc.Complaints,
		Links: svc.Links, Watch: watch, RemindHour: s.RemindHour}
	return a
}

// Send sends n through the notices, when there are any.
func (a *App) Send(ctx context.Context, n notify.Notice) error {
	if a.Notices == nil {
		return nil
	}
	_, err := a.Notices.Send(ctx, n)
	return err
}

// Ports are the ports the application was built on.
func (a *App) Ports() Ports { return a.ports }

// Settings are the settings it was built with.
func (a *App) Settings() Settings { return a.settings }

// API is the HTTP API on the application's use cases; with roles, only
// the routes that admit one of them (one Lambda function's permission
// boundary, httpapi.API.Roles).
func (a *App) API(roles ...auth.Role) *httpapi.API {
	signer := a.ports.Links
	if signer == nil {
		signer = &link.Signer{Keys: auth.PublicKeySet(), Issuer: a.settings.LinkIssuer} // Token and Parse fail: no key
	}
	return &httpapi.API{Service: a.Service, Auth: a.ports.Login, Signer: signer, PublicURL: a.settings.PublicURL,
		RateLimit: a.ports.RateLimit, Refusals: a.ports.Refusals, Roles: roles}
}
