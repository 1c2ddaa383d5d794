// Package cloud wires the service's dependencies from the AWS Lambda
// environment, as package server does for the local all-in-one process
// (docs/design.md, "One code path, two runtimes"): DynamoDB instead of
// SQLite, S3 instead of the
// filesystem, SQS instead of the in-process queue, SNS for notices, the
// identity provider's JWTs (checked against its JWKS) instead of the local
// login keys, and keys from AWS Secrets Manager.
//
// It builds the HTTP functions (the role APIs, the download door); the
// handlers that are not plain HTTP (ingest for S3 ObjectCreated events,
// assemble for SQS messages, the deadline job for the EventBridge
// Scheduler) are package worker's, on a Runtime, so that the HTTP functions
// do not link the PDF library. Each functions/<name>/main.go only reads the
// environment, asks for its handler and calls lambda.Start.
//
// Each builder opens only what its permission boundary needs (docs/design.md,
// "One function per permission boundary"): the auditor API gets no upload or
// dossier bucket, the download function a dossier bucket it only presigns
// from and the link keys' public halves, the clerk and auditor APIs no link
// signing key at all.
package cloud

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/yuejuan/yuejuan/pkg/config"
)

// Env is the configuration of a Lambda function: the shared settings of
// package config plus the AWS resources, from the environment the SAM
// template sets.
type Env struct {
	config.Config

	Table          string // YUEJUAN_TABLE
	UploadsBucket  string // YUEJUAN_UPLOADS_BUCKET
	DossiersBucket string // YUEJUAN_DOSSIERS_BUCKET
	AnchorsBucket  string // YUEJUAN_ANCHORS_BUCKET
	QueueURL       string // YUEJUAN_QUEUE_URL
	TopicARN       string // YUEJUAN_TOPIC_ARN

	JWKSURL      string // YUEJUAN_JWKS_URL
	SubjectClaim string // YUEJUAN_CLAIM_SUBJECT
	RoleClaim    string // YUEJUAN_CLAIM_ROLE
	UnitClaim    string // YUEJUAN_CLAIM_UNIT
	NameClaim    string // YUEJUAN_CLAIM_NAME

	LinkKeySecret    string // YUEJUAN_LINK_KEY_SECRET
	LinkIssuer       string // YUEJUAN_LINK_ISSUER
	AnchorKeySecret  string // YUEJUAN_ANCHOR_KEY_SECRET
	AnchorPublicKeys string // YUEJUAN_ANCHOR_PUBLIC_KEYS

	S3Endpoint       string // YUEJUAN_S3_ENDPOINT
	S3PathStyle      bool   // YUEJUAN_S3_PATH_STYLE
	DynamoDBEndpoint string // YUEJUAN_DYNAMODB_ENDPOINT
	TempDir          string // YUEJUAN_TMP

	IngestFunction string // YUEJUAN_INGEST_FUNCTION
	LambdaEndpoint string // YUEJUAN_LAMBDA_ENDPOINT

	SignInURL      string // YUEJUAN_SIGNIN_URL
	SignInClientID string // YUEJUAN_SIGNIN_CLIENT_ID
	SignInSecret   string // YUEJUAN_SIGNIN_SECRET
	SignInProvider string // YUEJUAN_SIGNIN_PROVIDER

	set map[string]bool // which variables were set (not defaulted)
}

// value returns v if the variable k was set, else "" (for need: a default
// meant for a laptop is no value on AWS).
func (e Env) value(k, v string) string {
	if e.set[k] {
		return v
	}
	return ""
}

func (e Env) issuerSet() string    { return e.value("YUEJUAN_ISSUER", e.Issuer) }
func (e Env) audienceSet() string  { return e.value("YUEJUAN_AUDIENCE", e.Audience) }
func (e Env) publicURLSet() string { return e.value("YUEJUAN_PUBLIC_URL", e.PublicURL) }

