package server

import (
	"github.com/yuejuan/yuejuan/pkg/store"
)

// Table is the metadata table, for tests that must reach under the API
// (to tamper with the audit log, say). Production code goes through the
// repositories.
func (s *Server) Table() store.Table { return s.table }

// Close stops the queue's workers and closes the database, for servers
// built with New that never ran Run (in-process tests).
func (s *Server) Close() error {
	s.Queue.Close()
	return s.table.Close()
}
