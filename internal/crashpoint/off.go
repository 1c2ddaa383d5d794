//go:build !crashpoints

package crashpoint

import (
	"context"
	"io"
)

func reach(context.Context, string) {}

func reader(_ context.Context, _ string, r io.Reader) io.Reader { return r }
