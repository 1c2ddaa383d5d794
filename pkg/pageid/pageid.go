// Package pageid is the dossier's page identifiers (docs/versions.md):
// what every page of a base prints so that it can be found again in a later
// version, the ledger of a version that the next one is assigned against,
// and the change list read from it. It is plain data, without the PDF
// library, so that the API can show versions and change lists.
package pageid

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Every page of a document in the base
// prints an identifier — volume, a four-digit number within the volume, and
// for pages inserted later a dotted suffix: 卷1-0013, 卷1-0013.1 — that stays
// the same in every later version while the page is unchanged, so a page
// cited in an opinion can be found again. Identifiers are never reused: a
// removed document's identifiers stay retired, shown as a gap in the 卷内目录.

// PageID is one page's identifier: its volume and its path, the number
// within the volume followed by the suffixes of inserted pages.
type PageID struct {
	Volume int
	Path   []int
}

// String is the printed form: 卷1-0013, 卷1-0013.2.
func (p PageID) String() string { return fmt.Sprintf("卷%d-%s", p.Volume, p.Local()) }

// Local is the identifier without its volume (0013.2), as the volume's own
// 卷内目录 shows it.
func (p PageID) Local() string {
	var b strings.Builder
	for i, n := range p.Path {
		if i == 0 {
			fmt.Fprintf(&b, "%04d", n)
		} else {
			fmt.Fprintf(&b, ".%d", n)
		}
	}
	return b.String()
}

// IDRun is a run of consecutive identifiers of one document: Parent + [k]
// for k in From … To, in volume Volume. A document assembled first has one
// run of top-level numbers; a replacement longer than the document it
// replaces has a second run of suffixes.
type IDRun struct {
	Volume int   `json:"v"`
	Parent []int `json:"p,omitempty"`
	From   int   `json:"f"`
	To     int   `json:"t"`
}

// Len is the number of identifiers in r.
func (r IDRun) Len() int { return r.To - r.From + 1 }

// At is the i-th identifier of r.
func (r IDRun) At(i int) PageID {
	return PageID{Volume: r.Volume, Path: append(append([]int(nil), r.Parent...), r.From+i)}
}

