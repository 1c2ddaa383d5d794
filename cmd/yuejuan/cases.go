package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/yuejuan/yuejuan/pkg/casefile"
)

func newCasesCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "cases",
		Short: "List your unit's cases: id, 案号, title, stage, materials accepted/total",
		Long: `List the cases of the clerk's unit, newest first: the case id, the case number
(案号), the title, the stage and how many of its uploaded materials were
accepted out of how many were registered.

Commands that take a case (yuejuan upload --case, yuejuan audit --case) take
either the id or the 案号. Needs a clerk token (--token/$YUEJUAN_TOKEN).`,
		Example: `  export YUEJUAN_TOKEN=$(yuejuan token --role clerk --sub clerk01 --name 王书记员 --unit 市检察院)
  yuejuan cases
  yuejuan upload --case 京检刑诉〔2026〕456号 scans/
  yuejuan cases --json | jq -r '.cases[].id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := newClient(cmd)
			if err != nil {
				return err
			}
			cs, err := listCases(cmd.Context(), c)
			if err != nil {
				return err
			}
			if err := countMaterials(cmd.Context(), c, cs); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"cases": cs})
			}
			printCases(out, cs)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON ({cases: [{id, caseNo, title, stage, accepted, materials}]}) instead of a table")
	addClientFlags(cmd)
	return cmd
}

// caseRow is a case as the API lists it, with its materials counted.
type caseRow struct {
	ID        string `json:"id"`
	CaseNo    string `json:"caseNo"`
	Title     string `json:"title"`
	Stage     string `json:"stage"`
	Concluded bool   `json:"concluded,omitempty"`
	Accepted  int    `json:"accepted"`
	Materials int    `json:"materials"`
}

func listCases(ctx context.Context, c *client) ([]*caseRow, error) {
	var out struct {
		Cases []*caseRow `json:"cases"`
	}
	if err := c.do(ctx, "GET", "/api/v1/cases", nil, &out); err != nil {
		return nil, err
	}
	return out.Cases, nil
}

// countMaterials fills in each case's material counts, a few cases at a
// time.
func countMaterials(ctx context.Context, c *client, cs []*caseRow) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		sem   = make(chan struct{}, 4)
	)
	for _, k := range cs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var out struct {
				Materials []struct {
					Status string `json:"status"`
				} `json:"materials"`
			}
			err := c.do(ctx, "GET", "/api/v1/cases/"+url.PathEscape(k.ID)+"/materials", nil, &out)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = err
				}
				return
			}
			k.Materials = len(out.Materials)
			for _, m := range out.Materials {
				if m.Status == "accepted" {
					k.Accepted++
				}
			}
		})
	}
	wg.Wait()
	return first
}

var stageNames = map[string]string{
	"investigation":      "侦查 investigation",
	"arrest_review":      "审查逮捕 arrest review",
	"prosecution_review": "审查起诉 prosecution review",
	"trial":              "审判 trial",
	"closed":             "结案 closed",
}

func printCases(w io.Writer, cs []*caseRow) {
	if len(cs) == 0 {
		fmt.Fprintln(w, "(no cases in your unit yet: register one on the clerk's page or with POST /api/v1/cases)")
		return
	}
	rows := [][]string{{"ID", "案号 CASE NO.", "TITLE", "STAGE", "MATERIALS (accepted/total)"}}
	for _, k := range cs {
		stage := stageNames[k.Stage]
		if stage == "" {
			stage = k.Stage
		}
		if k.Concluded {
			stage += " (办结 concluded)"
		}
		rows = append(rows, []string{k.ID, k.CaseNo, k.Title, stage, strconv.Itoa(k.Accepted) + "/" + strconv.Itoa(k.Materials)})
	}
	writeTable(w, rows)
}

// resolveCase turns what the user gave for a case — its id or its 案号 —
// into the case id, from the unit's cases (GET /cases, a clerk's list),
// the 案号 compared as casefile.NormalizeCaseNo makes it. A
// reference the list does not hold is passed on as it is: the server then
// answers for it (no such case, with a hint; another unit's case is refused
// and audited there).
func resolveCase(ctx context.Context, c *client, ref string) string {
	ref = strings.TrimSpace(ref)
	cs, err := listCases(ctx, c)
	if err != nil {
		return ref // the call that follows reports it
	}
	no := casefile.NormalizeCaseNo(ref) // however it was typed
	for _, k := range cs {
		if k.ID == ref || casefile.NormalizeCaseNo(k.CaseNo) == no {
			return k.ID
		}
	}
	return ref
}
