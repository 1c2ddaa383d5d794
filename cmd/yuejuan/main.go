// Command yuejuan is the CLI and the local all-in-one server of the
// electronic case-file access service.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "yuejuan:", err)
		os.Exit(exitCode(err)) // 1 unless the command asks for another (audit verify)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "yuejuan",
		Short: "阅卷 — electronic case-file access for defence lawyers",
		Long: `yuejuan runs the electronic case-file access service (互联网阅卷) and its tools.

Lawyers apply online to review a case's files; clerks register cases and upload
the scanned volumes; the service assembles and stamps a PDF dossier for each
approved lawyer and hands out a time-limited, counted download link; auditors
query a hash-chained access log.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServeCmd(), newTokenCmd(), newAssembleCmd(), newDeadlineCmd(), newUploadCmd(), newCopyCmd(), newCasesCmd())
	root.AddCommand(newAuditCmd(), newUserCmd(), newLoginCmd(), newLogoutCmd(), newOutboxCmd())
	return root
}
