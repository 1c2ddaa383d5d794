package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/yuejuan/yuejuan/pkg/dossier"
	"github.com/yuejuan/yuejuan/pkg/scan"
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

If DIR/manifest.json exists it gives the volumes, documents, titles and
order instead of the folder and file names:

  {"caseNo": "京检刑诉〔2025〕12号", "title": "张某某盗窃案", "unit": "某区人民检察院",
   "volumes": [
     {"volume": 1, "title": "诉讼文书卷", "documents": [
       {"file": "01/a.pdf", "title": "起诉意见书"},
       {"file": "01/b.jpg", "title": "讯问笔录"}]},
     {"volume": 2, "title": "证据材料卷", "documents": [
       {"file": "02/scan.tif", "title": "现场勘验笔录"}]}]}

  caseNo, title, unit  the cover's case number, case name and handling unit
                       (optional; --case-no, --title, --unit override them)
  volumes              at least one, assembled in this order
    volume             its number (optional: the previous one plus 1); the
                       numbers must increase
    title              the volume's title (optional)
    documents          at least one, assembled in this order
      file             path of the file inside DIR, "/"-separated (required)
      title            its line in the 卷内目录 (optional: from the file name,
                       as without a manifest)

Every file must exist inside DIR and be listed once; every other file in DIR
(except manifest.json and names starting with ".") must be listed, so that
nothing is left out silently. Unknown fields are errors.

Every file is checked first. Files that cannot be used are listed all at once
and nothing is written, unless --placeholders puts a slip-sheet page in
their place. With --stamp-name, --stamp-license and --stamp-ref a copy
stamped for that lawyer is written too (--stamp-out, default FILE-stamped.pdf).

