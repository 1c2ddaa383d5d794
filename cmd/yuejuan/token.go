package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/server"
)

func newTokenCmd() *cobra.Command {
	var role, sub, name, unit, data string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print a login token signed with the local server's key",
		Long: `Print a login token (JWT, EdDSA) signed with the key in the local server's
data dir, for the API's Authorization: Bearer header or the web sign-in. A
lawyer's subject is the 17-digit practice certificate number; a clerk needs a
unit. On AWS, tokens come from the identity provider instead.

The data dir is found as yuejuan serve finds it: --data, else $YUEJUAN_DATA,
else ./data (relative to the current directory). Use the one the server
printed when it started. The command never makes a key: a data dir without
the server's key is an error that names the directory it looked in.`,
		Example: `  yuejuan token --role lawyer --sub 11101201910012345 --name 张律师
  yuejuan token --role clerk --sub clerk01 --name 王书记员 --unit 某市人民检察院 --ttl 8h
  yuejuan token --role auditor --sub audit01 --name 李审计
  yuejuan token --data /srv/yuejuan/data --role auditor --sub audit01 --name 李审计`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig("", data)
			if err != nil {
				return err
			}
			a, err := server.LoadAuthority(cfg)
			if err != nil {
				return err
			}
			tok, err := a.Issue(auth.Identity{Subject: sub, Name: name, Role: auth.Role(role), Unit: unit}, ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&role, "role", "", "lawyer, clerk or auditor (required)")
	f.StringVar(&sub, "sub", "", "subject: a lawyer's practice certificate no., or a staff id (required)")
	f.StringVar(&name, "name", "", "display name; a lawyer's must match the name on applications (required)")
	f.StringVar(&unit, "unit", "", "a clerk's unit (required for clerks)")
	f.StringVar(&data, "data", "", "data directory of the server (default $YUEJUAN_DATA or ./data)")
	f.DurationVar(&ttl, "ttl", 8*time.Hour, "token lifetime")
	for _, n := range []string{"role", "sub", "name"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}
