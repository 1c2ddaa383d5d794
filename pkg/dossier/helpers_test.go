package dossier

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var fakeHome string

func TestMain(m *testing.M) {
	if mode := os.Getenv(benchChildEnv); mode != "" { // a measured copy of BenchmarkCopyPaths
		os.Exit(benchChild(mode))
	}
	// pdfcpu must not touch the user's config dir: run with a fake HOME and
	// check it stays empty.
	var err error
	fakeHome, err = os.MkdirTemp("", "dossier-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("HOME", fakeHome)
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(fakeHome, ".config"))
	cfg, err := os.MkdirTemp("", "dossier-pdfcpu-")
	if err != nil {
		panic(err)
	}
	if err := Setup(cfg); err != nil {
		panic(err)
	}
	code := m.Run()
	if ents, _ := os.ReadDir(fakeHome); len(ents) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: something wrote to $HOME: %v\n", ents)
		code = 1
	}
	os.RemoveAll(fakeHome)
	os.RemoveAll(cfg)
	os.Exit(code)
}
