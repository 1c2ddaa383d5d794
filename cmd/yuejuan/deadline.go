package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/yuejuan/yuejuan/pkg/deadline"
)

func newDeadlineCmd() *cobra.Command {
	var from, holidays string
	var days int
	var working bool
	cmd := &cobra.Command{
		Use:   "deadline",
		Short: "Print the last day of a legal period (CPL Art. 105, Asia/Shanghai)",
		Long: `Print the last day of a legal period as YYYY-MM-DD on the first line.

A period of N days starts counting the day after --from (Beijing date); if its
last day is a weekend or a State Council holiday, it ends on the next working
day; adjusted working weekend days (调休上班) are working days. With --working
only working days are counted. A second line warns when the holiday data do
not cover the dates involved.`,
		Example: `  yuejuan deadline --from 2026-09-30T10:00:00+08:00 --days 3            # 2026-10-08
  yuejuan deadline --from 2026-09-30T10:00:00+08:00 --days 3 --working  # 2026-10-10`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := time.Parse(time.RFC3339, from)
			if err != nil {
				return fmt.Errorf("--from %q: want an RFC 3339 time such as 2026-09-30T10:00:00+08:00", from)
			}
			if days < 0 {
				return fmt.Errorf("--days %d: must not be negative", days)
			}
			cal := deadline.Default()
			if holidays != "" {
				if cal, err = deadline.LoadFile(holidays); err != nil {
					return err
				}
			}
			start := deadline.DateOf(t)
			var res deadline.Result
			if working {
				res = cal.AddWorkingDays(start, days)
			} else {
				res = cal.AddDays(start, days)
			}
			fmt.Fprintln(cmd.OutOrStdout(), res.Due)
			if res.Uncertain {
				first, last := cal.Coverage()
				fmt.Fprintf(cmd.OutOrStdout(), "warning: holiday data cover %d–%d only; this date counts weekends alone and may be wrong\n", first, last)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "start instant, RFC 3339 (required)")
	f.IntVar(&days, "days", 0, "length of the period (required)")
	f.BoolVar(&working, "working", false, "count working days only")
	f.StringVar(&holidays, "holidays", "", "holiday data file replacing or extending the built-in years (default $YUEJUAN_HOLIDAYS)")
	_ = cmd.MarkFlagRequired("from")
	_ = cmd.MarkFlagRequired("days")
	return cmd
}
