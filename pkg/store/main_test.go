package store_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/yuejuan/yuejuan/internal/dynalitetest"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// The tests of store-level helpers (Records, Lease) run on each driver:
// SQLite and DynamoDB on dynalite, which has no transactions.

func TestMain(m *testing.M) {
	code := m.Run()
	dynalitetest.Stop()
	os.Exit(code)
}

// onStores runs test once per driver, as a subtest named after it.
func onStores(t *testing.T, test func(t *testing.T, tbl store.Table)) {
	t.Run("sqlite", func(t *testing.T) {
		tbl, err := sqlitestore.Open(filepath.Join(t.TempDir(), "m.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tbl.Close() })
		test(t, tbl)
	})
	t.Run("dynalite", func(t *testing.T) { test(t, dynalitetest.Table(t)) })
}