Exit status: 0 on success; 2 when the input needs fixing — bad flags, a bad
manifest, files that cannot be used (without --placeholders) — with every
problem listed on stderr at once; 1 on any other failure (e.g. a disk error).`,
		Example: `  yuejuan assemble scans/ --out dossier.pdf --case-no "京检刑诉〔2025〕12号" --title "张某某盗窃案" --unit "某区人民检察院"
  yuejuan assemble scans/ --out dossier.pdf --stamp-name 李四 --stamp-license 11101200010123456 --stamp-ref YJ-2025-0001`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &problems{head: "usage: yuejuan assemble DIR --out FILE.pdf", list: []string{fmt.Sprintf("want one DIR argument, got %d", len(args))}}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			dir := args[0]
			var flagProblems []string
			if out == "" {
				flagProblems = append(flagProblems, "--out is required")
			}
			stamping := stampName != "" || stampLicense != "" || stampRef != ""
			if stamping && (stampName == "" || stampLicense == "" || stampRef == "") {
				flagProblems = append(flagProblems, "stamping needs all of --stamp-name, --stamp-license and --stamp-ref")
			}
			beijing := time.FixedZone("CST", 8*3600)
			day := time.Now().In(beijing)
			if date != "" {
				t, err := time.ParseInLocation("2006-01-02", date, beijing)
				if err != nil {
					flagProblems = append(flagProblems, fmt.Sprintf("--date %q: want YYYY-MM-DD", date))
				}
				day = t
			}
			day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, day.Location())

			// What to assemble: the manifest, else the folder and file names.
			// Every problem found is collected and reported together.
			list := flagProblems
			var entries []sourceDoc
			info := dossier.CaseInfo{CaseNo: caseNo, Title: title, Unit: unit, Date: day}
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return &problems{head: "nothing written", list: append(list, dir+": not a readable directory")}
			}
			man, manProblems, err := readManifest(dir)
			switch {
			case err != nil:
				return err
			case man != nil || len(manProblems) > 0:
				list = append(list, manProblems...)
				if man != nil {
					entries = man.docs
					if !cmd.Flags().Changed("case-no") {
						info.CaseNo = man.CaseNo
					}
					if !cmd.Flags().Changed("title") {
						info.Title = man.Title
					}
					if !cmd.Flags().Changed("unit") {
						info.Unit = man.Unit
					}
				}
			default:
				vols, err := scanVolumes(dir)
				if err != nil {
					return &problems{head: "nothing written", list: append(list, err.Error())}
				}
				for _, v := range vols {
					for i, f := range v.files {
						entries = append(entries, sourceDoc{volume: v.num, volumeTitle: v.title, seq: i + 1, title: docTitle(f), path: f, name: f})
					}
				}
				if len(entries) == 0 {
					list = append(list, dir+": no files found")
				}
			}

			if configDir == "" {
				configDir = dossier.DefaultConfigDir()
			}
			if err := dossier.Setup(configDir); err != nil {
				return err
			}
			tmp, err := os.MkdirTemp("", "yuejuan-assemble-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)

			stderr := cmd.ErrOrStderr()
			docs, rejections, err := ingestAll(ctx, entries, tmp)
			if err != nil {
				return err
			}
			if len(rejections) > 0 && !placeholders {
				for _, r := range rejections {
					list = append(list, r.Error())
				}
			}
			if len(list) > 0 {
				return &problems{head: "nothing written", list: list}
			}
			for _, r := range rejections {
				fmt.Fprintf(stderr, "slip-sheet for %s\n", r)
			}
			if info.Title == "" {
				info.Title = filepath.Base(filepath.Clean(dir))
			}
			// The byte ceiling is the assemble job's (its /tmp on AWS);
			// here the local disk is the limit. The page ceiling stays.
			res, err := dossier.AssembleBase(ctx, info, docs, out, dossier.AssembleOptions{Placeholders: placeholders, MaxBytes: math.MaxInt64})
			var tl *dossier.TooLargeError
			if errors.As(err, &tl) {
				return &problems{head: "nothing written", list: []string{tl.Error()}}
			}
			var ae *dossier.AssembleError
			if errors.As(err, &ae) {
				p := &problems{head: "nothing written"}
				for _, r := range ae.Rejections {
					p.list = append(p.list, r.Error())
				}
				return p
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: %d pages\n", out, res.Pages)
			for _, v := range res.Volumes {
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
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &problems{head: "bad flags", list: []string{err.Error()}}
	})
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

// ingestAll ingests the files of entries into dir, GOMAXPROCS at a time
// (each Ingest runs on one core), and returns the documents in the order of
// entries with the rejected ones marked, and the rejections in that order.
func ingestAll(ctx context.Context, entries []sourceDoc, dir string) ([]dossier.Document, []*scan.Rejection, error) {
	docs := make([]dossier.Document, len(entries))
	rejs := make([]*scan.Rejection, len(entries))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		next  atomic.Int64
	)
	for range max(1, min(runtime.GOMAXPROCS(0), len(entries))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(entries) || ctx.Err() != nil {
					return
				}
				e := entries[i]
				d := dossier.Document{Volume: e.volume, VolumeTitle: e.volumeTitle, Seq: e.seq, Title: e.title, Path: e.path}
				dst := filepath.Join(dir, fmt.Sprintf("%05d.pdf", i))
				_, err := scan.Ingest(ctx, e.path, dst, scan.DefaultLimits())
				var rej *scan.Rejection
				switch {
				case errors.As(err, &rej):
					rej.File = e.name
					rejs[i] = rej
					d.Rejected = rej.Reason
				case err != nil:
					once.Do(func() { first = err; cancel() })
					return
				default:
					d.Path = dst
				}
				docs[i] = d
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var rejections []*scan.Rejection
	for _, r := range rejs {
		if r != nil {
			rejections = append(rejections, r)
		}
	}
	return docs, rejections, nil
}

// problems is input the user has to fix: bad flags, a bad manifest, files
// that cannot be used. main exits with status 2 and prints every one.
type problems struct {
	head string
	list []string
}

func (p *problems) Error() string {
	var b strings.Builder
	n := len(p.list)
	fmt.Fprintf(&b, "%s: %d problem", p.head, n)
	if n != 1 {
		b.WriteString("s")
	}
	b.WriteString(":")
	for _, l := range p.list {
		b.WriteString("\n  ")
		b.WriteString(strings.ReplaceAll(l, "\n", "\n    "))
	}
	return b.String()
}

func (p *problems) ExitCode() int { return 2 }

// sourceDoc is one file to ingest and where it goes in the dossier.
type sourceDoc struct {
	volume      int
	volumeTitle string
	seq         int
	title       string
	path        string // file to ingest
	name        string // how problems name it
}

// manifestName is the optional file in DIR that gives the volumes and
// documents (see the assemble command's help).
const manifestName = "manifest.json"

type manifest struct {
	CaseNo, Title, Unit string
	docs                []sourceDoc
}

// readManifest reads DIR/manifest.json: nil, nil, nil if there is none;
// otherwise the manifest (nil if it could not be parsed at all) and every
// problem found in it. err is an I/O error other than a missing file.
func readManifest(dir string) (*manifest, []string, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	mp := &manifestParser{dir: dir, listed: map[string]string{}}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, []string{manifestName + ": " + jsonProblem(data, err)}, nil
	}
	m := &manifest{}
	mp.object(top, "", "caseNo", "title", "unit", "volumes")
	mp.str(top, "caseNo", "caseNo", &m.CaseNo)
	mp.str(top, "title", "title", &m.Title)
	mp.str(top, "unit", "unit", &m.Unit)
	var vols []map[string]json.RawMessage
	if raw, ok := top["volumes"]; !ok {
		mp.add("", "\"volumes\" is missing")
	} else if err := json.Unmarshal(raw, &vols); err != nil || len(vols) == 0 {
		mp.add("volumes", "want a non-empty list of volumes")
	}
	last := 0
	for i, v := range vols {
		at := fmt.Sprintf("volumes[%d]", i)
		mp.object(v, at, "volume", "title", "documents")
		num := last + 1
		if raw, ok := v["volume"]; ok {
			if err := json.Unmarshal(raw, &num); err != nil || num <= 0 {
				mp.add(at+".volume", "want a positive whole number")
				num = last + 1
			} else if num <= last {
				mp.add(at+".volume", fmt.Sprintf("%d after volume %d: volumes must be listed in increasing number order", num, last))
			}
		}
		last = max(last, num)
		var vt string
		mp.str(v, "title", at+".title", &vt)
		var docs []map[string]json.RawMessage
		if raw, ok := v["documents"]; !ok {
			mp.add(at, "\"documents\" is missing")
		} else if err := json.Unmarshal(raw, &docs); err != nil || len(docs) == 0 {
			mp.add(at+".documents", "want a non-empty list of documents")
		}
		for j, d := range docs {
			dat := fmt.Sprintf("%s.documents[%d]", at, j)
			mp.object(d, dat, "file", "title")
			var file, dt string
			mp.str(d, "title", dat+".title", &dt)
			if _, ok := d["file"]; !ok {
				mp.add(dat, "\"file\" is missing")
				continue
			}
			if !mp.str(d, "file", dat+".file", &file) {
				continue
			}
			src, ok := mp.file(dat+".file", file)
			if !ok {
				continue
			}
			if dt == "" {
				dt = docTitle(file)
			}
			m.docs = append(m.docs, sourceDoc{volume: num, volumeTitle: vt, seq: j + 1, title: dt, path: src, name: file})
		}
	}
	if len(mp.listed) > 0 { // else every file would be reported
		mp.unlisted()
	}
	return m, mp.problems, nil
}

type manifestParser struct {
	dir      string
	listed   map[string]string // cleaned relative path → where it is listed
	problems []string
}

func (mp *manifestParser) add(at, msg string) {
	if at != "" {
		at = " " + at
	}
	mp.problems = append(mp.problems, manifestName+at+": "+msg)
}

// object reports the fields of o that are not among known.
func (mp *manifestParser) object(o map[string]json.RawMessage, at string, known ...string) {
	var unknown []string
	for k := range o {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		name := k
		if at != "" {
			name = at + "." + k
		}
		mp.add(name, fmt.Sprintf("unknown field (known: %s)", strings.Join(known, ", ")))
	}
}

// str decodes the optional string field key of o into dst.
func (mp *manifestParser) str(o map[string]json.RawMessage, key, at string, dst *string) bool {
	raw, ok := o[key]
	if !ok {
		return false
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		mp.add(at, "want a string")
		return false
	}
	*dst = strings.TrimSpace(*dst)
	return true
}

// file checks that rel names a regular file inside the directory, listed
// once, and returns its path.
func (mp *manifestParser) file(at, rel string) (string, bool) {
	bad := func(msg string) (string, bool) {
		mp.add(at, fmt.Sprintf("%q: %s", rel, msg))
		return "", false
	}
	if rel == "" {
		return bad("empty file name")
	}
	if strings.Contains(rel, "\\") || path.IsAbs(rel) || filepath.IsAbs(rel) || !fs.ValidPath(path.Clean(rel)) {
		return bad("want a relative path inside the directory, with \"/\" separators")
	}
	clean := path.Clean(rel)
	if prev, dup := mp.listed[clean]; dup {
		return bad("already listed at " + prev)
	}
	mp.listed[clean] = at
	p := filepath.Join(mp.dir, filepath.FromSlash(clean))
	st, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return bad("no such file in the directory")
	case err != nil:
		return bad(err.Error())
	case !st.Mode().IsRegular():
		return bad("not a regular file")
	}
	// A symbolic link must not lead out of the directory.
	root, err1 := filepath.EvalSymlinks(mp.dir)
	real, err2 := filepath.EvalSymlinks(p)
	if err1 != nil || err2 != nil {
		return bad("cannot be resolved")
	}
	if r, err := filepath.Rel(root, real); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return bad("leads outside the directory")
	}
	return p, true
}

// unlisted reports files in the directory the manifest does not list, so
// that none is left out of the dossier silently.
func (mp *manifestParser) unlisted() {
	var missing []string
	filepath.WalkDir(mp.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(mp.dir, p)
		if rel != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel = filepath.ToSlash(rel)
		if d.Type().IsRegular() && rel != manifestName {
			if _, ok := mp.listed[rel]; !ok {
				missing = append(missing, rel)
			}
		}
		return nil
	})
	for _, f := range missing {
		mp.add("", fmt.Sprintf("%q is in the directory but not listed (list it, or move it out)", f))
	}
}

// jsonProblem describes a JSON syntax or type error with its line and column.
func jsonProblem(data []byte, err error) string {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		return "want a JSON object at the top"
	}
	if off < 0 {
		return err.Error()
	}
	line, col := 1, 1
	for _, c := range data[:min(int(off), len(data))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("line %d, column %d: %v", line, col, err)
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
