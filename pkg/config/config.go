// Package config reads the service's settings from the environment, one
// place for every variable docs/configuration.md lists, with defaults for a laptop and
// errors that name the variable and the expected form.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is the service's configuration.
type Config struct {
	Addr         string        // YUEJUAN_ADDR
	DataDir      string        // YUEJUAN_DATA
	PublicURL    string        // YUEJUAN_PUBLIC_URL
	Issuer       string        // YUEJUAN_ISSUER
	Audience     string        // YUEJUAN_AUDIENCE
	LinkTTL      time.Duration // YUEJUAN_LINK_TTL
	MaxDownloads int           // YUEJUAN_MAX_DOWNLOADS
	PresignTTL   time.Duration // YUEJUAN_PRESIGN_TTL
	MaxUpload    int64         // YUEJUAN_MAX_UPLOAD_MB (in MiB)
	Holidays     string        // YUEJUAN_HOLIDAYS
	Policy       string        // YUEJUAN_POLICY
	RemindHour   int           // YUEJUAN_REMIND_HOUR
	Workers      int           // YUEJUAN_WORKERS
	LogLevel     string        // YUEJUAN_LOG_LEVEL
	// OCR recognises the text of scanned pages at ingest (issue 18,
	// docs/ocr.md); on unless YUEJUAN_OCR=off.
	OCR bool // YUEJUAN_OCR
	// TOTPKeyFile seals staff members' second-factor secrets
	// (docs/security.md); empty: <DataDir>/keys/totp-aes256.keys, made at
	// the first start.
	TOTPKeyFile string // YUEJUAN_TOTP_KEY_FILE
	// Per-lawyer rate limits: requests per hour and burst; 0 disables.
	ApplyPerHour, DownloadPerHour float64 // YUEJUAN_RATE_APPLICATIONS, YUEJUAN_RATE_DOWNLOADS
	ApplyBurst, DownloadBurst     int

	// Peers instead of the embedded stores (all optional). With Table the
	// metadata lives in DynamoDB (or a DynamoDB-compatible endpoint) instead
	// of SQLite; with the two bucket names the objects live in S3 (or an
	// S3-compatible store such as MinIO or versitygw) instead of the data dir.
	// Region and credentials come from the AWS SDK's default chain
	// (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, shared files, ...).
	Table            string // YUEJUAN_TABLE
	DynamoDBEndpoint string // YUEJUAN_DYNAMODB_ENDPOINT
	UploadsBucket    string // YUEJUAN_UPLOADS_BUCKET
	DossiersBucket   string // YUEJUAN_DOSSIERS_BUCKET
	S3Endpoint       string // YUEJUAN_S3_ENDPOINT
	S3PathStyle      bool   // YUEJUAN_S3_PATH_STYLE

	// External is an OpenID provider the pages also sign in through (a
	// unit's single sign-on); zero when YUEJUAN_OIDC_ISSUER is unset.
	External External
}

// External is an external OpenID provider: where it is, the pages' client
// at it, and how its tokens' claims map to yuejuan's identity.
type External struct {
	Issuer       string            // YUEJUAN_OIDC_ISSUER
	ClientID     string            // YUEJUAN_OIDC_CLIENT_ID
	ClientSecret string            // YUEJUAN_OIDC_CLIENT_SECRET
	Audience     string            // YUEJUAN_OIDC_AUDIENCE (default YUEJUAN_AUDIENCE)
	Algorithms   []string          // YUEJUAN_OIDC_ALGORITHMS (default RS256,ES256)
	Claims       map[string]string // YUEJUAN_OIDC_CLAIMS: subject, name, role, unit, certificate → claim name
	Roles        map[string]string // YUEJUAN_OIDC_ROLES: claim value → lawyer, clerk or auditor
	Label        string            // YUEJUAN_OIDC_LABEL: the sign-in page's button
}