// Vars documents the variables of the AWS runtime, for docs/deployment.md and the
// template test; the shared ones are in config.Vars.
var Vars = [][2]string{
	{"YUEJUAN_TABLE", "DynamoDB table of all metadata (layout: dynamostore.TableSchema)"},
	{"YUEJUAN_UPLOADS_BUCKET", "S3 bucket of uploads and normalised material PDFs"},
	{"YUEJUAN_DOSSIERS_BUCKET", "S3 bucket of base dossiers and per-lawyer copies"},
	{"YUEJUAN_ANCHORS_BUCKET", "S3 bucket (Object Lock) of the signed audit-chain anchors"},
	{"YUEJUAN_QUEUE_URL", "SQS queue URL of background jobs"},
	{"YUEJUAN_TOPIC_ARN", "SNS topic ARN that notices are published to"},
	{"YUEJUAN_JWKS_URL", "JWKS URL of the identity provider that signs login tokens"},
	{"YUEJUAN_CLAIM_SUBJECT", "login token claim with the user id; a lawyer's is the practice certificate no. (default sub)"},
	{"YUEJUAN_CLAIM_ROLE", "login token claim with the role, a string or a list such as cognito:groups (default role)"},
	{"YUEJUAN_CLAIM_UNIT", "login token claim with a clerk's unit (default unit)"},
	{"YUEJUAN_CLAIM_NAME", "login token claim with the display name (default name)"},
	{"YUEJUAN_LINK_KEY_SECRET", "Secrets Manager secret (name or ARN): PEM Ed25519 key(s) of download links, the first signs"},
	{"YUEJUAN_LINK_ISSUER", "JWT issuer of download-link tokens (default yuejuan)"},
	{"YUEJUAN_ANCHOR_KEY_SECRET", "Secrets Manager secret: PEM Ed25519 key that signs audit anchors (deadline function only)"},
	{"YUEJUAN_ANCHOR_PUBLIC_KEYS", "anchor public keys that verify accepts: comma-separated base64 (raw 32 bytes or PKIX DER)"},
	{"YUEJUAN_S3_ENDPOINT", "S3-compatible endpoint instead of AWS (MinIO, versitygw, on-premises stores)"},
	{"YUEJUAN_S3_PATH_STYLE", "true to address buckets by path (most S3-compatible stores need it)"},
	{"YUEJUAN_DYNAMODB_ENDPOINT", "DynamoDB-compatible endpoint instead of AWS (dynalite in tests)"},
	{"YUEJUAN_TMP", "scratch directory for PDF work (default /tmp, the Lambda ephemeral storage)"},
	{"YUEJUAN_INGEST_FUNCTION", "the ingest function (name or ARN) the deadline job invokes again for materials left undecided (docs/recovery.md)"},
	{"YUEJUAN_LAMBDA_ENDPOINT", "Lambda-compatible endpoint instead of AWS (an emulator in tests)"},
	{"YUEJUAN_SIGNIN_URL", "origin the role's pages are served at (https://...): the pages sign in there (/auth/callback); unset, they cannot sign in at this function"},
	{"YUEJUAN_SIGNIN_CLIENT_ID", "the identity provider's client of the pages (Cognito: PagesClient)"},
	{"YUEJUAN_SIGNIN_SECRET", "Secrets Manager secret (name or ARN) holding that client's secret, read at cold start"},
	{"YUEJUAN_SIGNIN_PROVIDER", "cognito (ID token to the API, Cognito's /logout) or oidc (default: access token, end_session)"},
}

// Spec is what one function reads from the environment: Need must be set
// (its builder refuses to start without them), Optional may be. Common
// lists what every function may read.
type Spec struct {
	Need, Optional []string
}

// Common are the variables every function may have.
var Common = []string{"YUEJUAN_TABLE", "YUEJUAN_LOG_LEVEL", "YUEJUAN_HOLIDAYS", "YUEJUAN_TMP",
	"YUEJUAN_DYNAMODB_ENDPOINT", "YUEJUAN_S3_ENDPOINT", "YUEJUAN_S3_PATH_STYLE"}

var (
	login  = []string{"YUEJUAN_ISSUER", "YUEJUAN_AUDIENCE", "YUEJUAN_JWKS_URL"}
	signIn = []string{"YUEJUAN_SIGNIN_URL", "YUEJUAN_SIGNIN_CLIENT_ID", "YUEJUAN_SIGNIN_SECRET", "YUEJUAN_SIGNIN_PROVIDER"}
	claims = []string{"YUEJUAN_CLAIM_SUBJECT", "YUEJUAN_CLAIM_ROLE", "YUEJUAN_CLAIM_UNIT", "YUEJUAN_CLAIM_NAME"}
)

