// Package sqlitestore is the SQLite driver of store.Table: one table, items,
// keyed by (pk, sk) with two partial indexes for the global secondary indexes.
// It uses modernc.org/sqlite (pure Go, no cgo) through database/sql.
//
// A file database runs in WAL mode: readers use a pool of connections and
// never block the writer; all writes of one Table go through a single
// connection (so writers in this process queue in Go instead of failing with
// SQLITE_BUSY), transactions begin IMMEDIATE, and busy_timeout makes writers in
// other processes wait for the lock. An in-memory database (":memory:") lives
// on exactly one connection, shared by readers and writers.
package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/yuejuan/yuejuan/pkg/store"
)

// DefaultLimit is the page size of a Query whose Limit is 0.
const DefaultLimit = 1000

// busyTimeout is how long a connection waits for a lock held by another
// connection (in practice: another process) before failing with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

const schemaVersion = 1

const schema = `
CREATE TABLE IF NOT EXISTS items (
	pk         TEXT    NOT NULL,
	sk         TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	data       BLOB    NOT NULL,
	gsi1pk     TEXT,
	gsi1sk     TEXT,
	gsi2pk     TEXT,
	gsi2sk     TEXT,
	expires_at INTEGER,
	PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_gsi2 ON items (gsi2pk, gsi2sk, pk, sk) WHERE gsi2pk IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_expires ON items (expires_at) WHERE expires_at IS NOT NULL;
`

// Table is a store.Table backed by one SQLite database.
type Table struct {
	r, w *sql.DB // readers and the single writer; the same pool for :memory:
	// now is the clock used for expiry; tests may replace it.
	now func() time.Time
	// get is Get's statement, prepared once: parsing the SQL on every call
	// cost more than running it.
	get *sql.Stmt
}

var _ store.Table = (*Table)(nil)

const getSQL = `SELECT ` + columns + ` FROM items WHERE pk = ? AND sk = ? AND ` + live

// oneConnection keeps db to a single connection, held for good: the one
// writer (SQLite takes one at a time), or the one connection that is an
// in-memory database.
func oneConnection(db *sql.DB) {
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
}

// Open opens (creating if needed) the SQLite database at path, or a private
// in-memory database when path is ":memory:", and makes sure the items table
// and its indexes exist.
func Open(path string) (*Table, error) {
	if path == "" {
		return nil, errors.New("sqlitestore: open: empty path")
	}
	var t *Table
	if path == ":memory:" {
		// Every new connection to ":memory:" would be a different, empty
		// database, so keep exactly one connection and never let it go.
		db, err := sql.Open("sqlite", ":memory:?_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
		}
		oneConnection(db)
		t = &Table{r: db, w: db, now: time.Now}
	} else {
		if strings.ContainsRune(path, '?') {
			return nil, fmt.Errorf("sqlitestore: open %s: path must not contain '?'", path)
		}
		params := fmt.Sprintf("?_txlock=immediate&_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)",
			busyTimeout.Milliseconds())
		w, err := sql.Open("sqlite", path+params)
		if err != nil {
			return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
		}
		oneConnection(w)
		// The schema (and WAL mode, which is persistent) is set up on the
		// writer before any reader connects.
		if err := migrate(w); err != nil {
			w.Close()
			return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
		}
		r, err := sql.Open("sqlite", path+params+"&_query_only=1")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
		}
		n := max(4, runtime.GOMAXPROCS(0))
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		if err := r.Ping(); err != nil {
			r.Close()
			w.Close()
			return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
		}
		t = &Table{r: r, w: w, now: time.Now}
		if t.get, err = r.Prepare(getSQL); err != nil {
			t.Close()
			return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
		}
		return t, nil
	}
	if err := migrate(t.w); err != nil {
		t.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	var err error
	if t.get, err = t.r.Prepare(getSQL); err != nil {
		t.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	return t, nil
}

func migrate(db *sql.DB) error {
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > schemaVersion {
		return fmt.Errorf("schema version %d is newer than this program's %d", v, schemaVersion)
	}
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return fmt.Errorf("write schema version: %w", err)
	}
	return tx.Commit()
}

// Close closes the database. The Table must not be used afterwards.
func (t *Table) Close() error {
	var err error
	if t.get != nil {
		err = t.get.Close()
	}
	err = errors.Join(err, t.w.Close())
	if t.r != t.w {
		err = errors.Join(err, t.r.Close())
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: close: %w", err)
	}
	return nil
}

// nowMillis is the expiry clock: an item with expires_at <= nowMillis is gone.
func (t *Table) nowMillis() int64 { return t.now().UnixMilli() }

// live is the SQL condition for "not expired"; it takes the current time in
// Unix milliseconds as its one parameter.
const live = `(expires_at IS NULL OR expires_at > ?)`

const columns = `pk, sk, version, data, gsi1pk, gsi1sk, gsi2pk, gsi2sk, expires_at`

func where(pk, sk string) string { return "items/" + pk + "/" + sk }

