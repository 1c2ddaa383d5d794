package cloud

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/yuejuan/yuejuan/pkg/apigw"
	"github.com/yuejuan/yuejuan/pkg/app"
	"github.com/yuejuan/yuejuan/pkg/application"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/blob"
	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/deadline"
	"github.com/yuejuan/yuejuan/pkg/httpapi"
	"github.com/yuejuan/yuejuan/pkg/link"
	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/notify/snsnotify"
	"github.com/yuejuan/yuejuan/pkg/queue"
	"github.com/yuejuan/yuejuan/pkg/queue/sqsqueue"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/dynamostore"
	"github.com/yuejuan/yuejuan/pkg/web"
)

// Runtime holds what every function shares: the configuration, the AWS SDK
// configuration, the metadata table and the repositories on it. Its
// builders (API, Download; worker's IngestHandler, ...) add what one function
// needs.
type Runtime struct {
	Env      Env
	Log      *slog.Logger
	AWS      aws.Config
	Table    store.Table
	Secrets  Secrets
	Calendar *deadline.Calendar
	// HTTP is the client that fetches the identity provider's JWKS.
	HTTP *http.Client
	// Bucket opens a bucket by name (default: S3 through blob.OpenS3).
	Bucket func(ctx context.Context, name string) (*blob.Bucket, error)
	// Publisher sends notices (default: the SNS client) and Sender jobs
	// (default: the SQS client). The defaults are made when Notices or
	// Queue first needs them, so that a function that sends neither (the
	// download door) does not link those clients.
	Publisher snsnotify.Publisher
	Sender    sqsqueue.Sender

	Cases *casefile.Repo
	Apps  *application.Repo
	Links *link.Repo
	Audit *audit.Log

	// ctx outlives every invocation (the JWKS refresh runs under it).
	ctx context.Context
}

// Start reads the environment and returns the Runtime of a Lambda
// function on AWS.
func Start(ctx context.Context) (*Runtime, error) {
	env, err := FromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	return New(ctx, env)
}

// Logger returns the JSON logger at the configured level (CloudWatch Logs
// keeps each line as one structured event).
func Logger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// New builds the Runtime for env: the AWS SDK configuration from the
// default chain (the function's role on Lambda), the DynamoDB table and the
// repositories. ctx bounds only the set-up.
func New(ctx context.Context, env Env) (*Runtime, error) {
	if err := need([2]string{"YUEJUAN_TABLE", env.Table}); err != nil {
		return nil, err
	}
	log := Logger(env.LogLevel)
	slog.SetDefault(log)
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("cloud: AWS configuration: %w", err)
	}
	ddb := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if env.DynamoDBEndpoint != "" {
			o.BaseEndpoint = aws.String(env.DynamoDBEndpoint)
		}
	})
	cal, err := deadline.LoadFile(env.Holidays) // the embedded data when unset
	if err != nil {
		return nil, fmt.Errorf("cloud: YUEJUAN_HOLIDAYS: %w", err)
	}
	if env.Policy != "" { // the same override the local server reads
		if err := deadline.LoadPolicyFile(env.Policy); err != nil {
			return nil, fmt.Errorf("cloud: YUEJUAN_POLICY: %w", err)
		}
	}
	if w := cal.Warning(deadline.DateOf(time.Now())); w != "" {
		log.Warn("holiday data running out", "warning", w)
	}
	rt := &Runtime{Env: env, Log: log, AWS: awsCfg, Calendar: cal, ctx: context.WithoutCancel(ctx),
		HTTP:    &http.Client{Timeout: 10 * time.Second},
		Secrets: &SecretsManager{Client: secretsmanager.NewFromConfig(awsCfg)},
	}
	rt.Bucket = rt.openS3
	rt.SetTable(dynamostore.New(ddb, env.Table))
	return rt, nil
}

// SetTable puts the repositories on t (tests use an embedded table).
func (rt *Runtime) SetTable(t store.Table) {
	rt.Table = t
	rt.Cases = &casefile.Repo{T: t}
	rt.Apps = &application.Repo{T: t}
	rt.Links = &link.Repo{T: t}
	rt.Audit = &audit.Log{T: t}
}

