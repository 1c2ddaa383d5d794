package assemble_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/yuejuan/yuejuan/pkg/assemble"
	"github.com/yuejuan/yuejuan/pkg/dossier"
)

// A case over the page or byte ceiling is refused with the figures, and no
// base is written.
func TestTooLargeCaseIsRefused(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c, ms := r.setup(ctx)
	r.ingestAll(ctx, c, ms)
	cur, err := r.cases.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := r.approved(ctx, c, lawyerA, "张律师")

	// Pages: the three one-page materials and the cover are 4 pages,
	// known from the materials before anything is downloaded.
	r.builder.MaxPages = 3
	err = r.builder.Application(ctx, a.ID)
	var tl *dossier.TooLargeError
	if !errors.As(err, &tl) || tl.Pages != 4 || tl.MaxPages != 3 {
		t.Fatalf("want a TooLargeError for 4 pages over 3, got %v", err)
	}
	for _, s := range []string{"4 pages", "the limit is 3", "共 4 页", "3 页的上限"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("the refusal does not say %q: %v", s, err)
		}
	}
	// Bytes: counted as the materials are downloaded.
	r.builder.MaxPages, r.builder.MaxBytes = 0, 1000
	err = r.builder.Application(ctx, a.ID)
	if !errors.As(err, &tl) || tl.Bytes <= 1000 || tl.MaxBytes != 1000 {
		t.Fatalf("want a TooLargeError over 1000 bytes, got %v", err)
	}
	if !strings.Contains(err.Error(), "the limit is 1.0 KB") {
		t.Errorf("the refusal does not name the limit: %v", err)
	}
	if ok, err := r.dossiers.Exists(ctx, assemble.BaseKey(cur.ID, cur.ContentVersion)); err != nil || ok {
		t.Errorf("a base was written for a refused case (%v)", err)
	}

	// Within the ceilings the same case is built.
	r.builder.MaxPages, r.builder.MaxBytes = 0, 0
	if err := r.builder.Application(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	r.settled(ctx, c, a)
}