// Get implements store.Table.
func (t *Table) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	row := t.get.QueryRowContext(ctx, pk, sk, t.nowMillis())
	it, err := scanItem(row)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Item{}, fmt.Errorf("sqlitestore: get %s: %w", where(pk, sk), store.ErrNotFound)
	}
	if err != nil {
		return store.Item{}, fmt.Errorf("sqlitestore: get %s: %w", where(pk, sk), err)
	}
	return it, nil
}

// Put implements store.Table.
func (t *Table) Put(ctx context.Context, it store.Item) (int64, error) {
	if it.PK == "" || it.SK == "" {
		return 0, fmt.Errorf("sqlitestore: put %s: empty primary key", where(it.PK, it.SK))
	}
	data := it.Data
	if data == nil {
		data = []byte{}
	}
	g1pk, g1sk := indexKeys(it.GSI1PK, it.GSI1SK)
	g2pk, g2sk := indexKeys(it.GSI2PK, it.GSI2SK)
	var exp any
	if !it.ExpiresAt.IsZero() {
		exp = it.ExpiresAt.UnixMilli()
	}
	now := t.nowMillis()

	var (
		res  sql.Result
		err  error
		next int64
	)
	if it.Version == 0 {
		// Insert, or replace an expired item; a live one is a conflict.
		next = 1
		res, err = t.w.ExecContext(ctx, `INSERT INTO items (`+columns+`)
			VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (pk, sk) DO UPDATE SET
				version = 1, data = excluded.data,
				gsi1pk = excluded.gsi1pk, gsi1sk = excluded.gsi1sk,
				gsi2pk = excluded.gsi2pk, gsi2sk = excluded.gsi2sk,
				expires_at = excluded.expires_at
			WHERE items.expires_at IS NOT NULL AND items.expires_at <= ?`,
			it.PK, it.SK, data, g1pk, g1sk, g2pk, g2sk, exp, now)
	} else {
		next = it.Version + 1
		res, err = t.w.ExecContext(ctx, `UPDATE items SET
				version = ?, data = ?, gsi1pk = ?, gsi1sk = ?, gsi2pk = ?, gsi2sk = ?, expires_at = ?
			WHERE pk = ? AND sk = ? AND version = ? AND `+live,
			next, data, g1pk, g1sk, g2pk, g2sk, exp, it.PK, it.SK, it.Version, now)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: put %s: %w", where(it.PK, it.SK), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: put %s: %w", where(it.PK, it.SK), err)
	}
	if n == 0 {
		if it.Version == 0 {
			return 0, fmt.Errorf("sqlitestore: put %s: item exists: %w", where(it.PK, it.SK), store.ErrConflict)
		}
		return 0, fmt.Errorf("sqlitestore: put %s: version %d not stored: %w", where(it.PK, it.SK), it.Version, store.ErrConflict)
	}
	return next, nil
}

// indexKeys maps an item's index key pair to column values: an empty
// partition key means "not in the index" and is stored as NULL (the partial
// indexes leave such rows out); the sort key is kept as given.
func indexKeys(pk, sk string) (any, any) {
	if pk == "" {
		return nil, sk
	}
	return pk, sk
}

