// Package crashpoint lets the crash tests stop a background job at a named
// point, so that they can kill the process (kill -9) exactly there: while
// the job is in the middle of its work, with its temporary files, its lease
// and whatever it has written so far left behind.
//
// It is compiled in only with the build tag "crashpoints", which the crash
// tests build the binary with (cmd/yuejuan/crash_test.go). Without the tag
// (every other build, and every release) Reach and Reader do nothing and the
// environment is not read.
//
// With the tag, YUEJUAN_CRASHPOINT names the point: a job that reaches it
// writes "crashpoint reached: NAME" to standard error and blocks until its
// context ends (the test kills the process meanwhile). A name ending in "*"
// matches every point that begins with the rest.
package crashpoint

import (
	"context"
	"io"
)

// Env is the environment variable naming the point to stop at.
const Env = "YUEJUAN_CRASHPOINT"

// Reached is what is written to standard error when a job stops at a point.
const Reached = "crashpoint reached: "

// Reach stops the calling job at point name, if that is the point chosen.
func Reach(ctx context.Context, name string) { reach(ctx, name) }

// Reader returns r, or, if name is the point chosen, a reader that passes
// the first chunk read through and stops at the next read: a write copied
// from it is left half done.
func Reader(ctx context.Context, name string, r io.Reader) io.Reader { return reader(ctx, name, r) }

// Writer returns w, or, if name is the point chosen, a writer that passes
// half of the first write through and stops: what is written through it is
// left half done.
func Writer(ctx context.Context, name string, w io.Writer) io.Writer { return writer(ctx, name, w) }