// ProviderIssuer is the issuer of the local server's embedded OpenID
// provider, served under the public URL. Its tokens are signed with the
// same login key as the developer tool's (YUEJUAN_ISSUER), each verified
// against its own issuer.
func (c Config) ProviderIssuer() string { return c.PublicURL + "/oidc" }

// UsesDynamoDB reports whether the metadata lives in DynamoDB (YUEJUAN_TABLE
// or YUEJUAN_DYNAMODB_ENDPOINT is set) rather than in SQLite.
func (c Config) UsesDynamoDB() bool { return c.Table != "" || c.DynamoDBEndpoint != "" }

// UsesS3 reports whether the objects live in S3 (a bucket name or
// YUEJUAN_S3_ENDPOINT is set) rather than in the data dir.
func (c Config) UsesS3() bool {
	return c.UploadsBucket != "" || c.DossiersBucket != "" || c.S3Endpoint != ""
}

// CheckPeers reports what the local server lacks to run on the peers it
// was pointed at: a table name for DynamoDB, both bucket names for S3. (A
// Lambda function needs only some of them, so FromEnv does not ask.)
func (c Config) CheckPeers() error {
	var missing []string
	if c.UsesDynamoDB() && c.Table == "" {
		missing = append(missing, "YUEJUAN_TABLE")
	}
	if c.UsesS3() {
		if c.UploadsBucket == "" {
			missing = append(missing, "YUEJUAN_UPLOADS_BUCKET")
		}
		if c.DossiersBucket == "" {
			missing = append(missing, "YUEJUAN_DOSSIERS_BUCKET")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("configuration: set %s (DynamoDB needs a table name, S3 both bucket names)", strings.Join(missing, ", "))
	}
	return nil
}

// Vars documents every variable, for --help and docs/configuration.md.
var Vars = [][2]string{
	{"YUEJUAN_ADDR", "listen address of the local server (default 127.0.0.1:8080)"},
	{"YUEJUAN_DATA", "data directory: keys, SQLite database, objects (default ./data)"},
	{"YUEJUAN_PUBLIC_URL", "external base URL used in links (default http://<ADDR>)"},
	{"YUEJUAN_ISSUER", "JWT issuer of the developer tool's login tokens (yuejuan token; default yuejuan-local); the sign-in's own are <PUBLIC_URL>/oidc"},
	{"YUEJUAN_AUDIENCE", "JWT audience of login tokens (default yuejuan)"},
	{"YUEJUAN_LINK_TTL", "lifetime of a download link, Go duration (default 168h)"},
	{"YUEJUAN_MAX_DOWNLOADS", "downloads allowed per link (default 5)"},
	{"YUEJUAN_PRESIGN_TTL", "lifetime of the presigned object URL behind a download, 60s-300s (default 120s)"},
	{"YUEJUAN_MAX_UPLOAD_MB", "largest accepted upload in MiB (default 512)"},
	{"YUEJUAN_HOLIDAYS", "optional JSON file with holiday data that replaces or extends the built-in years"},
	{"YUEJUAN_POLICY", "optional JSON file with the deployment's statutory periods, e.g. {\"application-review\": {\"days\": 3, \"unit\": \"days\"}}"},
	{"YUEJUAN_REMIND_HOUR", "Beijing hour of the last day from which the unit is reminded of a due application or complaint (default 8)"},
	{"YUEJUAN_WORKERS", "background workers of the local queue (default 2)"},
	{"YUEJUAN_LOG_LEVEL", "debug, info, warn or error (default info)"},
	{"YUEJUAN_RATE_APPLICATIONS", "applications a lawyer may submit: PER_HOUR:BURST, 0 for no limit (default 30:10)"},
	{"YUEJUAN_RATE_DOWNLOADS", "downloads a lawyer may start: PER_HOUR:BURST, 0 for no limit (default 60:10)"},
	{"YUEJUAN_TABLE", "DynamoDB table of all metadata instead of SQLite (created if missing)"},
	{"YUEJUAN_DYNAMODB_ENDPOINT", "DynamoDB-compatible endpoint instead of AWS (e.g. dynalite)"},
	{"YUEJUAN_UPLOADS_BUCKET", "S3 bucket of uploads instead of the data dir (with YUEJUAN_DOSSIERS_BUCKET)"},
	{"YUEJUAN_DOSSIERS_BUCKET", "S3 bucket of dossiers instead of the data dir (with YUEJUAN_UPLOADS_BUCKET)"},
	{"YUEJUAN_S3_ENDPOINT", "S3-compatible endpoint instead of AWS (MinIO, versitygw, on-premises stores)"},
	{"YUEJUAN_S3_PATH_STYLE", "true to address buckets by path (most S3-compatible stores need it)"},
	{"YUEJUAN_OCR", "on or off: text recognition of scanned pages at ingest; on needs Tesseract (default on)"},
	{"YUEJUAN_TOTP_KEY_FILE", "key file sealing staff two-step secrets, AES-256 keys as hex lines, first seals (default <DATA>/keys/totp-aes256.keys, made at first start; a file named here must exist)"},
}

// FromEnv reads the configuration using getenv (os.Getenv if nil).
func FromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var errs []string
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	dur := func(k string, def time.Duration) time.Duration {
		v := get(k, "")
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Sprintf("%s=%q: want a positive Go duration such as 168h or 90s", k, v))
			return def
		}
		return d
	}
	num := func(k string, def int) int {
		v := get(k, "")
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Sprintf("%s=%q: want a positive whole number", k, v))
			return def
		}
		return n
	}
	c := Config{
		Addr:         get("YUEJUAN_ADDR", "127.0.0.1:8080"),
		DataDir:      get("YUEJUAN_DATA", "data"),
		Issuer:       get("YUEJUAN_ISSUER", "yuejuan-local"),
		Audience:     get("YUEJUAN_AUDIENCE", "yuejuan"),
		LinkTTL:      dur("YUEJUAN_LINK_TTL", 168*time.Hour),
		MaxDownloads: num("YUEJUAN_MAX_DOWNLOADS", 5),
		PresignTTL:   dur("YUEJUAN_PRESIGN_TTL", 120*time.Second),
		MaxUpload:    int64(num("YUEJUAN_MAX_UPLOAD_MB", 512)) << 20,
		Holidays:     get("YUEJUAN_HOLIDAYS", ""),
		Policy:       get("YUEJUAN_POLICY", ""),
		Workers:      num("YUEJUAN_WORKERS", 2),
		LogLevel:     get("YUEJUAN_LOG_LEVEL", "info"),

		Table:            get("YUEJUAN_TABLE", ""),
		DynamoDBEndpoint: get("YUEJUAN_DYNAMODB_ENDPOINT", ""),
		UploadsBucket:    get("YUEJUAN_UPLOADS_BUCKET", ""),
		DossiersBucket:   get("YUEJUAN_DOSSIERS_BUCKET", ""),
		S3Endpoint:       get("YUEJUAN_S3_ENDPOINT", ""),
		TOTPKeyFile:      get("YUEJUAN_TOTP_KEY_FILE", ""),
	}
	if v := get("YUEJUAN_S3_PATH_STYLE", ""); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("YUEJUAN_S3_PATH_STYLE=%q: want true or false", v))
		}
		c.S3PathStyle = b
	}
	switch v := get("YUEJUAN_OCR", "on"); v {
	case "on":
		c.OCR = true
	case "off":
	default:
		errs = append(errs, fmt.Sprintf("YUEJUAN_OCR=%q: want on or off", v))
	}
	rateOf := func(k string, defPer float64, defBurst int) (float64, int) {
		v := get(k, "")
		if v == "" {
			return defPer, defBurst
		}
		if v == "0" {
			return 0, 0
		}
		per, burst, ok := strings.Cut(v, ":")
		p, err1 := strconv.ParseFloat(per, 64)
		b, err2 := strconv.Atoi(burst)
		if !ok || err1 != nil || err2 != nil || p <= 0 || b <= 0 {
			errs = append(errs, fmt.Sprintf("%s=%q: want PER_HOUR:BURST such as 30:10, or 0 for no limit", k, v))
			return defPer, defBurst
		}
		return p, b
	}
	c.ApplyPerHour, c.ApplyBurst = rateOf("YUEJUAN_RATE_APPLICATIONS", 30, 10)
	c.DownloadPerHour, c.DownloadBurst = rateOf("YUEJUAN_RATE_DOWNLOADS", 60, 10)
	c.RemindHour = 8
	if v := get("YUEJUAN_REMIND_HOUR", ""); v != "" {
		h, err := strconv.Atoi(v)
		if err != nil || h < 1 || h > 23 {
			errs = append(errs, fmt.Sprintf("YUEJUAN_REMIND_HOUR=%q: want an hour 1..23 (Beijing time)", v))
		} else {
			c.RemindHour = h
		}
	}
	c.PublicURL = strings.TrimRight(get("YUEJUAN_PUBLIC_URL", "http://"+c.Addr), "/")
	if iss := get("YUEJUAN_OIDC_ISSUER", ""); iss != "" {
		x := External{Issuer: iss, ClientID: get("YUEJUAN_OIDC_CLIENT_ID", ""), ClientSecret: get("YUEJUAN_OIDC_CLIENT_SECRET", ""),
			Audience: get("YUEJUAN_OIDC_AUDIENCE", c.Audience), Label: get("YUEJUAN_OIDC_LABEL", "单位统一身份认证")}
		if !strings.HasPrefix(iss, "https://") && !strings.HasPrefix(iss, "http://") {
			errs = append(errs, fmt.Sprintf("YUEJUAN_OIDC_ISSUER=%q: want the provider's issuer URL, https://...", iss))
		}
		if x.ClientID == "" || x.ClientSecret == "" {
			errs = append(errs, "YUEJUAN_OIDC_ISSUER is set: set YUEJUAN_OIDC_CLIENT_ID and YUEJUAN_OIDC_CLIENT_SECRET too (the pages' client at that provider)")
		}
		if v := get("YUEJUAN_OIDC_ALGORITHMS", ""); v != "" {
			x.Algorithms = strings.Split(v, ",")
		}
		pairs := func(k string, keys []string) map[string]string {
			m := map[string]string{}
			v := get(k, "")
			if v == "" {
				return m
			}
			for _, p := range strings.Split(v, ",") {
				a, b, ok := strings.Cut(strings.TrimSpace(p), "=")
				if !ok || a == "" || b == "" || (keys != nil && !slices.Contains(keys, a)) {
					errs = append(errs, fmt.Sprintf("%s: %q is not KEY=VALUE (keys: %s)", k, p, strings.Join(keys, ", ")))
					continue
				}
				m[a] = b
			}
			return m
		}
		x.Claims = pairs("YUEJUAN_OIDC_CLAIMS", []string{"subject", "name", "role", "unit", "certificate"})
		x.Roles = pairs("YUEJUAN_OIDC_ROLES", nil)
		for v, r := range x.Roles {
			if r != "lawyer" && r != "clerk" && r != "auditor" {
				errs = append(errs, fmt.Sprintf("YUEJUAN_OIDC_ROLES: %s=%s: the role is lawyer, clerk or auditor", v, r))
			}
		}
		c.External = x
	}
	if c.PresignTTL < 60*time.Second || c.PresignTTL > 300*time.Second {
		errs = append(errs, fmt.Sprintf("YUEJUAN_PRESIGN_TTL=%s: must be between 60s and 300s", c.PresignTTL))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Sprintf("YUEJUAN_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel))
	}
	if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}
