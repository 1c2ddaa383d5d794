// Package dynalitetest gives tests a metadata store on DynamoDB: a fresh
// dynamostore table per call, on dynalite (one per test process, started on
// first use; see package peer for where it is found and
// YUEJUAN_TEST_DYNAMO_ENDPOINT). A missing dynalite fails the test with how
// to install it (infra/peers/dynalite.sh); it never skips.
//
// A package whose tests use it stops dynalite at the end:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		dynalitetest.Stop()
//		os.Exit(code)
//	}
package dynalitetest

import (
	"testing"

	"github.com/yuejuan/yuejuan/internal/dynalitetest/peer"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/dynamostore"
)

// Table returns a store.Table on a new, empty DynamoDB table with
// dynamostore's layout (dynamostore.CreateTable), deleted when the test ends.
func Table(t testing.TB) store.Table {
	t.Helper()
	client, name := peer.NewTable(t, dynamostore.CreateTable)
	return dynamostore.New(client, name)
}

// Stop stops the dynalite this process started, if any; call it from
// TestMain after m.Run.
func Stop() { peer.Stop() }
