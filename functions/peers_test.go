package functions_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"go/build"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/yuejuan/yuejuan/internal/dynalitetest/peer"
)

// The peers the functions run against. None is faked where a real one can
// run here: DynamoDB is dynalite, S3 is versitygw (which checks SigV4
// signatures and presigned-URL expiry), the Lambda runtime is the AWS Lambda
// Runtime Interface Emulator. SQS, SNS, Secrets Manager and the identity
// provider's JWKS have no emulator installable here (they need a JVM,
// Docker or PyPI), so they are small HTTP doubles of their wire protocols
// that the real SDK clients inside the bootstraps talk to.
//
// A missing peer fails the tests with how to install it; nothing is skipped.

const installHint = "install the peers with `make peers` " +
	"(or point YUEJUAN_TEST_DYNAMO_ENDPOINT / YUEJUAN_TEST_S3_ENDPOINT with _ACCESS_KEY and _SECRET_KEY at running servers)"

var env struct {
	dynamo           string
	s3, s3Key, s3Sec string
	rie              string
	bootstraps       string // dir/<name>/bootstrap
	errs             []string
}

func setupErr() error {
	if len(env.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s\n%s", strings.Join(env.errs, "\n"), installHint)
}

func startPeers() (stop func()) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	fail := func(format string, args ...any) { env.errs = append(env.errs, fmt.Sprintf(format, args...)) }

	if env.dynamo = os.Getenv("YUEJUAN_TEST_DYNAMO_ENDPOINT"); env.dynamo == "" {
		if url, s, err := peer.Start(); err != nil {
			fail("dynalite: %v", err)
		} else {
			env.dynamo = url
			stops = append(stops, s)
		}
	}

	if env.s3 = os.Getenv("YUEJUAN_TEST_S3_ENDPOINT"); env.s3 != "" {
		env.s3Key, env.s3Sec = os.Getenv("YUEJUAN_TEST_S3_ACCESS_KEY"), os.Getenv("YUEJUAN_TEST_S3_SECRET_KEY")
	} else if bin, err := findBin("versitygw"); err != nil {
		fail("versitygw: %v", err)
	} else {
		dir, err := os.MkdirTemp("", "yuejuan-rie-versitygw-")
		if err != nil {
			fail("versitygw: %v", err)
		} else {
			env.s3Key, env.s3Sec = "yuejuanrie", "yuejuan-rie-secret-key-0123456789"
			url, s, err := startServer(bin, nil, func(port string) []string {
				return []string{"--access", env.s3Key, "--secret", env.s3Sec, "--region", "us-east-1",
					"--port", "127.0.0.1:" + port, "--quiet", "posix", dir}
			})
			if err != nil {
				fail("versitygw: %v", err)
				os.RemoveAll(dir)
			} else {
				env.s3 = url
				stops = append(stops, s, func() { os.RemoveAll(dir) })
			}
		}
	}

	if bin, err := findBin("aws-lambda-rie"); err != nil {
		fail("aws-lambda-rie: %v", err)
	} else {
		env.rie = bin
	}

	// Build every function for this machine's architecture (the deployed
	// ones are arm64; the code is the same).
	dir, err := os.MkdirTemp("", "yuejuan-bootstraps-")
	if err != nil {
		fail("build: %v", err)
		return stop
	}
	stops = append(stops, func() { os.RemoveAll(dir) })
	env.bootstraps = dir
	mains, _ := filepath.Glob("*/main.go")
	for _, m := range mains {
		name := filepath.Dir(m)
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", filepath.Join(dir, name, "bootstrap"), "./"+name)
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			fail("build %s: %v\n%s", name, err, out)
		}
	}
	return stop
}

