// The tests of this directory build every function's bootstrap (for this
// machine's architecture, with -tags lambda.norpc as deployed) and run each
// under the AWS Lambda Runtime Interface Emulator, invoked with the event
// JSON that API Gateway (payload 2.0), S3, SQS and EventBridge Scheduler
// send, against dynalite and versitygw: the end-to-end path, from the
// clerk's case to the lawyer's download and the auditor's verify.
package functions_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/yuejuan/yuejuan/internal/testpdf"
	"github.com/yuejuan/yuejuan/pkg/cloud"
	"github.com/yuejuan/yuejuan/pkg/cloud/schedule"
	"github.com/yuejuan/yuejuan/pkg/ingest"
	"github.com/yuejuan/yuejuan/pkg/queue/sqsqueue"
	"github.com/yuejuan/yuejuan/pkg/queue/sqsqueue/sqstest"
	"github.com/yuejuan/yuejuan/pkg/store/dynamostore"
)

func TestMain(m *testing.M) {
	stop := startPeers()
	code := m.Run()
	stop()
	os.Exit(code)
}

const (
	issuer    = "https://idp.test/realms/yuejuan"
	audience  = "yuejuan-test"
	publicURL = "https://yuejuan.test"
	license   = "11101201910012345"
	region    = "us-east-1"
)

// world is one deployment: the table and buckets on the peers, the doubles,
// and every function under its own emulator.
type world struct {
	t        *testing.T
	idpKey   ed25519.PrivateKey
	vars     map[string]string // every variable the template sets, by name
	sqs      *sqstest.Server
	sns      *snsDouble
	secrets  *secretsDouble
	s3       *s3.Client
	buckets  map[string]string // uploads, dossiers, anchors -> name
	fns      map[string]*fn
	queueURL string
}

func rnd() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

