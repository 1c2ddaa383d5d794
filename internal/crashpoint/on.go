//go:build crashpoints

package crashpoint

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

func chosen(name string) bool {
	p := os.Getenv(Env)
	if p == "" {
		return false
	}
	if pre, ok := strings.CutSuffix(p, "*"); ok {
		return strings.HasPrefix(name, pre)
	}
	return name == p
}

func reach(ctx context.Context, name string) {
	if !chosen(name) {
		return
	}
	fmt.Fprintln(os.Stderr, Reached+name)
	<-ctx.Done()
}

func reader(ctx context.Context, name string, r io.Reader) io.Reader {
	if !chosen(name) {
		return r
	}
	return &stopReader{ctx: ctx, name: name, r: r}
}

type stopReader struct {
	ctx  context.Context
	name string
	r    io.Reader
	n    int
}

func (s *stopReader) Read(p []byte) (int, error) {
	if s.n > 0 {
		reach(s.ctx, s.name)
		return 0, s.ctx.Err()
	}
	n, err := s.r.Read(p)
	s.n += n
	return n, err
}
