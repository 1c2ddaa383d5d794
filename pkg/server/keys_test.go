package server

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/config"
)

func dataConfig(t *testing.T, data string) config.Config {
	t.Helper()
	cfg, err := config.FromEnv(func(k string) string {
		if k == "YUEJUAN_DATA" {
			return data
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestLoadAuthorityNeverMakesKeys: the token command's authority reads the
// server's key and makes none; without one it names the data dir it looked
// in and how to name another.
func TestLoadAuthorityNeverMakesKeys(t *testing.T) {
	data := filepath.Join(t.TempDir(), "elsewhere")
	_, err := LoadAuthority(dataConfig(t, data))
	if err == nil {
		t.Fatal("LoadAuthority without a key succeeded")
	}
	for _, want := range []string{data, "--data", "YUEJUAN_DATA"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Error("LoadAuthority made the data dir")
	}
	// With the server's key it signs tokens the server accepts.
	srv := t.TempDir()
	s, err := Authority(dataConfig(t, srv)) // as the server's first start makes it
	if err != nil {
		t.Fatal(err)
	}
	a, err := LoadAuthority(dataConfig(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Issue(auth.Identity{Subject: "clerk01", Name: "王书记员", Role: auth.Clerk, Unit: "市检察院"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(t.Context(), tok); err != nil {
		t.Errorf("the server refused a token signed with LoadAuthority's key: %v", err)
	}
}

// TestLockDataDir: a second server on a data dir is refused with the
// first's pid and address; once the first lets go, the data dir is free.
func TestLockDataDir(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	unlock, err := LockDataDir(data, "127.0.0.1:8080", "http://127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockDataDir(data, "127.0.0.1:8081", "http://127.0.0.1:8081")
	if !errors.Is(err, ErrDataDirInUse) {
		t.Fatalf("a second lock: %v, want ErrDataDirInUse", err)
	}
	for _, want := range []string{"pid " + strconv.Itoa(os.Getpid()), "127.0.0.1:8080", data, "--data"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q: %v", want, err)
		}
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock2, err := LockDataDir(data, "127.0.0.1:8081", "http://127.0.0.1:8081")
	if err != nil {
		t.Fatalf("after the first let go: %v", err)
	}
	unlock2()
}
