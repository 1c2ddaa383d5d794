package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/yuejuan/yuejuan/pkg/dossier"
)

func newAssembleCmd() *cobra.Command {
	var (
		out, stampOut, configDir, date    string
		caseNo, title, unit               string
		stampName, stampLicense, stampRef string
		placeholders                      bool
	)
	cmd := &cobra.Command{
		Use:   "assemble DIR --out FILE.pdf",
		Short: "Assemble scanned volumes into a PDF dossier (and optionally stamp a copy)",
		Long: `Assemble the scans in DIR into one PDF dossier (电子卷宗): a cover page, a
卷内目录 per volume, the documents in order, bookmarks and page numbers.

DIR holds one sub-folder per volume, in name order (e.g. "01 诉讼文书卷",
"02 证据材料卷"); the leading number is the volume number, the rest its title.
The files of a volume (PDF, JPEG, PNG or TIFF), in name order, are its
documents; a document's title is its file name without the extension and
the leading order number. If DIR has no sub-folders its files form volume 1.

Every file is checked first. Files that cannot be used are listed all at once
and nothing is written, unless --placeholders puts a slip-sheet page in
their place. With --stamp-name, --stamp-license and --stamp-ref a copy
stamped for that lawyer is written too (--stamp-out, default FILE-stamped.pdf).`,
		Example: `  yuejuan assemble scans/ --out dossier.pdf --case-no "京检刑诉〔2025〕12号" --title "张某某盗窃案" --unit "某区人民检察院"
  yuejuan assemble scans/ --out dossier.pdf --stamp-name 李四 --stamp-license 11101200010123456 --stamp-ref YJ-2025-0001`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if out == "" {
				return errors.New("--out is required")
			}
			stamping := stampName != "" || stampLicense != "" || stampRef != ""
			if stamping && (stampName == "" || stampLicense == "" || stampRef == "") {
				return errors.New("stamping needs all of --stamp-name, --stamp-license and --stamp-ref")
			}
			beijing := time.FixedZone("CST", 8*3600)
			day := time.Now().In(beijing)
			if date != "" {
				t, err := time.ParseInLocation("2006-01-02", date, beijing)
				if err != nil {
					return fmt.Errorf("--date %q: want YYYY-MM-DD", date)
				}
				day = t
			}
			day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, day.Location())
			if configDir == "" {
				configDir = dossier.DefaultConfigDir()
			}
			if err := dossier.Setup(configDir); err != nil {
				return err
			}
			vols, err := scanVolumes(args[0])
			if err != nil {
				return err
			}
			tmp, err := os.MkdirTemp("", "yuejuan-assemble-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)

			stderr := cmd.ErrOrStderr()
			var docs []dossier.Document
			var rejections []*dossier.Rejection
			for _, v := range vols {
				for i, f := range v.files {
					d := dossier.Document{Volume: v.num, VolumeTitle: v.title, Seq: i + 1, Title: docTitle(f), Path: f}
					dst := filepath.Join(tmp, fmt.Sprintf("%03d-%04d.pdf", v.num, i+1))
					_, err := dossier.Ingest(ctx, f, dst, dossier.DefaultLimits())
					var rej *dossier.Rejection
					switch {
					case errors.As(err, &rej):
						rej.File = f
						rejections = append(rejections, rej)
						d.Rejected = rej.Reason
					case err != nil:
						return err
					default:
						d.Path = dst
					}
					docs = append(docs, d)
				}
			}
			if len(docs) == 0 {
				return fmt.Errorf("%s: no files found", args[0])
			}
			if len(rejections) > 0 {
				if !placeholders {
					return &dossier.AssembleError{Rejections: rejections}
				}
				for _, r := range rejections {
					fmt.Fprintf(stderr, "slip-sheet for %s\n", r)
				}
			}
			if title == "" {
				title = filepath.Base(filepath.Clean(args[0]))
			}
			info := dossier.CaseInfo{CaseNo: caseNo, Title: title, Unit: unit, Date: day}
			man, err := dossier.AssembleBase(ctx, info, docs, out, dossier.AssembleOptions{Placeholders: placeholders})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: %d pages\n", out, man.Pages)
			for _, v := range man.Volumes {
				fmt.Fprintf(w, "  第 %d 卷 %s (目录 p.%d)\n", v.Volume, v.Title, v.TOCPage)
				for _, d := range v.Docs {
					note := ""
					if d.Placeholder != "" {
						note = "  [slip-sheet]"
					}
					fmt.Fprintf(w, "    %-5s %s%s\n", pageSpan(d.FirstPage, d.LastPage), d.Title, note)
				}
			}
			if stamping {
				if stampOut == "" {
					stampOut = strings.TrimSuffix(out, filepath.Ext(out)) + "-stamped.pdf"
				}
				s := dossier.Stamp{Name: stampName, License: stampLicense, Ref: stampRef, Date: day}
				// The cheap path: the base's prefix plus a stamp tail, as
				// the service makes every lawyer's copy.
				if _, err := dossier.CopyFile(ctx, out, stampOut, s); err != nil {
					return err
				}
				fmt.Fprintf(w, "%s: stamped for %s\n", stampOut, stampName)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "base dossier to write (required)")
	f.BoolVar(&placeholders, "placeholders", false, "put a slip-sheet page in place of files that cannot be used")
	f.StringVar(&caseNo, "case-no", "", "case number (案号) for the cover")
	f.StringVar(&title, "title", "", "case name (案件名称) for the cover; default: the name of DIR")
	f.StringVar(&unit, "unit", "", "handling unit (承办单位) for the cover")
	f.StringVar(&date, "date", "", "dossier date YYYY-MM-DD, Beijing time (default today); fixes the PDF dates, so equal inputs give equal files")
	f.StringVar(&stampName, "stamp-name", "", "lawyer's name for a stamped copy")
	f.StringVar(&stampLicense, "stamp-license", "", "lawyer's practice certificate number (执业证号)")
	f.StringVar(&stampRef, "stamp-ref", "", "application reference printed in the stamp")
	f.StringVar(&stampOut, "stamp-out", "", "stamped copy to write (default FILE-stamped.pdf)")
	f.StringVar(&configDir, "pdfcpu-dir", "", "directory for pdfcpu's configuration and the installed font (default: user config dir, else a temp dir)")
	return cmd
}

type scanVolume struct {
	num   int
	title string
	files []string
}

// scanVolumes reads DIR: one volume per sub-folder, or DIR itself.
func scanVolumes(dir string) ([]scanVolume, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var subdirs []string
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			subdirs = append(subdirs, e.Name())
		}
	}
	sort.Slice(subdirs, func(i, j int) bool { return naturalLess(subdirs[i], subdirs[j]) })
	if len(subdirs) == 0 {
		files, err := volumeFiles(dir)
		if err != nil {
			return nil, err
		}
		return []scanVolume{{num: 1, files: files}}, nil
	}
	var vols []scanVolume
	used := map[int]bool{}
	for i, name := range subdirs {
		num, rest := leadingNumber(name)
		if num <= 0 || used[num] {
			num = i + 1
			for used[num] {
				num++
			}
		}
		used[num] = true
		files, err := volumeFiles(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			continue
		}
		vols = append(vols, scanVolume{num: num, title: rest, files: files})
	}
	sort.SliceStable(vols, func(i, j int) bool { return vols[i].num < vols[j].num })
	return vols, nil
}

func volumeFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Slice(names, func(i, j int) bool { return naturalLess(names[i], names[j]) })
	for i, n := range names {
		names[i] = filepath.Join(dir, n)
	}
	return names, nil
}

// leadingNumber splits "01 诉讼文书卷" into 1 and "诉讼文书卷".
func leadingNumber(s string) (int, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n := 0
	if i > 0 {
		n, _ = strconv.Atoi(s[:i])
	}
	rest := strings.TrimLeftFunc(s[i:], func(r rune) bool {
		return unicode.IsSpace(r) || r == '-' || r == '_' || r == '.' || r == '、' || r == '　'
	})
	return n, rest
}

// docTitle is a file's name without extension and leading order number.
func docTitle(path string) string {
	base := filepath.Base(path)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	_, rest := leadingNumber(base)
	if rest == "" {
		return base
	}
	return rest
}

// naturalLess orders names with numbers compared by value ("2" < "10").
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		na, ra := leadingNumberRaw(a)
		nb, rb := leadingNumberRaw(b)
		if na != "" && nb != "" {
			ia, _ := strconv.Atoi(na)
			ib, _ := strconv.Atoi(nb)
			if ia != ib {
				return ia < ib
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func leadingNumberRaw(s string) (string, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

func pageSpan(first, last int) string {
	if first == last {
		return strconv.Itoa(first)
	}
	return fmt.Sprintf("%d-%d", first, last)
}
