package audit_test

// The tamper suite on the DynamoDB store, against a real DynamoDB API: the
// endpoint in YUEJUAN_TEST_DYNAMO_ENDPOINT if set, else a dynalite started
// on first use (infra/peers/dynalite.sh installs it) and stopped by TestMain.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/yuejuan/yuejuan/pkg/audit/audittest"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/dynamostore"
)

const dynamoEndpointEnv = "YUEJUAN_TEST_DYNAMO_ENDPOINT"

var (
	dynamoOnce     sync.Once
	dynamoEndpoint string
	dynamoErr      error
	dynamoStop     func()
	dynamoRun      = func() string { b := make([]byte, 4); rand.Read(b); return hex.EncodeToString(b) }()
	dynamoSeq      atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if dynamoStop != nil {
		dynamoStop()
	}
	os.Exit(code)
}

func dynamoClient(t *testing.T) *dynamodb.Client {
	t.Helper()
	dynamoOnce.Do(func() {
		if dynamoEndpoint = os.Getenv(dynamoEndpointEnv); dynamoEndpoint == "" {
			dynamoEndpoint, dynamoStop, dynamoErr = startDynalite()
		}
	})
	if dynamoErr != nil {
		t.Fatalf("no DynamoDB endpoint to test against: %v (install dynalite with infra/peers/dynalite.sh, or set %s)", dynamoErr, dynamoEndpointEnv)
	}
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(dynamoEndpoint),
	})
}

func startDynalite() (string, func(), error) {
	bin, err := exec.LookPath("dynalite")
	if err != nil {
		return "", nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--host", "127.0.0.1", "--port", fmt.Sprint(port),
		"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return url, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("dynalite did not answer on %s: %s", url, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dynamoTable creates a fresh table, deleted when the test ends.
func dynamoTable(t *testing.T) store.Table {
	t.Helper()
	client := dynamoClient(t)
	name := fmt.Sprintf("yuejuan-audit-test-%s-%d", dynamoRun, dynamoSeq.Add(1))
	if err := dynamostore.CreateTable(t.Context(), client, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return dynamostore.New(client, name)
}

func TestTamperDynamoDB(t *testing.T) {
	t.Run("file anchors", func(t *testing.T) { audittest.Run(t, dynamoTable, nil) })
	t.Run("bucket anchors", func(t *testing.T) { audittest.Run(t, dynamoTable, memAnchors) })
}
