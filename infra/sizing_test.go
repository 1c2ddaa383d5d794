package infra

import (
	"testing"

	"github.com/yuejuan/yuejuan/pkg/dossier"
)

// The assemble function is sized for the largest dossier the code builds
// (docs/benchmarks.md, "Streaming base assembly"): /tmp holds the
// materials and the base, each up to dossier.DefaultMaxBytes; memory holds
// the base build at its page ceiling (measured 230 MiB) and the S3 transfer
// buffers.
func TestAssembleSizing(t *testing.T) {
	fns := load(t).functions(t)
	f := fns["assemble"]
	if f == nil {
		t.Fatal("no assemble function")
	}
	mem, _ := f.props["MemorySize"].(int)
	if mem < 1024 || mem > 3008 {
		t.Errorf("assemble MemorySize %d MB: the build peaks at 230 MiB plus transfer buffers; want 1024 (3x headroom) to 3008", mem)
	}
	tmp, _ := get(f.props["EphemeralStorage"], "Size").(int)
	if need := int(2*dossier.DefaultMaxBytes>>20) + 1024; tmp < need {
		t.Errorf("assemble EphemeralStorage %d MB: materials and base at the byte ceiling need %d MB", tmp, need)
	}
	if to, _ := f.props["Timeout"].(int); to != 900 {
		t.Errorf("assemble Timeout %d s, want 900 (the largest case downloads, builds and uploads 2 x 4 GiB)", to)
	}
}
