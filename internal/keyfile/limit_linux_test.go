package keyfile

import (
	"path/filepath"
	"syscall"
	"testing"
)

// TestFailedWriteRealLimit fails the write in the kernel: a file size limit
// (RLIMIT_FSIZE) lets 10 bytes through, as a disk filling up would.
func TestFailedWriteRealLimit(t *testing.T) {
	dir := t.TempDir()
	s := spec(filepath.Join(dir, "url.secret"))
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	lim := old
	lim.Cur = 10
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOrCreate(s)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if err == nil {
		t.Fatal("a 32-byte secret was written under a 10-byte file size limit")
	}
	t.Logf("the failed write: %v", err)
	if got := dirNames(t, dir); len(got) != 0 {
		t.Fatalf("a failed write left %q behind", got)
	}
}
