//go:build !unix

package server

import "os"

// flock is a no-op where there is no flock: a second server on the same
// data dir is not detected there.
func flock(*os.File) error { return nil }
