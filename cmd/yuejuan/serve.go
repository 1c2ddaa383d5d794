package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/yuejuan/yuejuan/pkg/config"
	"github.com/yuejuan/yuejuan/pkg/server"
)

func envHelp() string {
	var b strings.Builder
	b.WriteString("\nEnvironment:\n")
	for _, v := range config.Vars {
		fmt.Fprintf(&b, "  %-22s %s\n", v[0], v[1])
	}
	return b.String()
}

func newServeCmd() *cobra.Command {
	var addr, data string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the whole service locally (SQLite, filesystem objects, in-process queue)",
		Long: `Run the whole service in one process on embedded defaults: SQLite metadata,
filesystem object stores, an in-process job queue and scheduler. No other
service is needed. Data (keys, database, objects) lives in the data dir.` + envHelp(),
		Example: `  yuejuan serve
  YUEJUAN_DATA=/srv/yuejuan yuejuan serve --addr 0.0.0.0:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(addr, data)
			if err != nil {
				return err
			}
			// One server per data dir: a second would run the scheduler
			// and the jobs on the same database a second time.
			unlock, err := server.LockDataDir(cfg.DataDir, cfg.Addr, cfg.PublicURL)
			if err != nil {
				return err
			}
			defer unlock()
			level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
			log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			slog.SetDefault(log)
			s, err := server.New(cfg, log)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", cfg.Addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w (set YUEJUAN_ADDR or --addr to another port)", cfg.Addr, err)
			}
			out := cmd.OutOrStdout()
			self, data := shellQuote(selfCommand()), shellQuote(cfg.DataDir)
			fmt.Fprintf(out, "yuejuan is serving on %s (data in %s)\n", cfg.PublicURL, cfg.DataDir)
			fmt.Fprintf(out, "Open %s/ and sign in. Accounts: the first administrator, then staff, e.g.:\n", cfg.PublicURL)
			fmt.Fprintf(out, "  %s user add --data %s --role admin --name 系统管理员 admin\n", self, data)
			fmt.Fprintf(out, "  %s user add --data %s --role clerk --name 王书记员 --unit 某市人民检察院 clerk01\n", self, data)
			fmt.Fprintf(out, "Developers: a token to call the API, e.g.:\n")
			fmt.Fprintf(out, "  %s token --data %s --role clerk --sub clerk01 --name 王书记员 --unit 某市人民检察院\n", self, data)
			fmt.Fprintf(out, "  %s token --data %s --role lawyer --sub 11101201910012345 --name 张律师\n", self, data)
			fmt.Fprintf(out, "then: curl -H \"Authorization: Bearer $TOKEN\" %s/api/v1/applications\n", cfg.PublicURL)
			return s.Run(cmd.Context(), ln)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address (overrides YUEJUAN_ADDR; default 127.0.0.1:8080)")
	cmd.Flags().StringVar(&data, "data", "", "data directory (overrides YUEJUAN_DATA; default ./data)")
	return cmd
}

func loadConfig(addr, data string) (config.Config, error) {
	return config.FromEnv(func(k string) string {
		switch {
		case k == "YUEJUAN_ADDR" && addr != "":
			return addr
		case k == "YUEJUAN_DATA" && data != "":
			return data
		}
		return os.Getenv(k)
	})
}

// selfCommand is how to run this binary again from the current directory,
// as it was started: the name it was found by on PATH (yuejuan), the path
// it was given relative to here (./bin/yuejuan), or its absolute path.
func selfCommand() string {
	arg0 := os.Args[0]
	if !strings.ContainsRune(arg0, filepath.Separator) {
		return arg0 // found on PATH
	}
	abs, err := filepath.Abs(arg0)
	if err != nil {
		return arg0
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "." + string(filepath.Separator) + rel
		}
	}
	return abs
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-:=@%+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
