package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/yuejuan/yuejuan/pkg/notify"
	"github.com/yuejuan/yuejuan/pkg/server"
)

func newOutboxCmd() *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "outbox LICENSE",
		Short: "Show what the local server sent a lawyer: its SMS outbox (registration codes, notices)",
		Long: `Show the notices the local server delivered to a lawyer, oldest first, as the
text an SMS would carry: on one machine there is no SMS gateway, so a lawyer
registering locally reads the code sent to the phone here. On AWS the notices
go out by SMS instead.

The data dir is found as yuejuan serve finds it (--data, $YUEJUAN_DATA, else
./data); the command may run beside the running server.`,
		Example: `  yuejuan outbox 11101201910012345`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig("", data)
			if err != nil {
				return err
			}
			tbl, err := server.OpenTable(cfg)
			if err != nil {
				return err
			}
			defer tbl.Close()
			ns, err := (&notify.Outbox{T: tbl}).List(cmd.Context(), notify.Lawyer(args[0]))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(ns) == 0 {
				fmt.Fprintf(out, "(nothing sent to %s)\n", args[0])
			}
			for _, n := range ns {
				fmt.Fprintf(out, "%s  %s  %s\n", n.CreatedAt.Local().Format("2006-01-02 15:04:05"), n.Phone, n.Text())
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "data directory of the server (default $YUEJUAN_DATA or ./data)")
	return cmd
}
