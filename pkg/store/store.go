// Package store is yuejuan's metadata store: a small, portable driver
// interface over a key-value table with optimistic concurrency, shaped so that
// it maps one-to-one onto a DynamoDB table (partition key, sort key, two
// global secondary indexes, TTL) and onto a single SQLite table.
//
// Domain packages (application, audit, link, casefile) keep their records in
// a Table and never see which driver is underneath. Every driver must pass the
// contract suite in package storetest.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned (possibly wrapped) when an item does not exist or
// has expired. Test with errors.Is.
var ErrNotFound = errors.New("store: item not found")

// ErrConflict is returned (possibly wrapped) when a conditional write fails:
// Put of a new item (Version 0) whose key already exists, or Put/Delete of an
// item whose stored version differs from the one given. The caller must
// re-read and retry, or give up. Test with errors.Is.
var ErrConflict = errors.New("store: conditional write failed")

// Item is one record. PK and SK form its primary key; both must be
// non-empty. Data is an opaque
// document (JSON by convention) the store never interprets.
type Item struct {
	PK, SK string
	// Version is the item's revision as stored. A new item is written with
	// Version 0; Put returns the stored version (1 for a new item).
	Version int64
	Data    []byte
	// GSI1PK/GSI1SK and GSI2PK/GSI2SK are optional secondary index keys. An
	// item with an empty index partition key is absent from that index.
	GSI1PK, GSI1SK string
	GSI2PK, GSI2SK string
	// ExpiresAt, when non-zero, is when the item stops existing: reads and
	// queries must not return it after that instant even if the backend has
	// not yet physically deleted it (DynamoDB TTL deletes lazily). It is
	// kept to whole seconds.
	ExpiresAt time.Time
}

// Index names for Query.Index.
const (
	Primary = ""
	GSI1    = "gsi1"
	GSI2    = "gsi2"
)

// TimeKey writes t for a sort key: UTC at nanosecond precision, fixed
// width, so that keys sort as their times do.
func TimeKey(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// Now is clock's time in UTC, or the wall clock's when clock is nil: the time
// a repository stamps on what it writes (tests set the clock).
func Now(clock func() time.Time) time.Time {
	if clock != nil {
		return clock().UTC()
	}
	return time.Now().UTC()
}

// SortKey is the item's sort key on index (Primary, GSI1 or GSI2): what a
// query of that index orders and bounds it by.
func (it Item) SortKey(index string) string {
	switch index {
	case GSI1:
		return it.GSI1SK
	case GSI2:
		return it.GSI2SK
	}
	return it.SK
}

// Query selects items of one partition of the primary key or of an index,
// ordered by sort key (bytewise ascending unless Desc).
type Query struct {
	Index string // Primary, GSI1 or GSI2
	PK    string // partition key value on that index; required
	// SKPrefix restricts to sort keys starting with it.
	SKPrefix string
	// SKFrom and SKTo, when set, bound the sort key inclusively. Use either
	// SKPrefix or a range, not both: DynamoDB allows one key condition.
	SKFrom, SKTo string
	Desc         bool
	// Limit caps the number of items per page; 0 means the driver's default
	// (at most 1000). A page may hold fewer items than Limit even when more
	// follow (DynamoDB caps pages at 1 MB and filters expired items late):
	// only an empty Next means the end.
	Limit int
	// Cursor continues a previous query; it is the Next of the prior Page and
	// opaque to callers.
	Cursor string
}

// Page is one page of query results. Next is empty on the last page.
type Page struct {
	Items []Item
	Next  string
}

// Table is the driver interface. Implementations must be safe for concurrent
// use, and every write must be atomic: a reader sees either the old or the
// new item, never a mix.
type Table interface {
	// Get returns the item with the given key, or an error for which
	// errors.Is(err, ErrNotFound) holds.
	Get(ctx context.Context, pk, sk string) (Item, error)
	// Put writes it conditionally: when it.Version is 0 the key must not
	// exist (an expired item counts as absent); otherwise the stored version
	// must equal it.Version. On success it returns the new stored version;
	// on a failed condition an error for which errors.Is(err, ErrConflict).
	Put(ctx context.Context, it Item) (int64, error)
	// Delete removes the item if its stored version equals version
	// (ErrConflict otherwise, ErrNotFound if absent).
	Delete(ctx context.Context, pk, sk string, version int64) error
	// Query returns one page of items matching q. Secondary index queries
	// may be eventually consistent (as on DynamoDB): read by primary key
	// when a just-written item must be seen.
	Query(ctx context.Context, q Query) (Page, error)
	// Close releases the driver's resources.
	Close() error
}