func pemKey(t *testing.T, k ed25519.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func newWorld(t *testing.T) *world { return newWorldWith(t, worldOptions{}) }

// worldOptions adjust a world: only the functions named in only (all when
// empty), with vars changed by each function's setVars, and more secrets.
type worldOptions struct {
	only    []string
	setVars func(fname string, vars map[string]string)
	secrets map[string]string
}

func newWorldWith(t *testing.T, o worldOptions) *world {
	t.Helper()
	if err := setupErr(); err != nil {
		t.Fatalf("the Lambda tests need their peers: %v", err)
	}
	ctx := t.Context()
	w := &world{t: t, sqs: &sqstest.Server{}, sns: &snsDouble{}, fns: map[string]*fn{}, buckets: map[string]string{}}
	id := rnd()

	// DynamoDB table on dynalite, with the template's layout.
	table := "yuejuan-rie-" + id
	ddb := dynamodb.New(dynamodb.Options{Region: region, BaseEndpoint: aws.String(env.dynamo),
		Credentials: credentials.NewStaticCredentialsProvider(env.s3Key+"x", "x", "")})
	if err := dynamostore.CreateTable(ctx, ddb, table); err != nil {
		t.Fatal(err)
	}
	// Buckets on versitygw.
	w.s3 = s3.New(s3.Options{Region: region, BaseEndpoint: aws.String(env.s3), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(env.s3Key, env.s3Sec, "")})
	for _, b := range []string{"uploads", "dossiers", "anchors"} {
		name := "yj-rie-" + b + "-" + id
		if _, err := w.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
			t.Fatalf("create bucket %s on %s: %v", name, env.s3, err)
		}
		w.buckets[b] = name
	}

	// The identity provider's JWKS.
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	w.idpKey = priv
	jwks := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(map[string]any{"keys": []map[string]string{{
			"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(pub), "kid": "idp-1", "alg": "EdDSA", "use": "sig"}}})
	}))
	t.Cleanup(jwks.Close)
	// Secrets: the link key and the anchor key.
	_, linkKey, _ := ed25519.GenerateKey(rand.Reader)
	anchorPub, anchorKey, _ := ed25519.GenerateKey(rand.Reader)
	w.secrets = &secretsDouble{secrets: map[string]string{
		"yuejuan/rie/link-key":   pemKey(t, linkKey),
		"yuejuan/rie/anchor-key": pemKey(t, anchorKey),
	}}
	for k, v := range o.secrets {
		w.secrets.secrets[k] = v
	}
	sm := httptest.NewServer(w.secrets)
	t.Cleanup(sm.Close)
	sqsSrv := httptest.NewServer(w.sqs)
	t.Cleanup(sqsSrv.Close)
	snsSrv := httptest.NewServer(w.sns)
	t.Cleanup(snsSrv.Close)
	w.queueURL = sqsSrv.URL + "/000000000000/yuejuan-rie-jobs"

	tmp := t.TempDir()
	w.vars = map[string]string{
		"YUEJUAN_TABLE":              table,
		"YUEJUAN_LOG_LEVEL":          "debug",
		"YUEJUAN_TMP":                tmp,
		"YUEJUAN_DYNAMODB_ENDPOINT":  env.dynamo,
		"YUEJUAN_S3_ENDPOINT":        env.s3,
		"YUEJUAN_S3_PATH_STYLE":      "true",
		"YUEJUAN_UPLOADS_BUCKET":     w.buckets["uploads"],
		"YUEJUAN_DOSSIERS_BUCKET":    w.buckets["dossiers"],
		"YUEJUAN_ANCHORS_BUCKET":     w.buckets["anchors"],
		"YUEJUAN_QUEUE_URL":          w.queueURL,
		"YUEJUAN_TOPIC_ARN":          "arn:aws:sns:us-east-1:000000000000:yuejuan-rie-notices",
		"YUEJUAN_ISSUER":             issuer,
		"YUEJUAN_AUDIENCE":           audience,
		"YUEJUAN_JWKS_URL":           jwks.URL + "/certs",
		"YUEJUAN_PUBLIC_URL":         publicURL,
		"YUEJUAN_LINK_KEY_SECRET":    "yuejuan/rie/link-key",
		"YUEJUAN_ANCHOR_KEY_SECRET":  "yuejuan/rie/anchor-key",
		"YUEJUAN_ANCHOR_PUBLIC_KEYS": base64.StdEncoding.EncodeToString(anchorPub),
		"YUEJUAN_PRESIGN_TTL":        "60s",
		"YUEJUAN_LINK_TTL":           "168h",
		"YUEJUAN_MAX_DOWNLOADS":      "3",
	}
	aws := map[string]string{
		"AWS_REGION": region, "AWS_ACCESS_KEY_ID": env.s3Key, "AWS_SECRET_ACCESS_KEY": env.s3Sec,
		"AWS_EC2_METADATA_DISABLED":        "true",
		"AWS_ENDPOINT_URL":                 "http://127.0.0.1:9", // nothing unlisted reaches AWS itself
		"AWS_ENDPOINT_URL_SQS":             sqsSrv.URL,
		"AWS_ENDPOINT_URL_SNS":             snsSrv.URL,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": sm.URL,
		"AWS_LAMBDA_FUNCTION_TIMEOUT":      "300",
		"HOME":                             tmp,
		"TZ":                               "UTC",
		// The ingest function's image has Tesseract on its PATH
		// (infra/Dockerfile); here it is the machine's.
		"PATH": os.Getenv("PATH"),
	}
	// Each function gets exactly what the template gives it (cloud.Functions).
	for name, spec := range cloud.Functions {
		if len(o.only) > 0 && !slices.Contains(o.only, name) {
			continue
		}
		vars := map[string]string{}
		for k, v := range aws {
			vars[k] = v
		}
		for _, k := range slices.Concat(cloud.Common, spec.Need, spec.Optional) {
			if v, ok := w.vars[k]; ok {
				vars[k] = v
			}
		}
		vars["AWS_LAMBDA_FUNCTION_NAME"] = "yuejuan-rie-" + name
		if o.setVars != nil {
			o.setVars(name, vars)
		}
		f, err := startFunction(name, vars)
		if err != nil {
			t.Fatalf("start %s under aws-lambda-rie: %v", name, err)
		}
		t.Cleanup(f.stop)
		w.fns[name] = f
	}
	return w
}

// token is a login token of the identity provider.
func (w *world) token(sub, name string, role string, unit string) string {
	claims := jwt.MapClaims{"iss": issuer, "aud": audience, "sub": sub, "name": name, "role": role,
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
	if unit != "" {
		claims["unit"] = unit
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = "idp-1"
	s, err := tok.SignedString(w.idpKey)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// httpEvent is the API Gateway HTTP API (payload 2.0) event of a request.
func httpEvent(method, target, bearer string, body any, headers map[string]string) events.APIGatewayV2HTTPRequest {
	path, query, _ := strings.Cut(target, "?")
	h := map[string]string{"host": "api.yuejuan.test", "user-agent": "Mozilla/5.0 (rie test)", "x-forwarded-for": "203.0.113.7"}
	for k, v := range headers {
		h[k] = v
	}
	e := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "ANY /api/v1/{proxy+}", RawPath: path, RawQueryString: query, Headers: h,
		RequestContext: events.APIGatewayV2HTTPRequestContext{AccountID: "000000000000", APIID: "rieapi", DomainName: "api.yuejuan.test",
			Stage: "$default", RequestID: "req-" + rnd(), TimeEpoch: time.Now().UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.7", UserAgent: h["user-agent"]}}}
	if strings.HasPrefix(path, "/d/") {
		e.RouteKey = method + " /d/{token}"
		e.PathParameters = map[string]string{"token": strings.TrimPrefix(path, "/d/")}
	}
	if bearer != "" {
		e.Headers["authorization"] = "Bearer " + bearer
	}
	if body != nil {
		b, _ := json.Marshal(body)
		e.Body = string(b)
		e.Headers["content-type"] = "application/json"
	}
	return e
}

// call invokes an API function with a request and decodes the JSON answer
// into out, checking the status.
func (w *world) call(fname, method, target, bearer string, body any, want int, out any) events.APIGatewayV2HTTPResponse {
	w.t.Helper()
	raw, err := w.fns[fname].invoke(w.t.Context(), httpEvent(method, target, bearer, body, nil))
	if err != nil {
		w.t.Fatal(err)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(raw, &resp); err != nil {
		w.t.Fatalf("%s %s: response %s: %v", method, target, raw, err)
	}
	if resp.StatusCode != want {
		w.t.Fatalf("%s %s %s: status %d, want %d: %s\n--- log ---\n%s", fname, method, target, resp.StatusCode, want, resp.Body, w.fns[fname].logs.String())
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp.Body), out); err != nil {
			w.t.Fatalf("%s %s: body %q: %v", method, target, resp.Body, err)
		}
	}
	return resp
}

// put uploads data to a presigned PUT URL (versitygw checks the signature).
func (w *world) put(u string, data []byte) {
	w.t.Helper()
	if !strings.HasPrefix(u, env.s3+"/") {
		w.t.Fatalf("upload URL %q is not a presigned URL of the S3 peer %s", u, env.s3)
	}
	req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader(data))
	req.Header.Set("If-None-Match", "*") // signed into the presigned PUT: write-once
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("PUT %s: %d %s", u, resp.StatusCode, b)
	}
}

// s3Event is the ObjectCreated event S3 sends for key (keys are URL-encoded
// in S3 events, spaces as '+').
func (w *world) s3Event(key string, size int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":%q,
"eventTime":%q,"eventName":"ObjectCreated:Put","userIdentity":{"principalId":"AWS:AROAEXAMPLE"},
"requestParameters":{"sourceIPAddress":"203.0.113.7"},"responseElements":{"x-amz-request-id":"R1","x-amz-id-2":"I2"},
"s3":{"s3SchemaVersion":"1.0","configurationId":"upload","bucket":{"name":%q,"ownerIdentity":{"principalId":"A1"},"arn":"arn:aws:s3:::%s"},
"object":{"key":%q,"size":%d,"eTag":"e","sequencer":"0055AED6DCD90281E5"}}}]}`,
		region, time.Now().UTC().Format(time.RFC3339), w.buckets["uploads"], w.buckets["uploads"], url.QueryEscape(key), size))
}

// sqsEvent is the event Lambda's SQS poller sends for one message.
func (w *world) sqsEvent(id, body string, receives int) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"Records": []map[string]any{{
		"messageId": id, "receiptHandle": "rh-" + id, "body": body,
		"attributes": map[string]string{"ApproximateReceiveCount": fmt.Sprint(receives), "SentTimestamp": fmt.Sprint(time.Now().UnixMilli()),
			"SenderId": "AROAEXAMPLE", "ApproximateFirstReceiveTimestamp": fmt.Sprint(time.Now().UnixMilli())},
		"messageAttributes": map[string]any{}, "md5OfBody": "", "eventSource": "aws:sqs",
		"eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:yuejuan-rie-jobs", "awsRegion": region}}})
	return b
}

func scanJPEG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 850, 1100))
	for y := 0; y < 1100; y++ {
		for x := 0; x < 850; x++ {
			c := color.RGBA{250, 250, 245, 255}
			if y > 100 && y < 120 && x > 80 && x < 700 {
				c = color.RGBA{20, 20, 20, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type upload struct {
	ID        string `json:"id"`
	UploadURL string `json:"uploadUrl"`
	UploadKey string `json:"uploadKey"`
	Key       string `json:"key"`
	Status    string `json:"status"`
	Reason    string `json:"reason"`
	Pages     int    `json:"pages"`
	Uploaded  bool   `json:"uploaded"`
}

type appOut struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Link   *struct {
		URL           string `json:"url"`
		DownloadsLeft int    `json:"downloadsLeft"`
	} `json:"link"`
}

// TestLambdaEndToEnd runs the service's whole path through the seven
// functions under the emulator: the clerk registers a case and uploads a
// scan (presigned PUT to versitygw; the S3 event to ingest), the lawyer
// uploads attachments and applies, the clerk approves (a job on SQS), the
// assembler builds the dossier and the copy (its message redelivered once),
// the lawyer downloads through the door (302 to a presigned GET that
// versitygw serves), the deadline job anchors the audit chain, and the
// auditor verifies it. Along the way each function refuses what its
// boundary does not serve.
func TestLambdaEndToEnd(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	clerk := w.token("clerk01", "王书记员", "clerk", "市检察院")
	lawyer := w.token(license, "张律师", "lawyer", "")
	auditor := w.token("audit01", "李审计", "auditor", "")

	// The clerk registers a case.
	var c struct {
		ID     string `json:"id"`
		CaseNo string `json:"caseNo"`
	}
	w.call("api-clerk", "POST", "/api/v1/cases", clerk, map[string]any{
		"caseNo": "京检刑诉〔2026〕" + rnd() + "号", "title": "张某某盗窃案", "stage": "prosecution_review", "onlineReview": true,
		"handler": map[string]string{"name": "刘检察官", "phone": "010-12345678"}, "defendants": []string{"张某某"},
	}, http.StatusCreated, &c)

	// Boundaries: the lawyer API has no clerk routes; a clerk token is
	// refused there; the auditor API has no dossier download.
	w.call("api-lawyer", "POST", "/api/v1/cases", lawyer, map[string]any{}, http.StatusNotFound, nil)
	w.call("api-lawyer", "GET", "/api/v1/applications", clerk, nil, http.StatusForbidden, nil)
	w.call("api-auditor", "GET", "/api/v1/applications/x/download", auditor, nil, http.StatusNotFound, nil)
	w.call("api-clerk", "GET", "/api/v1/cases", "forged."+clerk[8:], nil, http.StatusUnauthorized, nil)

	// The clerk uploads a scan to its presigned URL; S3 tells ingest.
	var m upload
	scan := scanJPEG(t)
	w.call("api-clerk", "POST", "/api/v1/cases/"+c.ID+"/materials", clerk, map[string]any{
		"volume": 1, "volumeTitle": "诉讼文书卷", "seq": 1, "title": "讯问笔录", "filename": "01.jpg", "size": len(scan)}, http.StatusCreated, &m)
	w.put(m.UploadURL, scan)
	key := ingest.MaterialUploadKey(c.ID, m.ID)
	for range 2 { // a redelivered event changes nothing
		if out, err := w.fns["ingest"].invoke(ctx, w.s3Event(key, len(scan))); err != nil || string(out) != "null" {
			t.Fatalf("ingest: %s %v", out, err)
		}
	}
	var got upload
	w.call("api-clerk", "GET", "/api/v1/cases/"+c.ID+"/materials/"+m.ID, clerk, nil, http.StatusOK, &got)
	if got.Status != "accepted" || got.Pages != 1 {
		t.Fatalf("material after ingest: %+v\n--- ingest log ---\n%s", got, w.fns["ingest"].logs.String())
	}
	// An object that is not an upload (the worker's own output) is ignored.
	if out, err := w.fns["ingest"].invoke(ctx, w.s3Event("materials/"+c.ID+"/"+m.ID+".pdf", 1)); err != nil || string(out) != "null" {
		t.Fatalf("ingest of a non-upload key: %s %v", out, err)
	}

	// The lawyer uploads the three documents (S3 events to ingest) and applies.
	var atts []string
	var uploadURL string
	for _, kind := range []string{"practice_certificate", "firm_letter", "power_of_attorney"} {
		var a upload
		data := testpdf.Text(kind)
		w.call("api-lawyer", "POST", "/api/v1/attachments", lawyer, map[string]any{"kind": kind, "filename": kind + ".pdf", "size": len(data)}, http.StatusCreated, &a)
		uploadURL = a.UploadURL
		w.put(a.UploadURL, data)
		if _, err := w.fns["ingest"].invoke(ctx, w.s3Event(ingest.AttachmentUploadKey(a.ID), len(data))); err != nil {
			t.Fatal(err)
		}
		var st struct{ Uploaded bool }
		w.call("api-lawyer", "GET", "/api/v1/attachments/"+a.ID, lawyer, nil, http.StatusOK, &st)
		if !st.Uploaded {
			t.Fatalf("attachment %s not marked uploaded after its S3 event", a.ID)
		}
		atts = append(atts, a.ID)
	}
	checkPages(t, w, uploadURL)
	var app appOut
	w.call("api-lawyer", "POST", "/api/v1/applications", lawyer, map[string]any{"caseNo": c.CaseNo, "client": "张某某", "attachments": atts,
		"lawyer": map[string]string{"name": "张律师", "license": license, "firm": "北京某某律师事务所", "phone": "13800000000"}}, http.StatusCreated, &app)

	// The clerk approves: the assembly job goes to SQS.
	w.call("api-clerk", "POST", "/api/v1/applications/"+app.ID+"/decision", clerk, map[string]string{"decision": "approve", "reason": "符合条件"}, http.StatusOK, nil)
	var jobBody string
	for _, msg := range w.sqs.Messages() {
		if j, err := sqsqueue.Decode(msg.Body); err == nil && j.Kind == "assemble" && j.Key == app.ID && msg.QueueURL == w.queueURL {
			jobBody = msg.Body
		}
	}
	if jobBody == "" {
		t.Fatalf("no assemble job on the queue after approval: %+v", w.sqs.Messages())
	}

	// The assembler takes it; a redelivery of the same message is harmless;
	// a message that is not a job is reported as a batch item failure.
	for i, id := range []string{"msg-1", "msg-1"} {
		out, err := w.fns["assemble"].invoke(ctx, w.sqsEvent(id, jobBody, i+1))
		if err != nil {
			t.Fatal(err)
		}
		var resp events.SQSEventResponse
		if err := json.Unmarshal(out, &resp); err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("assemble delivery %d: %s (%v)\n--- log ---\n%s", i+1, out, err, w.fns["assemble"].logs.String())
		}
	}
	out, err := w.fns["assemble"].invoke(ctx, w.sqsEvent("bad-1", `{"not":"a job"}`, 1))
	if err != nil {
		t.Fatal(err)
	}
	var bad events.SQSEventResponse
	if err := json.Unmarshal(out, &bad); err != nil || len(bad.BatchItemFailures) != 1 || bad.BatchItemFailures[0].ItemIdentifier != "bad-1" {
		t.Fatalf("a message that is not a job: %s, want one batch item failure bad-1", out)
	}
	// The lawyer was notified through SNS.
	notified := false
	for _, n := range w.sns.messages() {
		if n["attr:kind"] == "link.ready" && n["attr:applicationId"] == app.ID && n["TopicArn"] == w.vars["YUEJUAN_TOPIC_ARN"] {
			notified = true
		}
	}
	if !notified {
		t.Errorf("no link.ready notice published to SNS: %v", w.sns.messages())
	}

	// The lawyer sees the link; the copy is in the dossiers bucket.
	w.call("api-lawyer", "GET", "/api/v1/applications/"+app.ID, lawyer, nil, http.StatusOK, &app)
	if app.Status != "ready" || app.Link == nil || !strings.HasPrefix(app.Link.URL, publicURL+"/d/") {
		t.Fatalf("application after assembly: %+v", app)
	}
	left := app.Link.DownloadsLeft
	// Clerks and auditors get no link, and hold no link key at all.
	var seen appOut
	w.call("api-clerk", "GET", "/api/v1/applications/"+app.ID, clerk, nil, http.StatusOK, &seen)
	if seen.Link != nil {
		t.Errorf("the clerk API showed the lawyer's link")
	}

	// The download door: HEAD does not count; GET redirects to a presigned
	// URL of the copy that versitygw serves.
	doorPath := strings.TrimPrefix(app.Link.URL, publicURL)
	door := func(method string) events.APIGatewayV2HTTPResponse {
		raw, err := w.fns["download"].invoke(ctx, httpEvent(method, doorPath, "", nil, map[string]string{"accept": "*/*"}))
		if err != nil {
			t.Fatal(err)
		}
		var r events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := door("HEAD"); r.StatusCode != http.StatusOK {
		t.Fatalf("HEAD /d/…: %d %s", r.StatusCode, r.Body)
	}
	r := door("GET")
	loc := r.Headers["Location"]
	if r.StatusCode != http.StatusFound || !strings.HasPrefix(loc, env.s3+"/"+w.buckets["dossiers"]+"/") || !strings.Contains(loc, "X-Amz-Signature=") {
		t.Fatalf("GET /d/…: %d Location %q, want 302 to a presigned URL of the dossiers bucket: %s\n--- log ---\n%s", r.StatusCode, loc, r.Body, w.fns["download"].logs.String())
	}
	if exp := mustQuery(t, loc).Get("X-Amz-Expires"); exp != "60" {
		t.Errorf("presigned URL lives %s s, want the configured 60", exp)
	}
	resp, err := http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("presigned GET: %d, %d bytes starting %q", resp.StatusCode, len(pdf), pdf[:min(16, len(pdf))])
	}
	// The same URL with its signature altered is refused by the S3 peer.
	if resp, err := http.Get(strings.Replace(loc, "X-Amz-Signature=", "X-Amz-Signature=0", 1)); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a tampered presigned URL got %d, want 403", resp.StatusCode)
		}
	}
	w.call("api-lawyer", "GET", "/api/v1/applications/"+app.ID, lawyer, nil, http.StatusOK, &app)
	if app.Link == nil || app.Link.DownloadsLeft != left-1 {
		t.Errorf("downloads left %v after one GET and one HEAD, want %d", app.Link, left-1)
	}
	// A damaged token gets its own answer.
	if r := door2(t, w, "GET", doorPath+"x"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("damaged token: %d, want 400", r.StatusCode)
	}
	// The download function only verifies: it read the link key's secret,
	// but the auditor and the clerk functions never did.
	if n := w.secrets.read("yuejuan/rie/link-key"); n < 2 {
		t.Errorf("the link key secret was read %d times, want by the lawyer API and the download function", n)
	}

	// The deadline job: nothing due, nothing to re-queue, an audit anchor.
	out, err = w.fns["deadline"].invoke(ctx, json.RawMessage(`{"job":"deadline"}`))
	if err != nil {
		t.Fatal(err)
	}
	var run schedule.Result
	if err := json.Unmarshal(out, &run); err != nil || run.AnchorSeq == 0 || !run.AnchorNew || run.Unfinished != 0 {
		t.Fatalf("deadline run %s (%v)\n--- log ---\n%s", out, err, w.fns["deadline"].logs.String())
	}
	objs, err := w.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(w.buckets["anchors"])})
	if err != nil || len(objs.Contents) != 1 {
		t.Fatalf("anchors bucket: %v %v", objs, err)
	}

	// The auditor verifies the chain and its anchor, and finds the download.
	var rep struct {
		OK      bool `json:"ok"`
		Anchors int  `json:"anchors"`
	}
	w.call("api-auditor", "GET", "/api/v1/audit/verify", auditor, nil, http.StatusOK, &rep)
	if !rep.OK || rep.Anchors != 1 {
		t.Errorf("verify: %+v, want ok with 1 anchor", rep)
	}
	var page struct {
		Events []struct {
			Actor  string            `json:"actor"`
			IP     string            `json:"ip"`
			Detail map[string]string `json:"detail"`
		} `json:"events"`
	}
	w.call("api-auditor", "GET", "/api/v1/audit/events?action=link.download&application="+app.ID, auditor, nil, http.StatusOK, &page)
	// Through the link: its holder (a bearer secret), on the lawyer's link.
	if len(page.Events) != 1 || page.Events[0].Actor != "link-holder" || page.Events[0].Detail["linkOwner"] != license || page.Events[0].IP != "203.0.113.7" {
		t.Errorf("audit of the download: %+v, want one by the link's holder from 203.0.113.7 on the lawyer's link", page.Events)
	}
	if w.secrets.read("yuejuan/rie/anchor-key") != 1 {
		t.Errorf("the anchor key was read %d times; only the deadline function reads it, once", w.secrets.read("yuejuan/rie/anchor-key"))
	}
}

func door2(t *testing.T, w *world, method, path string) events.APIGatewayV2HTTPResponse {
	raw, err := w.fns["download"].invoke(t.Context(), httpEvent(method, path, "", nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	var r events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func mustQuery(t *testing.T, u string) url.Values {
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Query()
}

// TestFunctionsRefuseToStartWithoutTheirSettings starts each function with
// one required variable missing: the emulator reports the failed start, and
// the log names the variable.
func TestFunctionsRefuseToStartWithoutTheirSettings(t *testing.T) {
	if err := setupErr(); err != nil {
		t.Fatalf("the Lambda tests need their peers: %v", err)
	}
	for _, name := range []string{"download", "assemble"} {
		spec := cloud.Functions[name]
		missing := spec.Need[0]
		vars := map[string]string{"AWS_REGION": region, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
			"AWS_EC2_METADATA_DISABLED": "true", "YUEJUAN_TABLE": "t", "HOME": t.TempDir(),
			"AWS_ENDPOINT_URL": "http://127.0.0.1:9"} // never AWS itself
		for _, k := range spec.Need[1:] {
			vars[k] = "set"
		}
		f, err := startFunction(name, vars)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.invoke(t.Context(), json.RawMessage(`{}`))
		f.stop()
		if err == nil || !strings.Contains(f.logs.String(), missing) {
			t.Errorf("%s without %s: invoke error %v; log:\n%s", name, missing, err, f.logs.String())
		}
	}
}

// checkPages: the role functions serve the pages too (the template routes
// GET /, the role's page and /static/{file} to them without an authorizer),
// with a CSP whose connect-src admits the uploads bucket's origin (that of
// uploadURL, a presigned PUT the lawyer API made) where the role uploads,
// and nothing more where it does not.
func checkPages(t *testing.T, w *world, uploadURL string) {
	t.Helper()
	u, err := url.Parse(uploadURL)
	if err != nil || u.Host == "" {
		t.Fatalf("no upload URL to compare with: %q", uploadURL)
	}
	origin := u.Scheme + "://" + u.Host
	for _, p := range []struct {
		fn, path, ctype string
		uploads         bool
	}{
		{"api-lawyer", "/", "text/html", true},
		{"api-lawyer", "/lawyer", "text/html", true},
		{"api-lawyer", "/static/lawyer.js", "text/javascript", true},
		{"api-clerk", "/clerk", "text/html", true},
		{"api-auditor", "/auditor", "text/html", false},
	} {
		resp := w.call(p.fn, "GET", p.path, "", nil, http.StatusOK, nil)
		h := map[string]string{}
		for k, v := range resp.Headers {
			h[strings.ToLower(k)] = v
		}
		if !strings.HasPrefix(h["content-type"], p.ctype) {
			t.Errorf("%s %s: content type %q, want %s", p.fn, p.path, h["content-type"], p.ctype)
		}
		csp := h["content-security-policy"]
		if !strings.Contains(csp, "connect-src 'self'") || strings.Contains(csp, "connect-src 'self' "+origin) != p.uploads {
			t.Errorf("%s %s: CSP %q; connect-src should admit the uploads origin %s: %v", p.fn, p.path, csp, origin, p.uploads)
		}
	}
}
