package dossier

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/yuejuan/yuejuan/pkg/pageid"
)

// SlotName is the resource name under which every page of a base dossier
// draws its stamp slot.
const SlotName = "YJStamp"

// SidecarFormat identifies the sidecar layout; a sidecar of another format
// is refused.
const SidecarFormat = "yuejuan-base/1"

// Sidecar describes the byte layout of a base dossier, so that a per-lawyer
// copy can be made from it without reading the base (see MakeCopy).
// AssembleBase writes it next to the base as SidecarPath(base).
//
// The base is laid out as: header, every object but the stamp slots and the
// document information (objects 1 … Slots[0].Obj-1, in order), then — from
// byte PrefixLen on — the slots (empty form XObjects), the information
// dictionary, the cross-reference table and the trailer. A copy keeps the
// first PrefixLen bytes and replaces the rest.
type Sidecar struct {
	Format       string `json:"format"`
	BaseSize     int64  `json:"baseSize"`     // bytes of the base file
	PrefixLen    int64  `json:"prefixLen"`    // bytes a copy shares with the base
	PrefixSHA256 string `json:"prefixSha256"` // of base[:PrefixLen], hex
	ID           string `json:"id"`           // first part of the trailer /ID, hex (the first 16 bytes of PrefixSHA256)
	Objects      int    `json:"objects"`      // the trailer /Size: objects are numbered 1 … Objects-1
	Root         int    `json:"root"`         // object number of the catalog
	Info         int    `json:"info"`         // object number of the information dictionary (= Objects-1)
	Pages        int    `json:"pages"`
	// Slots are the stamp slots, one per displayed page size, numbered
	// consecutively after the prefix's objects.
	Slots []SlotInfo `json:"slots"`
	// InfoDict is the base's document information (text values).
	InfoDict map[string]string `json:"infoDict"`
	// Offsets are the byte offsets of objects 1 … Slots[0].Obj-1:
	// unsigned varints of the differences between consecutive offsets (the
	// first from 0), deflated and base64-encoded.
	Offsets string `json:"offsets"`
	// Version is the dossier version the base was built as (0: none) and
	// Ledger its page identifiers (Manifest.Ledger): with them a job that
	// finds the base built records its version without reading the base.
	Version int                  `json:"version,omitempty"`
	Ledger  []pageid.LedgerEntry `json:"ledger,omitempty"`

	offsets []int64 // decoded Offsets, index 0 = object 1
}

// SlotInfo is one stamp slot: a form XObject of W × H points drawn in the
// displayed orientation of Pages pages.
type SlotInfo struct {
	Obj   int     `json:"obj"`
	W     float64 `json:"w"`
	H     float64 `json:"h"`
	Pages int     `json:"pages"`
}

// SidecarPath is where AssembleBase puts the sidecar of the base at path.
func SidecarPath(base string) string { return base + ".sidecar.json" }

// Marshal encodes the sidecar as JSON (deterministically).
func (sc *Sidecar) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(sc, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ParseSidecar decodes and checks a sidecar.
func ParseSidecar(data []byte) (*Sidecar, error) {
	var sc Sidecar
	if err := json.Unmarshal(data, &sc); err != nil {
		return nil, fmt.Errorf("dossier: sidecar: %w", err)
	}
	if err := sc.check(); err != nil {
		return nil, fmt.Errorf("dossier: sidecar: %w", err)
	}
	return &sc, nil
}

// ReadSidecar reads and checks the sidecar file at path.
func ReadSidecar(path string) (*Sidecar, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dossier: %w", err)
	}
	return ParseSidecar(data)
}

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func (sc *Sidecar) check() error {
	if sc.Format != SidecarFormat {
		return fmt.Errorf("format %q, want %q", sc.Format, SidecarFormat)
	}
	if len(sc.Slots) == 0 || len(sc.Slots) > 10000 {
		return fmt.Errorf("%d stamp slots", len(sc.Slots))
	}
	if sc.Slots[0].Obj < 2 || sc.Slots[0].Obj > 100_000_000 {
		return fmt.Errorf("bad first slot object %d", sc.Slots[0].Obj)
	}
	first := sc.Slots[0].Obj
	for i, s := range sc.Slots {
		if s.Obj != first+i {
			return errors.New("stamp slots are not numbered consecutively")
		}
		if !(s.W > 0 && s.H > 0 && s.W < 1e5 && s.H < 1e5) {
			return fmt.Errorf("stamp slot %d: bad size %g × %g", s.Obj, s.W, s.H)
		}
	}
	if sc.Info != first+len(sc.Slots) || sc.Objects != sc.Info+1 {
		return errors.New("object numbers do not follow the base layout")
	}
	if sc.Root < 1 || sc.Root >= first {
		return fmt.Errorf("bad root object %d", sc.Root)
	}
	if !hexID.MatchString(sc.ID) || len(sc.PrefixSHA256) != 64 || sc.PrefixSHA256[:32] != sc.ID {
		return errors.New("bad ID or prefix hash")
	}
	if sc.PrefixLen <= 0 || sc.BaseSize <= sc.PrefixLen {
		return errors.New("bad sizes")
	}
	offs, err := decodeOffsets(sc.Offsets, first-1)
	if err != nil {
		return fmt.Errorf("offsets: %w", err)
	}
	if len(offs) > 0 && offs[len(offs)-1] >= sc.PrefixLen {
		return errors.New("offsets: past the prefix")
	}
	sc.offsets = offs
	return nil
}

func encodeOffsets(offs []int64) (string, error) {
	var raw []byte
	prev := int64(0)
	for _, o := range offs {
		raw = binary.AppendUvarint(raw, uint64(o-prev))
		prev = o
	}
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.BestCompression)
	if err != nil {
		return "", err
	}
	w.Write(raw)
	if err := w.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

// decodeOffsets decodes exactly n strictly increasing offsets.
func decodeOffsets(s string, n int) ([]int64, error) {
	comp, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	// Each offset takes at least one byte: refuse to inflate more than a
	// generous bound, so a broken sidecar cannot exhaust memory.
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(comp)), int64(n)*binary.MaxVarintLen64+1))
	if err != nil {
		return nil, err
	}
	offs := make([]int64, 0, min(n, len(raw)))
	prev := int64(0)
	for len(raw) > 0 {
		d, k := binary.Uvarint(raw)
		if k <= 0 || d == 0 || d > 1<<40 {
			return nil, errors.New("bad delta")
		}
		raw = raw[k:]
		prev += int64(d)
		offs = append(offs, prev)
	}
	if len(offs) != n {
		return nil, fmt.Errorf("%d offsets, want %d", len(offs), n)
	}
	return offs, nil
}