func (rt *Runtime) openS3(ctx context.Context, name string) (*blob.Bucket, error) {
	b, _, err := blob.OpenS3(ctx, blob.S3Config{Bucket: name, Region: rt.AWS.Region,
		Endpoint: rt.Env.S3Endpoint, UsePathStyle: rt.Env.S3PathStyle})
	return b, err
}

// OpenBucket opens the bucket named by the variable envVar (its value
// name), which the function needs.
func (rt *Runtime) OpenBucket(ctx context.Context, envVar, name string) (*blob.Bucket, error) {
	if err := need([2]string{envVar, name}); err != nil {
		return nil, err
	}
	return rt.Bucket(ctx, name)
}

// Queue is the SQS job queue.
func (rt *Runtime) Queue() (queue.Queue, error) {
	if err := need([2]string{"YUEJUAN_QUEUE_URL", rt.Env.QueueURL}); err != nil {
		return nil, err
	}
	if rt.Sender == nil {
		rt.Sender = sqs.NewFromConfig(rt.AWS)
	}
	return sqsqueue.New(rt.Sender, rt.Env.QueueURL), nil
}

// Notices is the notice channel: the SNS topic, which delivers notices by
// SMS or app push. The application keeps each notice in the table too (the
// pages show them), and the deadline job retries a failed publication.
func (rt *Runtime) Notices() (notify.Notifier, error) {
	if err := need([2]string{"YUEJUAN_TOPIC_ARN", rt.Env.TopicARN}); err != nil {
		return nil, err
	}
	if rt.Publisher == nil {
		rt.Publisher = sns.NewFromConfig(rt.AWS)
	}
	return &snsnotify.Notifier{Client: rt.Publisher, TopicARN: rt.Env.TopicARN}, nil
}

// LoginVerifier checks the identity provider's login tokens.
func (rt *Runtime) LoginVerifier() (*JWTVerifier, error) {
	if err := need([2]string{"YUEJUAN_ISSUER", rt.Env.issuerSet()}, [2]string{"YUEJUAN_AUDIENCE", rt.Env.audienceSet()}); err != nil {
		return nil, err
	}
	v, err := NewJWKSVerifier(rt.ctx, rt.Env.JWKSURL, rt.Env.Issuer, rt.Env.Audience, rt.HTTP)
	if err != nil {
		return nil, err
	}
	v.SubjectClaim, v.RoleClaim, v.UnitClaim, v.NameClaim = rt.Env.SubjectClaim, rt.Env.RoleClaim, rt.Env.UnitClaim, rt.Env.NameClaim
	return v, nil
}

// KeyUse says what a function may do with the link keys.
type KeyUse int

// Link key uses.
const (
	NoLinkKey  KeyUse = iota // neither sign nor verify (clerk, auditor)
	VerifyOnly               // verify tokens: the public halves only (download)
	SignLinks                // mint tokens too (the lawyer API)
)

// LinkSigner returns the download-token signer for use.
func (rt *Runtime) LinkSigner(ctx context.Context, use KeyUse) (*link.Signer, error) {
	s := &link.Signer{Keys: auth.PublicKeySet(), Issuer: rt.Env.LinkIssuer}
	if use == NoLinkKey {
		return s, nil // Token and Parse fail: no key
	}
	if err := need([2]string{"YUEJUAN_LINK_KEY_SECRET", rt.Env.LinkKeySecret}); err != nil {
		return nil, err
	}
	data, err := rt.Secrets.Secret(ctx, rt.Env.LinkKeySecret)
	if err != nil {
		return nil, err
	}
	keys, err := ParseKeys(data)
	if err != nil {
		return nil, fmt.Errorf("%w (YUEJUAN_LINK_KEY_SECRET)", err)
	}
	if use == SignLinks {
		s.Keys = auth.NewKeySet(keys[0])
		for _, k := range keys[1:] {
			s.Keys.Add(k, false)
		}
		return s, nil
	}
	pubs := make([]ed25519.PublicKey, len(keys))
	for i, k := range keys {
		pubs[i] = k.Public().(ed25519.PublicKey)
	}
	s.Keys = auth.PublicKeySet(pubs...)
	return s, nil
}