// Delete implements store.Table.
func (t *Table) Delete(ctx context.Context, pk, sk string, version int64) error {
	fail := func(err error) error {
		return fmt.Errorf("sqlitestore: delete %s: %w", where(pk, sk), err)
	}
	tx, err := t.w.BeginTx(ctx, nil) // BEGIN IMMEDIATE (see _txlock)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()
	var stored int64
	err = tx.QueryRowContext(ctx, `SELECT version FROM items WHERE pk = ? AND sk = ? AND `+live,
		pk, sk, t.nowMillis()).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return fail(store.ErrNotFound)
	}
	if err != nil {
		return fail(err)
	}
	if stored != version {
		return fail(fmt.Errorf("stored version is %d, not %d: %w", stored, version, store.ErrConflict))
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM items WHERE pk = ? AND sk = ?`, pk, sk); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return nil
}

// PurgeExpired physically deletes the items that have expired and reports
// how many it deleted. Expired items are already invisible; this only
// reclaims their space (as DynamoDB's TTL sweeper does).
func (t *Table) PurgeExpired(ctx context.Context) (int64, error) {
	res, err := t.w.ExecContext(ctx,
		`DELETE FROM items WHERE expires_at IS NOT NULL AND expires_at <= ?`, t.nowMillis())
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: purge expired items: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: purge expired items: %w", err)
	}
	return n, nil
}

// cursor is the decoded form of Page.Next: the position of the last item
// returned, in the queried index's order. It is encoded as length-prefixed
// fields (not JSON, which would mangle keys that are not valid UTF-8) in
// unpadded URL-safe base64.
type cursor struct {
	Index string // index queried
	PK    string // partition queried, to refuse a cursor of another query
	SK    string // sort key of the last item on that index
	// TPK and TSK are the table key of the last item; on a GSI the sort key
	// need not be unique, so the position includes them.
	TPK, TSK string
}

const cursorFormat = 1

func (c cursor) encode() string {
	b := []byte{cursorFormat}
	for _, f := range []string{c.Index, c.PK, c.SK, c.TPK, c.TSK} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

var errBadCursor = errors.New("invalid cursor")

func decodeCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || b[0] != cursorFormat {
		return cursor{}, errBadCursor
	}
	b = b[1:]
	var f [5]string
	for i := range f {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return cursor{}, errBadCursor
		}
		f[i] = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	if len(b) != 0 {
		return cursor{}, errBadCursor
	}
	return cursor{Index: f[0], PK: f[1], SK: f[2], TPK: f[3], TSK: f[4]}, nil
}

// Query implements store.Table.
func (t *Table) Query(ctx context.Context, q store.Query) (store.Page, error) {
	fail := func(err error) (store.Page, error) {
		name := q.Index
		if name == store.Primary {
			name = "primary"
		}
		return store.Page{}, fmt.Errorf("sqlitestore: query items %s/%s: %w", name, q.PK, err)
	}
	var pkCol, skCol string
	switch q.Index {
	case store.Primary:
		pkCol, skCol = "pk", "sk"
	case store.GSI1:
		pkCol, skCol = "gsi1pk", "gsi1sk"
	case store.GSI2:
		pkCol, skCol = "gsi2pk", "gsi2sk"
	default:
		return fail(fmt.Errorf("unknown index %q", q.Index))
	}
	if q.PK == "" {
		return fail(errors.New("empty partition key"))
	}
	if q.Limit < 0 {
		return fail(fmt.Errorf("negative limit %d", q.Limit))
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
	}

	var sb strings.Builder
	args := []any{q.PK, t.nowMillis()}
	fmt.Fprintf(&sb, `SELECT %s FROM items WHERE %s = ? AND %s`, columns, pkCol, live)
	if q.SKPrefix != "" {
		sb.WriteString(` AND ` + skCol + ` >= ?`)
		args = append(args, q.SKPrefix)
		if end, ok := prefixEnd(q.SKPrefix); ok {
			sb.WriteString(` AND ` + skCol + ` < ?`)
			args = append(args, end)
		}
	}
	if q.SKFrom != "" {
		sb.WriteString(` AND ` + skCol + ` >= ?`)
		args = append(args, q.SKFrom)
	}
	if q.SKTo != "" {
		sb.WriteString(` AND ` + skCol + ` <= ?`)
		args = append(args, q.SKTo)
	}
	op, dir := ">", "ASC"
	if q.Desc {
		op, dir = "<", "DESC"
	}
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil {
			return fail(err)
		}
		if c.Index != q.Index || c.PK != q.PK {
			return fail(errors.New("cursor belongs to another query"))
		}
		if q.Index == store.Primary {
			fmt.Fprintf(&sb, ` AND sk %s ?`, op)
			args = append(args, c.SK)
		} else {
			fmt.Fprintf(&sb, ` AND (%s, pk, sk) %s (?, ?, ?)`, skCol, op)
			args = append(args, c.SK, c.TPK, c.TSK)
		}
	}
	if q.Index == store.Primary {
		fmt.Fprintf(&sb, ` ORDER BY sk %s`, dir)
	} else {
		fmt.Fprintf(&sb, ` ORDER BY %[1]s %[2]s, pk %[2]s, sk %[2]s`, skCol, dir)
	}
	sb.WriteString(` LIMIT ?`)
	args = append(args, limit+1) // one more, to know whether there is a next page

	rows, err := t.r.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	var page store.Page
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return fail(err)
		}
		page.Items = append(page.Items, it)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		c := cursor{Index: q.Index, PK: q.PK, SK: last.SortKey(q.Index)}
		if q.Index != store.Primary {
			c.TPK, c.TSK = last.PK, last.SK
		}
		page.Next = c.encode()
	}
	return page, nil
}

// prefixEnd returns the smallest string greater than every string that starts
// with p (bytewise), or false if there is none (p is all 0xFF bytes).
func prefixEnd(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xFF {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

type scanner interface{ Scan(dest ...any) error }

func scanItem(s scanner) (store.Item, error) {
	var (
		it                     store.Item
		g1pk, g1sk, g2pk, g2sk sql.NullString
		exp                    sql.NullInt64
	)
	if err := s.Scan(&it.PK, &it.SK, &it.Version, &it.Data, &g1pk, &g1sk, &g2pk, &g2sk, &exp); err != nil {
		return store.Item{}, err
	}
	if it.Data == nil {
		it.Data = []byte{}
	}
	it.GSI1PK, it.GSI1SK = g1pk.String, g1sk.String
	it.GSI2PK, it.GSI2SK = g2pk.String, g2sk.String
	if exp.Valid {
		it.ExpiresAt = time.UnixMilli(exp.Int64).UTC()
	}
	return it, nil
}
