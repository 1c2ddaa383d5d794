// Package faults injects failures into the real stores, for tests: a
// store.Table and a *blob.Bucket that behave exactly like the ones they wrap
// until a Rule says the next call fails — the Nth put of a key, a write that
// breaks after so many bytes, a copy that never happens, or a hook that runs
// at that point (to cancel a context, as if the worker were killed there).
//
// A Plan holds the rules and counts the calls; wrap the stores with Table
// and Bucket, hand the wrapped ones to the code under test, add rules, run,
// and look at what the real stores were left with.
package faults

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// ErrInjected is the error a failing call returns unless the rule names
// another.
var ErrInjected = errors.New("faults: injected failure")

// Op names an operation that can fail.
type Op string

// The operations.
const (
	TableGet    Op = "table.get"
	TablePut    Op = "table.put"
	TableDelete Op = "table.delete"
	TableQuery  Op = "table.query"

	BlobWrite      Op = "blob.write"      // opening a writer, or (with After) writing past After bytes
	BlobClose      Op = "blob.close"      // committing a written object
	BlobRead       Op = "blob.read"       // opening a reader, or (with After) reading past After bytes
	BlobAttributes Op = "blob.attributes" // Attributes and Exists
	BlobCopy       Op = "blob.copy"
	BlobDelete     Op = "blob.delete"
	BlobList       Op = "blob.list"
)

// Rule makes matching calls fail.
type Rule struct {
	Op Op
	// Key, when set, must be a substring of the call's key: "PK/SK" for the
	// table (the query's index/PK for queries), the object key for buckets.
	Key string
	// Match, when set, must also accept the key.
	Match func(key string) bool
	// DataContains, for TablePut, must be a substring of the item's data
	// (e.g. `"action":"link.issue"` to fail one kind of audit record).
	DataContains string
	// Nth is the first matching call that fails, 1-based (0 means 1).
	Nth int
	// Count is how many matching calls fail from the Nth on (0 means 1;
	// negative means every one from the Nth on).
	Count int
	// After, for BlobWrite and BlobRead, lets this many bytes through before
	// the failure, so the failure happens mid-transfer.
	After int64
	// Err is returned by the failing call (ErrInjected if nil).
	Err error
	// Hook, if set, runs at the failure point, before the error is
	// returned (e.g. to cancel the worker's context, as a kill would).
	Hook func()

	plan  *Plan
	seen  int // matching calls so far
	fired int // failures so far
}

func (r *Rule) matches(op Op, key string, data []byte) bool {
	if r.Op != op {
		return false
	}
	if r.Key != "" && !strings.Contains(key, r.Key) {
		return false
	}
	if r.DataContains != "" && !bytes.Contains(data, []byte(r.DataContains)) {
		return false
	}
	return r.Match == nil || r.Match(key)
}

// Fired reports how many times the rule made a call fail.
func (r *Rule) Fired() int {
	r.plan.mu.Lock()
	defer r.plan.mu.Unlock()
	return r.fired
}

// Plan is a set of rules and a count of calls.
type Plan struct {
	mu    sync.Mutex
	rules []*Rule
	calls map[Op]int
	log   []string
}

// NewPlan returns an empty plan: nothing fails.
func NewPlan() *Plan { return &Plan{calls: map[Op]int{}} }

// Add adds a rule and returns it (for Fired).
func (p *Plan) Add(r Rule) *Rule {
	p.mu.Lock()
	defer p.mu.Unlock()
	rr := r
	rr.plan = p
	p.rules = append(p.rules, &rr)
	return &rr
}

// Reset removes every rule (calls keep being counted).
func (p *Plan) Reset() {
	p.mu.Lock()
	p.rules = nil
	p.mu.Unlock()
}

// Calls is how many calls of op were made.
func (p *Plan) Calls(op Op) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[op]
}

// Injected lists the failures injected so far, as "op key" lines.
func (p *Plan) Injected() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

// check counts a call and returns the rule that makes it fail, if any.
// For mid-transfer rules (After > 0) the caller applies the failure later.
func (p *Plan) check(op Op, key string, data []byte) *Rule {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[op]++
	var hit *Rule
	for _, r := range p.rules {
		if !r.matches(op, key, data) {
			continue
		}
		r.seen++
		nth := max(r.Nth, 1)
		count := r.Count
		if count == 0 {
			count = 1
		}
		if hit == nil && r.seen >= nth && (count < 0 || r.seen < nth+count) {
			hit = r
		}
	}
	if hit != nil {
		hit.fired++
		p.log = append(p.log, fmt.Sprintf("%s %s", op, key))
	}
	return hit
}

// fail runs the rule's hook and returns its error.
func (r *Rule) fail(op Op, key string) error {
	if r.Hook != nil {
		r.Hook()
	}
	err := r.Err
	if err == nil {
		err = ErrInjected
	}
	return fmt.Errorf("%s %s: %w", op, key, err)
}
