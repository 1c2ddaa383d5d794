package dossier

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestSmoke(t *testing.T) {
	dir := t.TempDir()
	makePDF(t, filepath.Join(dir, "a.pdf"), testPage{marker: "MARKA1"}, testPage{marker: "MARKA2", rotate: 90}, testPage{marker: "MARKA3", media: []float64{100, 100, 695, 942}, crop: []float64{150, 150, 645, 892}})
	info, err := Ingest(context.Background(), filepath.Join(dir, "a.pdf"), filepath.Join(dir, "a.n.pdf"), DefaultLimits())
	t.Log(info, err)
	writeFile(t, filepath.Join(dir, "b.jpg"), withJFIF(encodeJPEG(t, scanImage(1200, 800, false)), 300))
	info, err = Ingest(context.Background(), filepath.Join(dir, "b.jpg"), filepath.Join(dir, "b.n.pdf"), DefaultLimits())
	t.Log(info, err)
	docs := []Document{
		{Volume: 1, VolumeTitle: "诉讼文书卷", Seq: 1, Title: "起诉意见书", Path: filepath.Join(dir, "a.n.pdf")},
		{Volume: 2, VolumeTitle: "证据材料卷", Seq: 1, Title: "现场照片", Path: filepath.Join(dir, "b.n.pdf")},
	}
	m, err := AssembleBase(context.Background(), CaseInfo{CaseNo: "京检刑诉〔2025〕12号", Title: "张某某盗窃案", Unit: "北京市某区人民检察院", Date: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}, docs, filepath.Join(dir, "base.pdf"), AssembleOptions{})
	t.Log(m, err)
	if err != nil {
		t.Fatal(err)
	}
	err = StampCopy(context.Background(), filepath.Join(dir, "base.pdf"), filepath.Join(dir, "copy.pdf"), Stamp{Name: "李四", License: "11101200010123456", Ref: "YJ-2025-0001", Date: time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)})
	t.Log(err)
	run(t, "cp", filepath.Join(dir, "base.pdf"), filepath.Join(dir, "copy.pdf"), "/tmp/exp/")
	qpdfCheck(t, filepath.Join(dir, "base.pdf"))
	qpdfCheck(t, filepath.Join(dir, "copy.pdf"))
	for i := 1; i <= m.Pages; i++ {
		t.Log(i, pageText(t, filepath.Join(dir, "copy.pdf"), i))
	}
}
