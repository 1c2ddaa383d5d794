package application

import (
	"os"
	"testing"

	"github.com/yuejuan/yuejuan/internal/dynalitetest"
)

// The repository tests that depend on how the store behaves under them
// (conditional writes, range queries, concurrency) run on each driver: SQLite
// (newRepo) and DynamoDB on dynalite, which has no transactions.

func TestMain(m *testing.M) {
	code := m.Run()
	dynalitetest.Stop()
	os.Exit(code)
}

func newDynamoRepo(t *testing.T) *Repo {
	t.Helper()
	return &Repo{T: dynalitetest.Table(t)}
}

// onStores runs test once per store, as a subtest named after it; test
// makes its repositories with the newRepo it is given.
func onStores(t *testing.T, test func(t *testing.T, newRepo func(*testing.T) *Repo)) {
	for _, s := range []struct {
		name    string
		newRepo func(*testing.T) *Repo
	}{{"sqlite", newRepo}, {"dynalite", newDynamoRepo}} {
		t.Run(s.name, func(t *testing.T) { test(t, s.newRepo) })
	}
}