// App is the application on the function's ports: the table, the
// calendar and the settings of every function, and p's drivers of what this
// function may do (docs/design.md, "One function per permission
// boundary").
// buildAPI is the API of roles on the function's ports; every API
// function shares the per-lawyer limits and the count of refusals without a
// login through the table.
func (rt *Runtime) buildAPI(p app.Ports, roles ...auth.Role) *httpapi.API {
	// One bucket per lawyer across every instance, kept in the table.
	p.RateLimit = httpapi.NewSharedRateLimiter(httpapi.DefaultRates(), rt.Table, rt.Log.Warn)
	// A client's first refusal without a login in a minute is recorded once
	// across every instance; the rest are counted.
	p.Refusals = httpapi.NewSharedRefusalLog(rt.Table)
	return rt.App(p).API(roles...)
}

func (rt *Runtime) App(p app.Ports) *app.App {
	p.Table, p.Calendar, p.Log = rt.Table, rt.Calendar, rt.Log
	return app.New(p, app.Settings{PublicURL: rt.Env.PublicURL, LinkIssuer: rt.Env.LinkIssuer, PresignTTL: rt.Env.PresignTTL,
		MaxUpload: rt.Env.MaxUpload, LinkTTL: rt.Env.LinkTTL, MaxDownloads: rt.Env.MaxDownloads, TempDir: rt.Env.TempDir, OCR: rt.Env.OCR})
}

