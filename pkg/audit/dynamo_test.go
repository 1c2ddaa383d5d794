package audit_test

// The tamper suite on the DynamoDB store, against a real DynamoDB API: the
// endpoint in YUEJUAN_TEST_DYNAMO_ENDPOINT if set, else a dynalite started
// on first use (infra/peers/dynalite.sh installs it; internal/dynalitetest)
// and stopped by TestMain.

import (
	"os"
	"testing"

	"github.com/yuejuan/yuejuan/internal/dynalitetest"
	"github.com/yuejuan/yuejuan/pkg/audit/audittest"
	"github.com/yuejuan/yuejuan/pkg/store"
)

func TestMain(m *testing.M) {
	code := m.Run()
	dynalitetest.Stop()
	os.Exit(code)
}

// dynamoTable creates a fresh table, deleted when the test ends.
func dynamoTable(t *testing.T) store.Table { return dynalitetest.Table(t) }

func TestTamperDynamoDB(t *testing.T) {
	t.Run("file anchors", func(t *testing.T) { audittest.Run(t, dynamoTable, nil) })
	t.Run("bucket anchors", func(t *testing.T) { audittest.Run(t, dynamoTable, bucketAnchors) })
}
