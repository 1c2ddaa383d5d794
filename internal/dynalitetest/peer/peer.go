// Package peer runs the dynalite process the tests share: the DynamoDB API
// under test is the endpoint in YUEJUAN_TEST_DYNAMO_ENDPOINT if set (e.g.
// http://127.0.0.1:4567), else one in-memory dynalite per test process,
// started on first use on a free loopback port; the package's TestMain stops
// it with Stop. A missing dynalite fails the test with how to install it; it
// never skips.
//
// Most tests want a store.Table and use package dynalitetest, which builds on
// this one. This package does not import dynamostore, so that dynamostore's
// own (in-package) tests can use it too.
package peer

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// EndpointEnv names a running DynamoDB-compatible endpoint to test against
// instead of starting dynalite.
const EndpointEnv = "YUEJUAN_TEST_DYNAMO_ENDPOINT"

// InstallHint says how to get dynalite.
const InstallHint = "install it with `make peers` (or `npm install -g dynalite@4`), " +
	"or point " + EndpointEnv + " at a running DynamoDB-compatible endpoint"

var (
	mu       sync.Mutex
	started  bool
	endpoint string // base URL of the DynamoDB API under test
	setupErr error  // why there is none; every test fails with it
	stop     func()
)

// Endpoint returns the base URL of the DynamoDB API under test, starting
// dynalite on the first call. It fails t (with how to install dynalite) if
// there is none.
func Endpoint(t testing.TB) string {
	t.Helper()
	mu.Lock()
	if !started {
		started = true
		if endpoint = os.Getenv(EndpointEnv); endpoint == "" {
			endpoint, stop, setupErr = Start()
		}
	}
	url, err := endpoint, setupErr
	mu.Unlock()
	if err != nil {
		t.Fatalf("no DynamoDB endpoint to test against: %v", err)
	}
	return url
}

// Stop stops the dynalite Endpoint started, if any; call it from TestMain
// after m.Run. A later Endpoint starts a new one.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	if stop != nil {
		stop()
	}
	started, endpoint, setupErr, stop = false, "", nil, nil
}

// Client returns a DynamoDB client of the endpoint under test (region
// us-east-1, static test credentials).
func Client(t testing.TB) *dynamodb.Client {
	t.Helper()
	url := Endpoint(t)
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(url),
	})
}

var (
	runID    = randomHex(4)
	tableSeq atomic.Int64
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewTable creates a table with a name unique to this call with create (the
// store driver's CreateTable), deletes it when the test ends, and returns
// the client and the name.
func NewTable(t testing.TB, create func(ctx context.Context, client *dynamodb.Client, table string) error) (*dynamodb.Client, string) {
	t.Helper()
	client := Client(t)
	name := fmt.Sprintf("yuejuan-test-%s-%d", runID, tableSeq.Add(1))
	if err := create(t.Context(), client, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Errorf("delete table %s: %v", name, err)
		}
	})
	return client, name
}

// Find looks for the dynalite executable on PATH, in node_modules/.bin of
// the working directory or any parent (the module root), and in npm's
// global bin folder.
func Find() (string, error) {
	if p, err := exec.LookPath("dynalite"); err == nil {
		return p, nil
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			p := filepath.Join(dir, "node_modules", ".bin", "dynalite")
			if isExec(p) {
				return p, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	// npm's global executables are in {prefix}/bin (`npm root -g` is
	// {prefix}/lib/node_modules, whose sibling bin is not it).
	if out, err := exec.Command("npm", "prefix", "-g").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "dynalite")
		if isExec(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("dynalite executable not found on PATH, in node_modules/.bin here or above, "+
		"nor in npm's global bin folder; %s", InstallHint)
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts an in-memory dynalite on a free local port and waits until
// it answers. Tables become ACTIVE at once (no simulated delay). Most tests
// want Endpoint, which starts one per process.
func Start() (url string, stop func(), err error) {
	bin, err := Find()
	if err != nil {
		return "", nil, err
	}
	port, err := freePort()
	if err != nil {
		return "", nil, fmt.Errorf("dynalite: find a free port: %w", err)
	}
	cmd := exec.Command(bin, "--host", "127.0.0.1", "--port", fmt.Sprint(port),
		"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start %s: %w; %s", bin, err, InstallHint)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop = func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	url = fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		// dynalite answers GET / with a health line.
		resp, err := http.Get(url + "/")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return url, stop, nil
		}
		select {
		case <-exited:
			return "", nil, fmt.Errorf("dynalite (%s) exited at start: %s", bin, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("dynalite (%s) did not answer on %s within 30s: %s", bin, url, logs.String())
		}
	}
}