// Span is how a range of identifiers is printed: 0003-0005, 0013.1-0013.2
// (local), or 卷1-0003-0005 (with its volume).
func Span(runs []IDRun, withVolume bool) string {
	var parts []string
	for _, r := range runs {
		if r.Len() <= 0 {
			continue
		}
		first, last := r.At(0), r.At(r.Len()-1)
		s := first.Local()
		if r.Len() > 1 {
			s += "-" + last.Local()
		}
		if withVolume && (len(parts) == 0) {
			s = fmt.Sprintf("卷%d-", r.Volume) + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "、")
}

// IDs lists every identifier of runs, in order.
func IDs(runs []IDRun) []PageID {
	var out []PageID
	for _, r := range runs {
		for i := 0; i < r.Len(); i++ {
			out = append(out, r.At(i))
		}
	}
	return out
}

func countIDs(runs []IDRun) int {
	n := 0
	for _, r := range runs {
		n += max(r.Len(), 0)
	}
	return n
}

// LedgerEntry is one document of a version's ledger: the identifiers its
// pages carry, what it was and since when. The ledger of version N is what
// version N+1 is assembled against (AssembleOptions.Previous), so that a
// document still there keeps its identifiers.
type LedgerEntry struct {
	Key    string  `json:"key"` // the material's id
	Volume int     `json:"volume"`
	Title  string  `json:"title"`
	Pages  int     `json:"pages"`
	Runs   []IDRun `json:"runs"`
	// Since is the version in which the document's pages first appeared
	// as they are (added, or replaced in it).
	Since int `json:"since"`
	// Replaces is the key of the document this one replaced in version
	// Since, and ReplacedRuns the identifiers that one had.
	Replaces     string  `json:"replaces,omitempty"`
	ReplacedRuns []IDRun `json:"replacedRuns,omitempty"`
	// RemovedIn, when set, is the version that removed the document: its
	// identifiers stay retired and its row stays in the 卷内目录 as a gap.
	RemovedIn int `json:"removedIn,omitempty"`
}

// ChangeList is what changed between a version and the one before it.
type ChangeList struct {
	Added    []LedgerEntry `json:"added"`
	Replaced []LedgerEntry `json:"replaced"` // each with Replaces and ReplacedRuns
	Removed  []LedgerEntry `json:"removed"`
}

// Empty reports whether nothing was added, replaced or removed.
func (c ChangeList) Empty() bool { return len(c.Added)+len(c.Replaced)+len(c.Removed) == 0 }

// Changes is the change list of version v, read from its ledger.
func Changes(ledger []LedgerEntry, v int) ChangeList {
	var c ChangeList
	for _, e := range ledger {
		switch {
		case e.RemovedIn == v:
			c.Removed = append(c.Removed, e)
		case e.RemovedIn != 0:
		case e.Since == v && e.Replaces != "":
			c.Replaced = append(c.Replaced, e)
		case e.Since == v && v > 1:
			c.Added = append(c.Added, e)
		}
	}
	return c
}

// idKey is an identifier's path as a map key.
func idKey(vol int, path []int) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(vol))
	for _, n := range path {
		b.WriteByte('/')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// Doc is a document to assign identifiers to: its key (the material's
// id), the key of the document of the previous version it replaces, its
// volume, title and pages, and, when they are given as they are (a
// supplement repeats the full version's), its identifiers.
type Doc struct {
	Key, Replaces string
	Volume        int
	Title         string
	Pages         int
	IDs           []IDRun
}

// Assign gives each document (in dossier order) its identifiers, d.Pages
// of them, against the previous version's ledger, and returns the new
// ledger: documents kept (by Key) keep theirs; a replacement takes the
// replaced document's page for page, and suffixes of its last one for pages
// beyond; a new document at the end of its volume continues the volume's
// numbers, one inserted before kept documents takes suffixes of the
// identifier before it; documents of prev not kept nor replaced are removed
// in version. Identifiers are never reused.
func Assign(docs []Doc, prev []LedgerEntry, version int) ([]LedgerEntry, error) {
	prevByKey := map[string]*LedgerEntry{}
	nextTop := map[int]int{}        // volume → highest top-level number ever used
	maxChild := map[string]int{}    // identifier → highest suffix ever used under it
	kept := make([]bool, len(docs)) // documents that keep their identifiers
	note := func(runs []IDRun) {
		for _, r := range runs {
			if len(r.Parent) == 0 {
				nextTop[r.Volume] = max(nextTop[r.Volume], r.To)
			} else {
				k := idKey(r.Volume, r.Parent)
				maxChild[k] = max(maxChild[k], r.To)
			}
		}
	}
	for i := range prev {
		e := &prev[i]
		note(e.Runs)
		note(e.ReplacedRuns)
		if e.RemovedIn == 0 && e.Key != "" {
			prevByKey[e.Key] = e
		}
	}
	for i, d := range docs {
		if len(d.IDs) > 0 {
			note(d.IDs)
			kept[i] = true
		} else if p := prevByKey[d.Key]; d.Key != "" && p != nil && p.Pages == docs[i].Pages {
			kept[i] = true
		}
	}
	used := map[string]bool{} // previous documents kept or replaced
	var out []LedgerEntry
	var last PageID // the identifier before the document being placed, in its volume
	lastVol := 0
	for i, d := range docs {
		if d.Volume != lastVol {
			last, lastVol = PageID{Volume: d.Volume, Path: []int{0}}, d.Volume
		}
		e := LedgerEntry{Key: d.Key, Volume: d.Volume, Title: d.Title, Pages: docs[i].Pages, Since: version}
		switch p := prevByKey[d.Key]; {
		case len(d.IDs) > 0:
			e.Runs = d.IDs
		case kept[i]:
			e.Runs, e.Since, e.Replaces, e.ReplacedRuns = p.Runs, p.Since, p.Replaces, p.ReplacedRuns
			used[d.Key] = true
		case d.Replaces != "" && prevByKey[d.Replaces] != nil && !used[d.Replaces]:
			old := prevByKey[d.Replaces]
			used[d.Replaces] = true
			e.Replaces, e.ReplacedRuns = old.Key, old.Runs
			n := docs[i].Pages
			for _, r := range old.Runs {
				if n == 0 {
					break
				}
				take := min(n, r.Len())
				e.Runs = append(e.Runs, IDRun{Volume: r.Volume, Parent: r.Parent, From: r.From, To: r.From + take - 1})
				n -= take
			}
			if n > 0 {
				end := IDs(old.Runs)
				tail := end[len(end)-1]
				k := idKey(tail.Volume, tail.Path)
				e.Runs = append(e.Runs, IDRun{Volume: tail.Volume, Parent: tail.Path, From: maxChild[k] + 1, To: maxChild[k] + n})
				maxChild[k] += n
			}
		default:
			if docs[i].Pages <= 0 {
				return nil, fmt.Errorf("pageid: document %q has no pages", d.Title)
			}
			atEnd := true
			for j := i + 1; j < len(docs) && docs[j].Volume == d.Volume; j++ {
				if kept[j] {
					atEnd = false
					break
				}
			}
			if atEnd && len(last.Path) == 1 {
				from := nextTop[d.Volume] + 1
				e.Runs = []IDRun{{Volume: d.Volume, From: from, To: from + docs[i].Pages - 1}}
				nextTop[d.Volume] = from + docs[i].Pages - 1
			} else {
				k := idKey(last.Volume, last.Path)
				e.Runs = []IDRun{{Volume: last.Volume, Parent: last.Path, From: maxChild[k] + 1, To: maxChild[k] + docs[i].Pages}}
				maxChild[k] += docs[i].Pages
			}
		}
		if countIDs(e.Runs) != docs[i].Pages {
			return nil, fmt.Errorf("pageid: document %q has %d pages and %d identifiers", d.Title, docs[i].Pages, countIDs(e.Runs))
		}
		ids := IDs(e.Runs)
		if d.Volume == lastVol {
			last = ids[len(ids)-1]
		}
		out = append(out, e)
	}
	// What the previous version had and this one does not: removed now, or
	// before.
	for _, p := range prev {
		switch {
		case p.RemovedIn != 0:
			out = append(out, p)
		case !used[p.Key] && !keyIn(docs, p.Key):
			p.RemovedIn = version
			out = append(out, p)
		}
	}
	return out, nil
}

func keyIn(docs []Doc, key string) bool {
	for _, d := range docs {
		if d.Key == key {
			return true
		}
	}
	return false
}

// RemovedIn lists the removed entries of ledger in volume vol, ordered by
// their first identifier.
func RemovedIn(ledger []LedgerEntry, vol int) []LedgerEntry {
	var out []LedgerEntry
	for _, e := range ledger {
		if e.RemovedIn != 0 && e.Volume == vol {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return Less(IDs(out[i].Runs)[0], IDs(out[j].Runs)[0]) })
	return out
}

// Less orders identifiers of one volume: by number, then suffixes.
func Less(a, b PageID) bool {
	for i := 0; i < len(a.Path) && i < len(b.Path); i++ {
		if a.Path[i] != b.Path[i] {
			return a.Path[i] < b.Path[i]
		}
	}
	return len(a.Path) < len(b.Path)
}
