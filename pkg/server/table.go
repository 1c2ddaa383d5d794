package server

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/yuejuan/yuejuan/pkg/config"
	"github.com/yuejuan/yuejuan/pkg/store"
	"github.com/yuejuan/yuejuan/pkg/store/sqlitestore"
)

// OpenTable opens the metadata table of cfg as New does: SQLite in the data
// dir, or the DynamoDB table it names. Commands that work on the directory
// beside a running server (yuejuan user) open it so; SQLite's WAL lets both
// write.
func OpenTable(cfg config.Config) (store.Table, error) {
	if !cfg.UsesDynamoDB() {
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("server: data dir: %w", err)
		}
		return sqlitestore.Open(filepath.Join(cfg.DataDir, "meta.db"))
	}
	if err := cfg.CheckPeers(); err != nil {
		return nil, err
	}
	awsCfg, err := loadAWS()
	if err != nil {
		return nil, err
	}
	return openDynamoDB(cfg, *awsCfg)
}
