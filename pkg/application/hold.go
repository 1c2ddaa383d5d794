package application

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yuejuan/yuejuan/pkg/casefile"
	"github.com/yuejuan/yuejuan/pkg/msg"
)

// Hold is why an approved application's dossier waits: a dossier is built
// only from a case whose every material is decided (accepted or rejected,
// with the verdict's follow-ups written), never from part of it. The
// assemble job sets it when it finds materials undecided, keeps its list
// current on each retry, and clears it when the dossier is ready. The
// application stays approved meanwhile: the lawyer's reply is given; only the
// download waits.
type Hold struct {
	// Since is when the dossier first waited (this time round).
	Since time.Time `json:"since"`
	// Reason says it in Chinese and English, for the clerk's page.
	Reason string `json:"reason"`
	// Materials are the case's materials not decided, as last seen.
	Materials []HeldMaterial `json:"materials"`
}

// HeldMaterial is one material a dossier waits for.
type HeldMaterial struct {
	ID       string                  `json:"id"`
	Volume   int                     `json:"volume"`
	Seq      int                     `json:"seq"`
	Title    string                  `json:"title"`
	Filename string                  `json:"filename"`
	Status   casefile.MaterialStatus `json:"status"`
}

// Label names the material as the table of contents does: 第1卷第3号《讯问笔录》.
func (m HeldMaterial) Label() string {
	return fmt.Sprintf("第%d卷第%d号《%s》", m.Volume, m.Seq, m.Title)
}

// StatusText says where the material stands, in Chinese.
func (m HeldMaterial) StatusText() string {
	switch m.Status {
	case casefile.AwaitingUpload:
		return "待上传"
	case casefile.Processing:
		return "检查中"
	}
	return "结果登记中" // decided, its follow-ups not all written yet
}

// HeldMaterials describes ms for a Hold.
func HeldMaterials(ms []*casefile.Material) []HeldMaterial {
	out := make([]HeldMaterial, 0, len(ms))
	for _, m := range ms {
		out = append(out, HeldMaterial{ID: m.ID, Volume: m.Volume, Seq: m.Seq, Title: m.Title, Filename: m.Filename, Status: m.Status})
	}
	return out
}

// HoldReason is the Hold's reason for the materials ms.
func HoldReason(ms []HeldMaterial) string {
	var wait, up int
	for _, m := range ms {
		if m.Status == casefile.AwaitingUpload {
			up++
		} else {
			wait++
		}
	}
	var zh, en []string
	if up > 0 {
		zh = append(zh, fmt.Sprintf("%d 份尚未上传", up))
		en = append(en, fmt.Sprintf("%d not uploaded yet", up))
	}
	if wait > 0 {
		zh = append(zh, fmt.Sprintf("%d 份正在检查", wait))
		en = append(en, fmt.Sprintf("%d still being checked", wait))
	}
	return msg.DossierWaits.Format(
		strings.Join(zh, "，"), strings.Join(en, ", "))
}

// SameMaterials reports whether two lists name the same materials in the
// same states.
func SameMaterials(a, b []HeldMaterial) bool {
	return slices.Equal(a, b)
}
