package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newUploadCmd() *cobra.Command {
	var (
		caseID        string
		dryRun, quiet bool
		wait          time.Duration
	)
	cmd := &cobra.Command{
		Use:   "upload --case ID|案号 DIR",
		Short: "Upload a folder of scanned volumes to a case (resumable)",
		Long: `Upload the scans in DIR to a case on the server, the way the clerk's page does,
then wait for the server's verdict on each file.

DIR is laid out as for yuejuan assemble: one sub-folder per volume, in name
order (e.g. "01 诉讼文书卷", "02 证据材料卷"); the leading number is the volume
number, the rest its title. The files of a volume, in name order, are its
documents 1, 2, 3, …; a document's title is its file name without the
extension and the leading order number. If DIR has no sub-folders its files
form volume 1.

Each file is sent to a signed upload URL with a progress bar (not shown with
--quiet or when the output is not a terminal). Then one line per file says
whether the server accepted it (with its page count) or rejected it (with
the reason), and a summary line counts accepted, rejected and skipped files.

The upload is resumable: run the same command again and files the case
already holds as accepted (same volume, number and file name) are skipped,
files still being checked are waited for, an upload that never arrived is
sent again to a fresh URL, and rejected files are uploaded again (replace
them in DIR first). --dry-run shows what would happen without sending.

The exit status is 1 when any file was rejected or could not be uploaded.
The server and login token come from --server/$YUEJUAN_SERVER and
--token/$YUEJUAN_TOKEN; uploads need a clerk token of the case's unit.`,
		Example: `  export YUEJUAN_SERVER=http://127.0.0.1:8080
  export YUEJUAN_TOKEN=$(yuejuan token --role clerk --sub clerk01 --name 王书记员 --unit 市检察院)
  yuejuan upload --case 01jq3x9d0c4m2v8k7r5t6y1w2e scans/
  yuejuan upload --case 01jq3x9d0c4m2v8k7r5t6y1w2e scans/ --dry-run
  yuejuan upload --case 01jq3x9d0c4m2v8k7r5t6y1w2e scans/ --quiet > upload.log
  yuejuan upload --case 京检刑诉〔2026〕456号 scans/

  scans/01 诉讼文书卷/01 起诉意见书.pdf   → volume 1, document 1 "起诉意见书"
  scans/01 诉讼文书卷/02 讯问笔录.pdf     → volume 1, document 2 "讯问笔录"
  scans/02 证据材料卷/01 现场照片.jpg     → volume 2, document 1 "现场照片"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(caseID) == "" {
				return errors.New("--case is required: the id or 案号 of the case to upload to (yuejuan cases lists them)")
			}
			c, err := newClient(cmd)
			if err != nil {
				return err
			}
			caseID = resolveCase(cmd.Context(), c, caseID)
			files, err := uploadPlan(args[0], cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			u := &uploader{c: c, caseID: caseID, files: files, out: cmd.OutOrStdout(), wait: wait}
			if err := u.match(cmd.Context()); err != nil {
				return err
			}
			if dryRun {
				return u.dryRun()
			}
			u.bars = !quiet && isTerminal(u.out)
			return u.run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&caseID, "case", "", "id or 案号 of the case to upload to (required; yuejuan cases lists them)")
	f.BoolVar(&dryRun, "dry-run", false, "list what would be uploaded and skipped, send nothing")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress bars (verdicts and the summary are still printed)")
	f.DurationVar(&wait, "wait", 10*time.Minute, "how long to wait for the verdict on each file")
	addClientFlags(cmd)
	return cmd
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// material is a material as the API shows it.
type material struct {
	ID          string `json:"id"`
	Volume      int    `json:"volume"`
	VolumeTitle string `json:"volumeTitle"`
	Seq         int    `json:"seq"`
	Title       string `json:"title"`
	Filename    string `json:"filename"`
	Size        int64  `json:"size"`
	Status      string `json:"status"`
	Reason      string `json:"reason"`
	Pages       int    `json:"pages"`
	UploadURL   string `json:"uploadUrl"`
}

func (m *material) final() bool { return m.Status == "accepted" || m.Status == "rejected" }

type fileAction int

const (
	actCreate fileAction = iota // new material, then PUT
	actResume                   // a material awaiting its upload: PUT to a fresh URL
	actWait                     // a material being checked: wait for its verdict
	actSkip                     // already accepted
)

// uploadFile is one file of DIR, what to do with it and what came of it.
type uploadFile struct {
	path, rel          string
	volume, seq        int
	volumeTitle, title string
	filename           string
	size               int64

	action   fileAction
	existing *material // the material this file matches, if any
	before   string    // reason of an earlier rejection of this file

	mid       string    // the material uploaded to
	verdict   *material // its final state
	sentAt    time.Time // when the upload finished
	err       error     // why it could not be uploaded
	pending   bool      // no verdict within --wait
	completed bool      // upload step done (or not needed)
}

func (f *uploadFile) label() string {
	return fmt.Sprintf("%d/%d  %s  [%s]", f.volume, f.seq, f.title, f.rel)
}

// uploadPlan lists DIR's files in volume and document order, with the
// volume and document numbers and titles yuejuan assemble gives them.
func uploadPlan(dir string, warn io.Writer) ([]*uploadFile, error) {
	vols, err := scanVolumes(dir)
	if err != nil {
		return nil, err
	}
	// With volume folders, files lying next to them belong to no volume.
	ents, _ := os.ReadDir(dir)
	var loose []string
	folders := false
	for _, e := range ents {
		switch {
		case strings.HasPrefix(e.Name(), "."):
		case e.IsDir():
			folders = true
		case e.Type().IsRegular():
			loose = append(loose, e.Name())
		}
	}
	for _, name := range loose {
		if folders {
			fmt.Fprintf(warn, "warning: %s is not in a volume folder and is not uploaded\n", filepath.Join(dir, name))
		}
	}
	var files []*uploadFile
	for _, v := range vols {
		for i, p := range v.files {
			st, err := os.Stat(p)
			if err != nil {
				return nil, err
			}
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				rel = p
			}
			files = append(files, &uploadFile{path: p, rel: rel, volume: v.num, volumeTitle: v.title,
				seq: i + 1, title: docTitle(p), filename: filepath.Base(p), size: st.Size()})
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no files to upload", dir)
	}
	return files, nil
}

type uploader struct {
	c      *client
	caseID string
	files  []*uploadFile
	out    io.Writer
	bars   bool
	wait   time.Duration

	printed int // files whose line is printed, in order
	tally   struct{ accepted, rejected, skipped, failed, pending int }
}

func (u *uploader) casePath(rest string) string {
	return "/api/v1/cases/" + url.PathEscape(u.caseID) + "/materials" + rest
}

// match decides each file's action from the materials the case already has.
// A file is the material with the same volume, number and file name; of
// several such materials (earlier rejections), the furthest along counts.
func (u *uploader) match(ctx context.Context) error {
	var list struct {
		Materials []*material `json:"materials"`
	}
	if err := u.c.do(ctx, http.MethodGet, u.casePath(""), nil, &list); err != nil {
		return err
	}
	type key struct {
		vol, seq int
		name     string
	}
	rank := map[string]int{"rejected": 1, "awaiting_upload": 2, "processing": 3, "accepted": 4}
	best := map[key]*material{}
	rejected := map[key]string{}
	for _, m := range list.Materials {
		k := key{m.Volume, m.Seq, m.Filename}
		if m.Status == "rejected" {
			rejected[k] = m.Reason
		}
		if b := best[k]; b == nil || rank[m.Status] > rank[b.Status] {
			best[k] = m
		}
	}
	for _, f := range u.files {
		k := key{f.volume, f.seq, f.filename}
		f.before = rejected[k]
		m := best[k]
		if m == nil {
			continue
		}
		switch m.Status {
		case "accepted":
			f.action, f.existing = actSkip, m
		case "processing":
			f.action, f.existing = actWait, m
		case "awaiting_upload":
			f.action, f.existing = actResume, m
		}
	}
	return nil
}

func (u *uploader) dryRun() error {
	var send, skip, wait int
	for _, f := range u.files {
		var what, note string
		switch f.action {
		case actSkip:
			what, note = "skip", "already accepted, "+pages(f.existing.Pages)
			skip++
		case actWait:
			what, note = "wait", "uploaded before and being checked"
			wait++
		case actResume:
			what, note = "resume", humanBytes(f.size)+", uploaded before but never arrived"
			send++
		default:
			what, note = "upload", humanBytes(f.size)
			send++
		}
		if f.before != "" && f.action != actSkip {
			note += "; rejected before: " + f.before
		}
		fmt.Fprintf(u.out, "%-8s  %s  %s\n", what, f.label(), note)
	}
	fmt.Fprintf(u.out, "dry run: %d to upload, %d to skip, %d being checked; nothing was sent\n", send, skip, wait)
	return nil
}

func (u *uploader) run(ctx context.Context) error {
	n := 0
	for _, f := range u.files {
		if f.action == actCreate || f.action == actResume {
			n++
		}
	}
	i := 0
	for _, f := range u.files {
		switch f.action {
		case actSkip:
			f.verdict = f.existing
		case actWait:
			f.mid, f.sentAt = f.existing.ID, time.Now()
		default:
			i++
			if err := u.send(ctx, f, i, n); err != nil {
				return u.abort(err)
			}
		}
		f.completed = true
		if err := u.drain(ctx, false); err != nil {
			return u.abort(err)
		}
	}
	if err := u.drain(ctx, true); err != nil {
		return u.abort(err)
	}
	return u.summary()
}

// fatal tells errors that stop the whole run (no server, bad token, no such
// case, server failure) from those that concern one file only.
func fatal(err error) bool {
	switch s := statusOf(err); {
	case s == 0:
		return true
	case s == http.StatusUnauthorized || s == http.StatusForbidden || s == http.StatusNotFound || s >= 500:
		return true
	}
	return false
}

// send creates the material (or reuses one awaiting its upload) and PUTs the
// file. A per-file failure is kept in f.err; a fatal one is returned.
func (u *uploader) send(ctx context.Context, f *uploadFile, i, n int) error {
	// The upload URL accepts exactly the size declared for it: take the
	// file's size now, not when DIR was listed.
	if st, err := os.Stat(f.path); err != nil {
		f.err = err
		return nil
	} else if f.size = st.Size(); f.size == 0 {
		f.err = fmt.Errorf("%s is empty: nothing to upload", f.rel)
		return nil
	}
	var m material
	if f.action == actResume {
		if err := u.c.do(ctx, http.MethodGet, u.casePath("/"+url.PathEscape(f.existing.ID)), nil, &m); err != nil {
			return u.fileErr(f, err)
		}
		if m.Size != f.size {
			// The file changed since (or the material predates declared
			// sizes): its URL would refuse these bytes; register anew.
			m = material{}
		}
	}
	if m.UploadURL == "" {
		in := map[string]any{"volume": f.volume, "volumeTitle": f.volumeTitle, "seq": f.seq, "title": f.title, "filename": f.filename, "size": f.size}
		if err := u.c.do(ctx, http.MethodPost, u.casePath(""), in, &m); err != nil {
			return u.fileErr(f, err)
		}
	}
	f.mid = m.ID
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = u.put(ctx, f, m.UploadURL, i, n)
		if statusOf(err) == http.StatusPreconditionFailed && (attempt > 0 || f.action == actResume) {
			// The URL is write-once: the object is there, stored by the
			// attempt whose answer was lost (or by the run being resumed).
			err = nil
		}
		if err == nil || ctx.Err() != nil || statusOf(err) != 0 && statusOf(err) < 500 {
			break
		}
		time.Sleep(time.Duration(attempt+1) * time.Second)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The signed URL is not the API: a refusal concerns this file only.
		f.err = err
		return nil
	}
	f.sentAt = time.Now()
	return nil
}

func (u *uploader) fileErr(f *uploadFile, err error) error {
	if fatal(err) {
		return err
	}
	f.err = err
	return nil
}

func (u *uploader) put(ctx context.Context, f *uploadFile, signedURL string, i, n int) error {
	fh, err := os.Open(f.path)
	if err != nil {
		return err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	bar := progressbar.NewOptions64(st.Size(),
		progressbar.OptionSetVisibility(u.bars),
		progressbar.OptionSetWriter(u.out),
		progressbar.OptionSetDescription(fmt.Sprintf("[%d/%d] %s", i, n, f.rel)),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(24),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetRenderBlankState(true),
	)
	if st.Size() != f.size {
		_ = bar.Clear()
		return fmt.Errorf("%s changed while uploading (%d bytes, was %d): run the command again", f.rel, st.Size(), f.size)
	}
	r := progressbar.NewReader(fh, bar)
	err = u.c.putSigned(ctx, signedURL, &r, f.size)
	if err != nil {
		_ = bar.Clear()
		return err
	}
	_ = bar.Finish()
	return nil
}

// drain prints, in file order, the line of every file that is done. With
// block it waits for the verdicts still out; without, it looks once.
func (u *uploader) drain(ctx context.Context, block bool) error {
	for u.printed < len(u.files) {
		f := u.files[u.printed]
		if !f.completed {
			return nil
		}
		if f.verdict == nil && f.err == nil && !f.pending {
			done, err := u.verdict(ctx, f, block)
			if err != nil {
				return err
			}
			if !done {
				return nil
			}
		}
		u.line(f)
		u.printed++
	}
	return nil
}

// verdict asks for f's material until it is accepted or rejected. Without
// block it asks once; with block until --wait has passed since the upload.
func (u *uploader) verdict(ctx context.Context, f *uploadFile, block bool) (bool, error) {
	path := u.casePath("/" + url.PathEscape(f.mid))
	for n := 0; ; n++ {
		var m material
		if err := u.c.do(ctx, http.MethodGet, path, nil, &m); err != nil {
			return false, err
		}
		if m.final() {
			f.verdict = &m
			return true, nil
		}
		if !block {
			return false, nil
		}
		if time.Since(f.sentAt) >= u.wait {
			f.pending = true
			// The server is slow: look at the files after this one just once.
			u.wait = 0
			return true, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(pollDelay(n)):
		}
	}
}

func (u *uploader) line(f *uploadFile) {
	var what, note string
	switch {
	case f.err != nil:
		what, note = "failed", strings.ReplaceAll(f.err.Error(), "\n", "\n          ")
		u.tally.failed++
	case f.pending:
		what, note = "pending", "still being checked; run the command again later to see the verdict"
		u.tally.pending++
	case f.action == actSkip:
		what, note = "skipped", "already accepted, "+pages(f.verdict.Pages)
		u.tally.skipped++
	case f.verdict.Status == "accepted":
		what, note = "accepted", pages(f.verdict.Pages)
		u.tally.accepted++
	default:
		what, note = "rejected", f.verdict.Reason
		u.tally.rejected++
	}
	fmt.Fprintf(u.out, "%-8s  %s  %s\n", what, f.label(), note)
}

func (u *uploader) summary() error {
	t := u.tally
	s := fmt.Sprintf("%d accepted, %d rejected, %d skipped", t.accepted, t.rejected, t.skipped)
	if t.failed > 0 {
		s += fmt.Sprintf(", %d failed", t.failed)
	}
	if t.pending > 0 {
		s += fmt.Sprintf(", %d pending", t.pending)
	}
	fmt.Fprintln(u.out, s)
	var bad []string
	if t.rejected > 0 {
		bad = append(bad, plural(t.rejected, "file")+" rejected")
	}
	if t.failed > 0 {
		bad = append(bad, plural(t.failed, "file")+" not uploaded")
	}
	if t.pending > 0 {
		bad = append(bad, plural(t.pending, "file")+" still being checked")
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, ", ") + "; fix what is listed and run the same command again (accepted files are skipped)")
	}
	return nil
}

// abort ends a run that cannot go on, after printing what is known.
func (u *uploader) abort(err error) error {
	for ; u.printed < len(u.files); u.printed++ {
		f := u.files[u.printed]
		if !f.completed || (f.verdict == nil && f.err == nil && !f.pending) {
			break
		}
		u.line(f)
	}
	if errors.Is(err, context.Canceled) {
		return errors.New("interrupted; run the same command again to resume (accepted files are skipped)")
	}
	return err
}

func pages(n int) string { return plural(n, "page") }

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