// API returns the HTTP API of one login role, with only that role's routes
// and dependencies:
//   - lawyer: the uploads bucket (presigned PUTs of attachments), the
//     dossiers bucket (the signed-in download presigns a copy), the link
//     signing key (the application shows its link), notices;
//   - clerk: the uploads bucket (presigned PUTs of scans), the job queue
//     (approval queues the assembly), notices;
//   - auditor: neither bucket, no queue, no link key, no notices; the
//     anchors bucket (read) when YUEJUAN_ANCHOR_PUBLIC_KEYS is set, so that
//     verify checks the anchors.
func (rt *Runtime) API(ctx context.Context, role auth.Role) (*httpapi.API, error) {
	if err := rt.Env.Check("api-" + string(role)); err != nil {
		return nil, err
	}
	v, err := rt.LoginVerifier()
	if err != nil {
		return nil, err
	}
	p := app.Ports{Login: v}
	switch role {
	case auth.Lawyer:
		if err := need([2]string{"YUEJUAN_PUBLIC_URL", rt.Env.publicURLSet()}); err != nil {
			return nil, err
		}
		if p.Uploads, err = rt.OpenBucket(ctx, "YUEJUAN_UPLOADS_BUCKET", rt.Env.UploadsBucket); err != nil {
			return nil, err
		}
		if p.Dossiers, err = rt.OpenBucket(ctx, "YUEJUAN_DOSSIERS_BUCKET", rt.Env.DossiersBucket); err != nil {
			return nil, err
		}
		if p.Links, err = rt.LinkSigner(ctx, SignLinks); err != nil {
			return nil, err
		}
		if p.Channel, err = rt.Notices(); err != nil {
			return nil, err
		}
	case auth.Clerk:
		if p.Uploads, err = rt.OpenBucket(ctx, "YUEJUAN_UPLOADS_BUCKET", rt.Env.UploadsBucket); err != nil {
			return nil, err
		}
		if p.Queue, err = rt.Queue(); err != nil {
			return nil, err
		}
		if p.Channel, err = rt.Notices(); err != nil {
			return nil, err
		}
	case auth.Auditor:
	default:
		return nil, fmt.Errorf("cloud: no API for role %q", role)
	}
	a := rt.buildAPI(p, role)
	if role == auth.Auditor {
		if err := rt.anchorsForVerify(ctx, a.Audit); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// anchorsForVerify gives log the anchor store (read) and the anchor public
// keys, when YUEJUAN_ANCHOR_PUBLIC_KEYS is set.
func (rt *Runtime) anchorsForVerify(ctx context.Context, log *audit.Log) error {
	if rt.Env.AnchorPublicKeys == "" {
		return nil
	}
	pubs, err := ParsePublicKeys(rt.Env.AnchorPublicKeys)
	if err != nil {
		return fmt.Errorf("%w (YUEJUAN_ANCHOR_PUBLIC_KEYS)", err)
	}
	b, err := rt.OpenBucket(ctx, "YUEJUAN_ANCHORS_BUCKET", rt.Env.AnchorsBucket)
	if err != nil {
		return err
	}
	keys := map[string]ed25519.PublicKey{}
	for _, p := range pubs {
		keys[audit.KeyID(p)] = p
	}
	log.Anchors, log.AnchorKeys = &audit.BlobAnchors{Bucket: b}, keys
	return nil
}

// APIHandler is the Lambda handler of one role's API: the API under
// /api/v1 for Bearer callers, and, routed to it without an authorizer, the
// pages (sign-in, the role's page, their assets), their sign-in (/auth/*)
// and the API behind their session cookie (/web/api/v1/*; SignIn). The
// pages' scripts may send requests to their own origin and, where the role
// uploads, to the origin of the uploads bucket's presigned URLs.
func (rt *Runtime) APIHandler(ctx context.Context, role auth.Role) (func(context.Context, apigwEvent) (apigwResponse, error), error) {
	a, err := rt.API(ctx, role)
	if err != nil {
		return nil, err
	}
	bff, err := rt.SignIn(ctx, role, a.Auth)
	if err != nil {
		return nil, err
	}
	opts := web.Options{APIBase: WebAPIPrefix + "/api/v1"}
	if a.Uploads != nil {
		origin, err := uploadOrigin(ctx, a.Uploads)
		if err != nil {
			return nil, err
		}
		opts.ConnectSrc = []string{origin}
	}
	return apigw.Handler(web.New(pagesHandler(role, bff, a.Handler()), opts)), nil
}

// uploadOrigin is the scheme and host of the bucket's presigned PUT URLs
// (virtual-hosted or path style, whatever the SDK makes of the endpoint),
// found by presigning one: no request is sent.
func uploadOrigin(ctx context.Context, b *blob.Bucket) (string, error) {
	raw, err := blob.SignedPutURL(ctx, b, "uploads/attachments/csp-origin", 1, time.Minute)
	if err != nil {
		return "", fmt.Errorf("cloud: the uploads bucket's URL origin: %w", err)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("cloud: the uploads bucket's URL origin: cannot parse %q", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

// Download returns the API of the download door alone (GET/HEAD
// /d/{token}): it verifies tokens with the link keys' public halves, counts
// and audits the download in the table, and presigns a GET of the copy. It
// has no login verifier, no upload bucket and no queue.
func (rt *Runtime) Download(ctx context.Context) (*httpapi.API, error) {
	if err := rt.Env.Check("download"); err != nil {
		return nil, err
	}
	var p app.Ports
	var err error
	if p.Links, err = rt.LinkSigner(ctx, VerifyOnly); err != nil {
		return nil, err
	}
	if p.Dossiers, err = rt.OpenBucket(ctx, "YUEJUAN_DOSSIERS_BUCKET", rt.Env.DossiersBucket); err != nil {
		return nil, err
	}
	return rt.buildAPI(p, httpapi.LinkHolder), nil
}

// DownloadHandler is the Lambda handler of the download function.
func (rt *Runtime) DownloadHandler(ctx context.Context) (func(context.Context, apigwEvent) (apigwResponse, error), error) {
	a, err := rt.Download(ctx)
	if err != nil {
		return nil, err
	}
	return apigw.Handler(a.Handler()), nil
}

// Main is a Lambda function's main: the Runtime from the environment, the
// handler build makes on it (a function lambda.Start takes), then
// lambda.Start. A function that cannot start ends there (check).
func Main(build func(ctx context.Context, rt *Runtime) (handler any, err error)) {
	ctx := context.Background()
	rt, err := Start(ctx)
	check(err)
	h, err := build(ctx, rt)
	check(err)
	lambda.Start(h)
}

// check ends the process when a function cannot start: the error goes to
// the log (CloudWatch) as JSON and Lambda reports Runtime.ExitError.
func check(err error) {
	if err == nil {
		return
	}
	b, _ := json.Marshal(map[string]string{"level": "ERROR", "msg": "function cannot start", "err": err.Error()})
	fmt.Fprintln(os.Stderr, string(b))
	os.Exit(1)
}