// findBin looks for an executable on PATH, in GOBIN / GOPATH/bin, and in
// extra directories.
func findBin(name string, extra ...string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	var dirs []string
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	for _, gp := range filepath.SplitList(build.Default.GOPATH) {
		dirs = append(dirs, filepath.Join(gp, "bin"))
	}
	dirs = append(dirs, extra...)
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH nor in %s", name, strings.Join(dirs, ", "))
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

// startServer runs bin with args plus listen(port) on a free loopback port
// and waits until the port accepts connections.
func startServer(bin string, args []string, listen func(port string) []string) (url string, stop func(), err error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, append(args, listen(port)...)...)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop = func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	addr := "127.0.0.1:" + port
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return "http://" + addr, stop, nil
		}
		select {
		case <-exited:
			return "", nil, fmt.Errorf("%s exited at start: %s", bin, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("%s did not listen on %s within 30 s: %s", bin, addr, logs.String())
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 {
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// secretsDouble answers Secrets Manager's GetSecretValue (JSON 1.1 protocol).
type secretsDouble struct {
	mu      sync.Mutex
	secrets map[string]string
	reads   map[string]int
}

func (s *secretsDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	var in struct{ SecretId string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	s.mu.Lock()
	v, ok := s.secrets[in.SecretId]
	if s.reads == nil {
		s.reads = map[string]int{}
	}
	s.reads[in.SecretId]++
	s.mu.Unlock()
	if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"InvalidRequestException","message":"only signed GetSecretValue"}`)
		return
	}
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ARN": "arn:aws:secretsmanager:us-east-1:000000000000:secret:" + in.SecretId,
		"Name": in.SecretId, "SecretString": v, "VersionId": "v1", "VersionStages": []string{"AWSCURRENT"}})
}

func (s *secretsDouble) read(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads[id]
}

// snsDouble answers SNS Publish (query protocol) and keeps the messages.
type snsDouble struct {
	mu   sync.Mutex
	msgs []map[string]string
}

func (s *snsDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "Publish" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	m := map[string]string{}
	for k := range r.Form {
		m[k] = r.Form.Get(k)
	}
	// Message attributes arrive as MessageAttributes.entry.N.Name / .Value.StringValue.
	for i := 1; ; i++ {
		name := r.Form.Get(fmt.Sprintf("MessageAttributes.entry.%d.Name", i))
		if name == "" {
			break
		}
		m["attr:"+name] = r.Form.Get(fmt.Sprintf("MessageAttributes.entry.%d.Value.StringValue", i))
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	n := len(s.msgs)
	s.mu.Unlock()
	sum := md5.Sum([]byte(m["Message"]))
	w.Header().Set("Content-Type", "text/xml")
	type result struct {
		XMLName   xml.Name `xml:"PublishResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		MessageID string   `xml:"PublishResult>MessageId"`
		RequestID string   `xml:"ResponseMetadata>RequestId"`
	}
	_ = xml.NewEncoder(w).Encode(result{Xmlns: "http://sns.amazonaws.com/doc/2010-03-31/", MessageID: fmt.Sprintf("sns-%d", n), RequestID: hex.EncodeToString(sum[:])})
}

func (s *snsDouble) messages() []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]string(nil), s.msgs...)
}

// fn is one function running under the Runtime Interface Emulator.
type fn struct {
	name string
	url  string // invocation URL
	logs *syncBuffer
	stop func()
}

// startFunction runs the bootstrap of name under aws-lambda-rie with env
// (and nothing else of this process's environment).
func startFunction(name string, vars map[string]string) (*fn, error) {
	bootstrap := filepath.Join(env.bootstraps, name, "bootstrap")
	if _, err := os.Stat(bootstrap); err != nil {
		return nil, fmt.Errorf("no bootstrap for %s: %w", name, err)
	}
	rapi, err := freePort()
	if err != nil {
		return nil, err
	}
	f := &fn{name: name, logs: &syncBuffer{}}
	var environ []string
	for k, v := range vars {
		environ = append(environ, k+"="+v)
	}
	url, stop, err := startServerEnv(env.rie, environ, f.logs, func(port string) []string {
		return []string{"--runtime-interface-emulator-address", "127.0.0.1:" + port, "--runtime-api-address", "127.0.0.1:" + rapi, bootstrap}
	})
	if err != nil {
		return nil, err
	}
	f.url, f.stop = url+"/2015-03-31/functions/function/invocations", stop
	return f, nil
}

// startServerEnv is startServer with an explicit environment and log sink.
func startServerEnv(bin string, environ []string, logs *syncBuffer, listen func(port string) []string) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, listen(port)...)
	cmd.Env = environ
	cmd.Dir = filepath.Dir(listen(port)[len(listen(port))-1])
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the bootstrap is its child: stop both
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	addr := "127.0.0.1:" + port
	deadline := time.Now().Add(20 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return "http://" + addr, stop, nil
		}
		select {
		case <-exited:
			return "", nil, fmt.Errorf("%s exited at start: %s", bin, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("%s did not listen on %s: %s", bin, addr, logs.String())
		}
	}
}

// invoke posts event to the function and returns its response payload. A
// function error (Lambda's {"errorMessage", "errorType"}) is returned as an
// error with the function's log.
func (f *fn) invoke(ctx context.Context, event any) ([]byte, error) {
	body, err := json.Marshal(event)
	if err != nil {
		return nil, err
	}
	if raw, ok := event.(json.RawMessage); ok {
		body = raw
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w\n%s", f.name, err, f.logs.String())
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var fe struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if resp.StatusCode != http.StatusOK || (json.Unmarshal(out, &fe) == nil && fe.ErrorType != "") {
		return out, fmt.Errorf("invoke %s: status %d: %s\n--- log ---\n%s", f.name, resp.StatusCode, out, f.logs.String())
	}
	return out, nil
}
