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

func writer(ctx context.Context, name string, w io.Writer) io.Writer {
	if !chosen(name) {
		return w
	}
	return &stopWriter{ctx: ctx, name: name, w: w}
}

type stopWriter struct {
	ctx  context.Context
	name string
	w    io.Writer
	n    int
}

// Write passes half of the first write through and stops: a writer that
// buffers (the base is written through a 1 MiB buffer) may write a small
// object in one call.
func (s *stopWriter) Write(p []byte) (int, error) {
	n := 0
	if s.n == 0 && len(p) > 1 {
		var err error
		n, err = s.w.Write(p[:len(p)/2])
		s.n += n
		if err != nil {
			return n, err
		}
	}
	reach(s.ctx, s.name)
	return n, s.ctx.Err()
}