func cat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// Functions is every Lambda function (functions/<name>) and its variables.
// The template test checks that template.yaml gives each function all of
// Need and nothing outside Common, Need and Optional (so the auditor API is
// never handed the dossier bucket, nor the download function the queue).
var Functions = map[string]Spec{
	"api-lawyer": {
		Need:     cat(login, []string{"YUEJUAN_PUBLIC_URL", "YUEJUAN_UPLOADS_BUCKET", "YUEJUAN_DOSSIERS_BUCKET", "YUEJUAN_LINK_KEY_SECRET", "YUEJUAN_TOPIC_ARN"}),
		Optional: cat(claims, signIn, []string{"YUEJUAN_LINK_ISSUER", "YUEJUAN_PRESIGN_TTL", "YUEJUAN_MAX_UPLOAD_MB"}),
	},
	"api-clerk": {
		Need:     cat(login, []string{"YUEJUAN_UPLOADS_BUCKET", "YUEJUAN_QUEUE_URL", "YUEJUAN_TOPIC_ARN"}),
		Optional: cat(claims, signIn, []string{"YUEJUAN_PUBLIC_URL", "YUEJUAN_MAX_UPLOAD_MB"}),
	},
	"api-auditor": {
		Need:     login,
		Optional: cat(claims, signIn, []string{"YUEJUAN_ANCHOR_PUBLIC_KEYS", "YUEJUAN_ANCHORS_BUCKET"}),
	},
	"download": {
		Need:     []string{"YUEJUAN_DOSSIERS_BUCKET", "YUEJUAN_LINK_KEY_SECRET"},
		Optional: []string{"YUEJUAN_LINK_ISSUER", "YUEJUAN_PRESIGN_TTL"},
	},
	"ingest": {
		Need: []string{"YUEJUAN_UPLOADS_BUCKET"},
		// The job queue, for the new dossier version a decided material
		// may make (docs/versions.md).
		Optional: []string{"YUEJUAN_OCR", "YUEJUAN_QUEUE_URL"},
	},
	"assemble": {
		Need:     []string{"YUEJUAN_UPLOADS_BUCKET", "YUEJUAN_DOSSIERS_BUCKET", "YUEJUAN_TOPIC_ARN"},
		Optional: []string{"YUEJUAN_LINK_TTL", "YUEJUAN_MAX_DOWNLOADS"},
	},
	"deadline": {
		Need:     []string{"YUEJUAN_QUEUE_URL", "YUEJUAN_TOPIC_ARN"},
		Optional: []string{"YUEJUAN_ANCHOR_KEY_SECRET", "YUEJUAN_ANCHORS_BUCKET", "YUEJUAN_INGEST_FUNCTION", "YUEJUAN_LAMBDA_ENDPOINT", "YUEJUAN_UPLOADS_BUCKET"},
	},
}

