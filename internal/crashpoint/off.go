//go:build !crashpoints

package crashpoint

import (
	"context"
	"io"
)

func reach(context.Context, string) {}

func reader(_ context.Context, _ string, r io.Reader) io.Reader { return r }

func writer(_ context.Context, _ string, w io.Writer) io.Writer { return w }
