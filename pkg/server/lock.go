package server

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LockPath is the lock file of a data dir: a running server holds an
// exclusive lock on it (flock; the kernel drops it when the process ends,
// however it ends) and keeps its pid and address in it.
func LockPath(dataDir string) string { return filepath.Join(dataDir, "LOCK") }

// ErrDataDirInUse is returned (wrapped) by LockDataDir when another process
// holds the data dir.
var ErrDataDirInUse = errors.New("data directory in use")

// LockDataDir takes the data dir for one server, creating the dir if
// needed: a second server on the same data dir (two schedulers, two queues
// on one database) is refused with an error naming the first's pid and
// address. addr and url are written into the lock file for that message.
// unlock gives the data dir up (the process's end does too).
func LockDataDir(dataDir, addr, url string) (unlock func() error, err error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("server: data dir: %w", err)
	}
	path := LockPath(dataDir)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("server: lock the data dir: %w", err)
	}
	if err := flock(f); err != nil {
		holder := lockHolder(path)
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("%w: another yuejuan server (%s) is using the data directory %s; "+
				"stop it first, or give this one its own data directory (--data or YUEJUAN_DATA): "+
				"two servers on one data directory would both run the scheduler and the jobs", ErrDataDirInUse, holder, dataDir)
		}
		return nil, fmt.Errorf("server: lock %s: %w", path, err)
	}
	info := fmt.Sprintf("pid %d\naddr %s\nurl %s\nstarted %s\n", os.Getpid(), addr, url, time.Now().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(info), 0)
	}
	return func() error {
		_ = f.Truncate(0)
		return f.Close() // closing the file releases the lock
	}, nil
}

var errLocked = errors.New("locked")

// lockHolder describes the holder from the lock file's contents.
func lockHolder(path string) string {
	b, _ := os.ReadFile(path)
	kv := map[string]string{}
	for _, l := range bytes.Split(b, []byte("\n")) {
		k, v, ok := strings.Cut(string(l), " ")
		if ok {
			kv[k] = v
		}
	}
	if kv["pid"] == "" {
		return "pid unknown: it is starting"
	}
	s := "pid " + kv["pid"]
	if kv["addr"] != "" {
		s += ", listening on " + kv["addr"]
	}
	if kv["started"] != "" {
		s += ", started " + kv["started"]
	}
	return s
}