// FromEnv reads the configuration using getenv (os.Getenv if nil). It checks
// only the form of what is set; each builder checks that what it needs is
// there, so a function is not refused for a variable it does not use.
func FromEnv(getenv func(string) string) (Env, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	cfg, err := config.FromEnv(getenv)
	e := Env{
		Config:           cfg,
		Table:            get("YUEJUAN_TABLE", ""),
		UploadsBucket:    get("YUEJUAN_UPLOADS_BUCKET", ""),
		DossiersBucket:   get("YUEJUAN_DOSSIERS_BUCKET", ""),
		AnchorsBucket:    get("YUEJUAN_ANCHORS_BUCKET", ""),
		QueueURL:         get("YUEJUAN_QUEUE_URL", ""),
		TopicARN:         get("YUEJUAN_TOPIC_ARN", ""),
		JWKSURL:          get("YUEJUAN_JWKS_URL", ""),
		SubjectClaim:     get("YUEJUAN_CLAIM_SUBJECT", "sub"),
		RoleClaim:        get("YUEJUAN_CLAIM_ROLE", "role"),
		UnitClaim:        get("YUEJUAN_CLAIM_UNIT", "unit"),
		NameClaim:        get("YUEJUAN_CLAIM_NAME", "name"),
		LinkKeySecret:    get("YUEJUAN_LINK_KEY_SECRET", ""),
		LinkIssuer:       get("YUEJUAN_LINK_ISSUER", "yuejuan"),
		AnchorKeySecret:  get("YUEJUAN_ANCHOR_KEY_SECRET", ""),
		AnchorPublicKeys: get("YUEJUAN_ANCHOR_PUBLIC_KEYS", ""),
		S3Endpoint:       get("YUEJUAN_S3_ENDPOINT", ""),
		DynamoDBEndpoint: get("YUEJUAN_DYNAMODB_ENDPOINT", ""),
		TempDir:          get("YUEJUAN_TMP", os.TempDir()),
		IngestFunction:   get("YUEJUAN_INGEST_FUNCTION", ""),
		LambdaEndpoint:   get("YUEJUAN_LAMBDA_ENDPOINT", ""),
		SignInURL:        strings.TrimRight(get("YUEJUAN_SIGNIN_URL", ""), "/"),
		SignInClientID:   get("YUEJUAN_SIGNIN_CLIENT_ID", ""),
		SignInSecret:     get("YUEJUAN_SIGNIN_SECRET", ""),
		SignInProvider:   get("YUEJUAN_SIGNIN_PROVIDER", signInOIDC),
	}
	e.set = map[string]bool{}
	for _, k := range []string{"YUEJUAN_ISSUER", "YUEJUAN_AUDIENCE", "YUEJUAN_PUBLIC_URL"} {
		e.set[k] = get(k, "") != ""
	}
	var errs []string
	if err != nil {
		errs = append(errs, err.Error())
	}
	if v := get("YUEJUAN_S3_PATH_STYLE", ""); v != "" {
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			errs = append(errs, fmt.Sprintf("YUEJUAN_S3_PATH_STYLE=%q: want true or false", v))
		}
		e.S3PathStyle = b
	}
	if p := e.SignInProvider; p != signInOIDC && p != signInCognito {
		errs = append(errs, fmt.Sprintf("YUEJUAN_SIGNIN_PROVIDER=%q: want cognito or oidc", p))
	}
	if u := e.SignInURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		errs = append(errs, fmt.Sprintf("YUEJUAN_SIGNIN_URL=%q: want the pages' origin, https://host", u))
	}
	if len(errs) > 0 {
		return e, fmt.Errorf("cloud: %s", strings.Join(errs, "; "))
	}
	return e, nil
}

// Value returns the value of the variable k as configured ("" when unset;
// the shared settings' laptop defaults count as unset).
func (e Env) Value(k string) string {
	switch k {
	case "YUEJUAN_TABLE":
		return e.Table
	case "YUEJUAN_UPLOADS_BUCKET":
		return e.UploadsBucket
	case "YUEJUAN_DOSSIERS_BUCKET":
		return e.DossiersBucket
	case "YUEJUAN_ANCHORS_BUCKET":
		return e.AnchorsBucket
	case "YUEJUAN_QUEUE_URL":
		return e.QueueURL
	case "YUEJUAN_TOPIC_ARN":
		return e.TopicARN
	case "YUEJUAN_JWKS_URL":
		return e.JWKSURL
	case "YUEJUAN_LINK_KEY_SECRET":
		return e.LinkKeySecret
	case "YUEJUAN_ANCHOR_KEY_SECRET":
		return e.AnchorKeySecret
	case "YUEJUAN_ANCHOR_PUBLIC_KEYS":
		return e.AnchorPublicKeys
	case "YUEJUAN_ISSUER":
		return e.issuerSet()
	case "YUEJUAN_AUDIENCE":
		return e.audienceSet()
	case "YUEJUAN_PUBLIC_URL":
		return e.publicURLSet()
	case "YUEJUAN_SIGNIN_URL":
		return e.SignInURL
	case "YUEJUAN_SIGNIN_CLIENT_ID":
		return e.SignInClientID
	case "YUEJUAN_SIGNIN_SECRET":
		return e.SignInSecret
	}
	return ""
}

// Check reports every variable that function name needs (Functions) and
// lacks, before anything is opened or fetched.
func (e Env) Check(name string) error {
	spec, ok := Functions[name]
	if !ok {
		return fmt.Errorf("cloud: no function %q", name)
	}
	vars := [][2]string{{"YUEJUAN_TABLE", e.Table}}
	for _, k := range spec.Need {
		vars = append(vars, [2]string{k, e.Value(k)})
	}
	return need(vars...)
}

// need returns an error naming every variable among vars that is empty.
func need(vars ...[2]string) error {
	var missing []string
	for _, v := range vars {
		if v[1] == "" {
			missing = append(missing, v[0])
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("cloud: set %s (see docs/deployment.md)", strings.Join(missing, ", "))
	}
	return nil
}
