package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/yuejuan/yuejuan/pkg/account"
	"github.com/yuejuan/yuejuan/pkg/audit"
	"github.com/yuejuan/yuejuan/pkg/auth"
	"github.com/yuejuan/yuejuan/pkg/server"
)

func newUserCmd() *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage the accounts of the local server's sign-in: add, disable, reset, list",
		Long: `Manage the accounts people sign in with on the local server (its embedded
OpenID provider): clerks (with their unit), auditors, administrators, and
lawyers (user name = the 17-digit practice certificate number) until lawyers
register themselves.

A new or reset account gets a one-time password, printed once here (or read
from standard input with --password-stdin); the user chooses their own at the
first sign-in. Passwords are stored as argon2id hashes and never logged. Every
change is written to the audit log, with this command's user as the actor.

The data dir is found as yuejuan serve finds it (--data, $YUEJUAN_DATA, else
./data); the command may run beside the running server.`,
		Example: `  yuejuan user add --role admin --name 系统管理员 admin
  yuejuan user add --role clerk --name 王书记员 --unit 市检察院 clerk01
  yuejuan user add --role auditor --name 李审计 audit01
  yuejuan user add --role lawyer --name 张律师 11101201910012345
  yuejuan user reset clerk01
  yuejuan user disable clerk01
  yuejuan user list`,
	}
	cmd.PersistentFlags().StringVar(&data, "data", "", "data directory of the server (default $YUEJUAN_DATA or ./data)")
	open := func() (*account.Directory, func(), error) {
		cfg, err := loadConfig("", data)
		if err != nil {
			return nil, nil, err
		}
		tbl, err := server.OpenTable(cfg)
		if err != nil {
			return nil, nil, err
		}
		return &account.Directory{T: tbl, Audit: &audit.Log{T: tbl}}, func() { tbl.Close() }, nil
	}

	// change is a subcommand USERNAME that changes one account of the
	// directory: the data dir opened, run, the directory closed.
	change := func(use, short string, run func(cmd *cobra.Command, dir *account.Directory, username string) error) *cobra.Command {
		return &cobra.Command{
			Use:   use,
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				dir, done, err := open()
				if err != nil {
					return err
				}
				defer done()
				return run(cmd, dir, args[0])
			},
		}
	}

	var role, name, unit string
	var fromStdin bool
	add := change("add USERNAME --role ROLE --name NAME [--unit UNIT]", "Create an account and print its one-time password",
		func(cmd *cobra.Command, dir *account.Directory, username string) error {
			pw, err := password(cmd.InOrStdin(), fromStdin)
			if err != nil {
				return err
			}
			a, err := dir.Add(cmd.Context(), account.Account{Username: username, Name: name, Role: auth.Role(role), Unit: unit}, pw, cliActor())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created %s (%s%s)\n", a.Username, a.Role, unitSuffix(a.Unit))
			if !fromStdin {
				fmt.Fprintf(cmd.OutOrStdout(), "one-time password: %s\n(shown once; the user sets their own at the first sign-in)\n", pw)
			}
			return nil
		})
	add.Flags().StringVar(&role, "role", "", "clerk, auditor, admin or lawyer (required)")
	add.Flags().StringVar(&name, "name", "", "the person's name, shown on the pages and in the audit log (required)")
	add.Flags().StringVar(&unit, "unit", "", "a clerk's unit (required for clerks)")
	add.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the one-time password from the first line of standard input instead of making one")
	_ = add.MarkFlagRequired("role")
	_ = add.MarkFlagRequired("name")

	var resetStdin bool
	reset := change("reset USERNAME", "Set a new one-time password (also enables the account and lifts a lockout)",
		func(cmd *cobra.Command, dir *account.Directory, username string) error {
			pw, err := password(cmd.InOrStdin(), resetStdin)
			if err != nil {
				return err
			}
			if err := dir.Reset(cmd.Context(), username, pw, cliActor()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "reset %s\n", username)
			if !resetStdin {
				fmt.Fprintf(cmd.OutOrStdout(), "one-time password: %s\n(shown once; the user sets their own at the next sign-in)\n", pw)
			}
			return nil
		})
	reset.Flags().BoolVar(&resetStdin, "password-stdin", false, "read the one-time password from the first line of standard input")

	disable := change("disable USERNAME", "Stop an account from signing in (tokens already issued run out within their lifetime)",
		func(cmd *cobra.Command, dir *account.Directory, username string) error {
			if err := dir.Disable(cmd.Context(), username, cliActor()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "disabled %s\n", username)
			return nil
		})

	resetTOTP := change("reset-totp USERNAME", "Remove a staff member's two-step verification (a lost phone): the next sign-in asks for the password alone",
		func(cmd *cobra.Command, dir *account.Directory, username string) error {
			if err := dir.ResetTOTP(cmd.Context(), username, cliActor()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "two-step verification of %s removed\n", username)
			return nil
		})

	list := &cobra.Command{
		Use:   "list",
		Short: "List the accounts: user name, role, unit, name, state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, done, err := open()
			if err != nil {
				return err
			}
			defer done()
			return listAccounts(cmd.Context(), dir, cmd.OutOrStdout())
		},
	}
	cmd.AddCommand(add, reset, disable, resetTOTP, list)
	return cmd
}

func listAccounts(ctx context.Context, dir *account.Directory, out io.Writer) error {
	as, err := dir.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tROLE\tUNIT\tNAME\tSTATE")
	now := time.Now()
	for _, a := range as {
		state := "active"
		switch {
		case a.Disabled:
			state = "disabled"
		case now.Before(a.LockedUntil):
			state = "locked until " + a.LockedUntil.Local().Format("2006-01-02 15:04")
		case a.MustChange:
			state = "one-time password not yet changed"
		}
		if a.HasTOTP() {
			state += ", two-step verification on"
		}
		unit := a.Unit
		if unit == "" {
			unit = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Username, a.Role, unit, a.Name, state)
	}
	return tw.Flush()
}

// password makes a one-time password, or reads it from the first line of
// in.
func password(in io.Reader, fromStdin bool) (string, error) {
	if !fromStdin {
		return account.NewPassword(), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("--password-stdin: standard input has no password on its first line")
	}
	return pw, nil
}

// cliActor is who the audit log names for an account change made here: the
// operating system's user.
func cliActor() account.Actor {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return account.Actor{Subject: "cli:" + name + "@" + host, Role: string(auth.Admin)}
}

func unitSuffix(u string) string {
	if u == "" {
		return ""
	}
	return ", " + u
}
