// Package dynamostore is the DynamoDB driver of store.Table: every item of a
// Table lives in one DynamoDB table with two global secondary indexes and a
// TTL attribute (see TableSchema for the layout).
//
// It uses only single-item conditional writes (PutItem, DeleteItem with a
// ConditionExpression), no transactions, so it also runs on dynalite, the
// DynamoDB implementation the tests use.
//
// Expiry: DynamoDB's TTL sweeper deletes expired items lazily (often hours
// later) and dynalite never does, so every read filters out items whose ttl
// has passed, and a conditional write treats such an item as absent. An item
// is expired when its ttl (epoch seconds) is at or before the current second,
// the same rule as the SQLite driver's.
package dynamostore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/yuejuan/yuejuan/pkg/store"
)

// DefaultLimit is the page size of a Query whose Limit is 0.
const DefaultLimit = 1000

// Attribute names of the table layout.
const (
	AttrPK      = "pk"     // S, table partition key
	AttrSK      = "sk"     // S, table sort key
	AttrVersion = "v"      // N, store.Item.Version
	AttrData    = "d"      // B, store.Item.Data; absent when empty
	AttrGSI1PK  = "gsi1pk" // S, absent when empty
	AttrGSI1SK  = "gsi1sk" // S, absent when empty
	AttrGSI2PK  = "gsi2pk" // S, absent when empty
	AttrGSI2SK  = "gsi2sk" // S, absent when empty
	AttrTTL     = "ttl"    // N, epoch seconds; the table's TTL attribute
)

// Table is a store.Table on one DynamoDB table. It is safe for concurrent use.
type Table struct {
	client *dynamodb.Client
	name   string
	// now is the clock used for expiry; tests may replace it.
	now func() time.Time
}

var _ store.Table = (*Table)(nil)

// New returns a Table on the existing DynamoDB table named table, which must
// have the layout of TableSchema (CreateTable makes one). The client is
// shared, not owned: Close does not affect it.
func New(client *dynamodb.Client, table string) *Table {
	return &Table{client: client, name: table, now: time.Now}
}

// Close implements store.Table. It releases nothing: the DynamoDB client
// belongs to the caller.
func (t *Table) Close() error { return nil }

// nowSec is the expiry clock: an item whose ttl <= nowSec has expired.
func (t *Table) nowSec() int64 { return t.now().Unix() }

// Condition fragments; :now is the current epoch second. "ttl" is a DynamoDB
// reserved word, so attributes are always named through placeholders (#pk,
// #v, #ttl).
const (
	condLive    = `(attribute_not_exists(#ttl) OR #ttl > :now)`
	condAbsent  = `(attribute_not_exists(#pk) OR #ttl <= :now)` // absent or expired
	condVersion = `#v = :v AND ` + condLive
)

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func (t *Table) where(pk, sk string) string { return t.name + "/" + pk + "/" + sk }

// key is the primary key attribute map of an item.
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: str(pk), AttrSK: str(sk)}
}

// Get implements store.Table, with a strongly consistent read.
func (t *Table) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	fail := func(err error) (store.Item, error) {
		return store.Item{}, fmt.Errorf("dynamostore: get %s: %w", t.where(pk, sk), err)
	}
	if pk == "" || sk == "" {
		// DynamoDB rejects empty key strings; no such item can exist.
		return fail(store.ErrNotFound)
	}
	out, err := t.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(t.name),
		Key:            key(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return fail(err)
	}
	if out.Item == nil || expired(out.Item, t.nowSec()) {
		return fail(store.ErrNotFound)
	}
	it, err := decodeItem(out.Item)
	if err != nil {
		return fail(err)
	}
	return it, nil
}

// Put implements store.Table with one conditional PutItem, which replaces the
// whole item (so cleared index keys and expiry disappear).
func (t *Table) Put(ctx context.Context, it store.Item) (int64, error) {
	fail := func(err error) (int64, error) {
		return 0, fmt.Errorf("dynamostore: put %s: %w", t.where(it.PK, it.SK), err)
	}
	if err := validate(it); err != nil {
		return fail(err)
	}
	if it.Version < 0 {
		return fail(fmt.Errorf("negative version %d", it.Version))
	}
	next := it.Version + 1
	av := encodeItem(it, next)
	in := &dynamodb.PutItemInput{
		TableName:                 aws.String(t.name),
		Item:                      av,
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(t.nowSec())},
	}
	if it.Version == 0 {
		in.ConditionExpression = aws.String(condAbsent)
		in.ExpressionAttributeNames = map[string]string{"#pk": AttrPK, "#ttl": AttrTTL}
	} else {
		in.ConditionExpression = aws.String(condVersion)
		in.ExpressionAttributeValues[":v"] = num(it.Version)
		in.ExpressionAttributeNames = map[string]string{"#v": AttrVersion, "#ttl": AttrTTL}
	}
	if _, err := t.client.PutItem(ctx, in); err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			if it.Version == 0 {
				return fail(fmt.Errorf("item exists: %w", store.ErrConflict))
			}
			return fail(fmt.Errorf("version %d not stored: %w", it.Version, store.ErrConflict))
		}
		return fail(err)
	}
	return next, nil
}

// validate checks what DynamoDB would refuse, or what it would store
// differently from what the caller gave.
func validate(it store.Item) error {
	if it.PK == "" || it.SK == "" {
		return errors.New("empty primary key")
	}
	for _, k := range []struct{ name, v string }{
		{"PK", it.PK}, {"SK", it.SK},
		{"GSI1PK", it.GSI1PK}, {"GSI1SK", it.GSI1SK},
		{"GSI2PK", it.GSI2PK}, {"GSI2SK", it.GSI2SK},
	} {
		// DynamoDB strings are UTF-8; the SDK would silently replace
		// invalid bytes, so the stored key would differ from the given one.
		if !utf8.ValidString(k.v) {
			return fmt.Errorf("%s %q is not valid UTF-8", k.name, k.v)
		}
	}
	// DynamoDB cannot index an empty sort key string: an item with an index
	// partition key but no sort key would silently be left out of the
	// index, so refuse it instead.
	if it.GSI1PK != "" && it.GSI1SK == "" {
		return errors.New("GSI1PK set but GSI1SK empty (DynamoDB cannot index an empty sort key)")
	}
	if it.GSI2PK != "" && it.GSI2SK == "" {
		return errors.New("GSI2PK set but GSI2SK empty (DynamoDB cannot index an empty sort key)")
	}
	return nil
}

// Delete implements store.Table with one conditional DeleteItem.
func (t *Table) Delete(ctx context.Context, pk, sk string, version int64) error {
	fail := func(err error) error {
		return fmt.Errorf("dynamostore: delete %s: %w", t.where(pk, sk), err)
	}
	if pk == "" || sk == "" {
		return fail(store.ErrNotFound)
	}
	now := t.nowSec()
	_, err := t.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                aws.String(t.name),
		Key:                      key(pk, sk),
		ConditionExpression:      aws.String(condVersion),
		ExpressionAttributeNames: map[string]string{"#v": AttrVersion, "#ttl": AttrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":v": num(version), ":now": num(now),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return nil
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return fail(err)
	}
	// Tell an absent (or expired) item from one of another version. DynamoDB
	// returns the item that failed the condition (ALL_OLD above); dynalite
	// ignores ReturnValuesOnConditionCheckFailure and returns nothing, and on
	// DynamoDB nothing means the item was absent: in both cases a consistent
	// Get decides. If the item was created meanwhile this reports a conflict,
	// which is as true as "not found" was a moment earlier.
	if ccf.Item != nil && !expired(ccf.Item, now) {
		if it, err := decodeItem(ccf.Item); err == nil {
			return fail(fmt.Errorf("stored version is %d, not %d: %w", it.Version, version, store.ErrConflict))
		}
	}
	if ccf.Item == nil {
		cur, err := t.Get(ctx, pk, sk)
		switch {
		case err == nil:
			return fail(fmt.Errorf("stored version is %d, not %d: %w", cur.Version, version, store.ErrConflict))
		case !errors.Is(err, store.ErrNotFound):
			return fail(fmt.Errorf("condition failed, and reading the item to say why: %w", err))
		}
	}
	return fail(store.ErrNotFound)
}

// indexKeys returns the partition and sort key attribute names of an index.
func indexKeys(index string) (pk, sk string, ok bool) {
	switch index {
	case store.Primary:
		return AttrPK, AttrSK, true
	case store.GSI1:
		return AttrGSI1PK, AttrGSI1SK, true
	case store.GSI2:
		return AttrGSI2PK, AttrGSI2SK, true
	}
	return "", "", false
}

// Query implements store.Table. Expired items are filtered out after
// DynamoDB has counted them against Limit, so a page may be short (even
// empty) with a non-empty Next; the store contract allows that.
func (t *Table) Query(ctx context.Context, q store.Query) (store.Page, error) {
	fail := func(err error) (store.Page, error) {
		name := q.Index
		if name == store.Primary {
			name = "primary"
		}
		return store.Page{}, fmt.Errorf("dynamostore: query %s %s/%s: %w", t.name, name, q.PK, err)
	}
	pkAttr, skAttr, ok := indexKeys(q.Index)
	if !ok {
		return fail(fmt.Errorf("unknown index %q", q.Index))
	}
	if q.PK == "" {
		return fail(errors.New("empty partition key"))
	}
	if q.Limit < 0 {
		return fail(fmt.Errorf("negative limit %d", q.Limit))
	}
	if q.SKPrefix != "" && (q.SKFrom != "" || q.SKTo != "") {
		return fail(errors.New("SKPrefix and SKFrom/SKTo cannot be combined (DynamoDB allows one sort key condition)"))
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	var start map[string]types.AttributeValue
	if q.Cursor != "" {
		var err error
		if start, err = decodeCursor(q.Cursor, q.Index, q.PK); err != nil {
			return fail(err)
		}
	}
	if q.SKFrom != "" && q.SKTo != "" && q.SKFrom > q.SKTo {
		// An empty range; DynamoDB refuses BETWEEN with bounds out of order.
		return store.Page{}, nil
	}

	exprNames := map[string]string{"#ipk": pkAttr, "#ttl": AttrTTL}
	values := map[string]types.AttributeValue{":pk": str(q.PK), ":now": num(t.nowSec())}
	keyCond := "#ipk = :pk"
	if q.SKPrefix != "" || q.SKFrom != "" || q.SKTo != "" {
		exprNames["#isk"] = skAttr
	}
	switch {
	case q.SKPrefix != "":
		keyCond += " AND begins_with(#isk, :pre)"
		values[":pre"] = str(q.SKPrefix)
	case q.SKFrom != "" && q.SKTo != "":
		keyCond += " AND #isk BETWEEN :from AND :to"
		values[":from"], values[":to"] = str(q.SKFrom), str(q.SKTo)
	case q.SKFrom != "":
		keyCond += " AND #isk >= :from"
		values[":from"] = str(q.SKFrom)
	case q.SKTo != "":
		keyCond += " AND #isk <= :to"
		values[":to"] = str(q.SKTo)
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(t.name),
		KeyConditionExpression:    aws.String(keyCond),
		FilterExpression:          aws.String(condLive),
		ExpressionAttributeNames:  exprNames,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(!q.Desc),
		Limit:                     aws.Int32(int32(min(limit, 1<<30))),
		ExclusiveStartKey:         start,
	}
	if q.Index == store.Primary {
		in.ConsistentRead = aws.Bool(true) // GSIs do not support consistent reads
	} else {
		in.IndexName = aws.String(q.Index)
	}
	out, err := t.client.Query(ctx, in)
	// beyond reports whether an index sort key lies past the range in the
	// direction of travel; only set when the range is checked here.
	var beyond func(sk string) bool
	if err != nil && (q.SKFrom != "" || q.SKTo != "") && isRangeRefused(err) {
		// dynalite compares sort key strings in its request checks as
		// JavaScript strings (UTF-16 code units), not as UTF-8 bytes the way
		// DynamoDB orders keys (and dynalite stores them). So it refuses a
		// BETWEEN whose bounds are in order, or a cursor that lies in the
		// range, when, say, U+FF01 meets an emoji. The range was checked
		// above and the cursor came from this query, so ask again with only
		// the bound where the query starts (none after a cursor: the
		// ExclusiveStartKey implies it) and stop at the far bound here.
		values := in.ExpressionAttributeValues
		delete(values, ":from")
		delete(values, ":to")
		cond := "#ipk = :pk"
		switch {
		case start != nil:
		case !q.Desc && q.SKFrom != "":
			cond += " AND #isk >= :from"
			values[":from"] = str(q.SKFrom)
		case q.Desc && q.SKTo != "":
			cond += " AND #isk <= :to"
			values[":to"] = str(q.SKTo)
		}
		if !strings.Contains(cond, "#isk") {
			delete(in.ExpressionAttributeNames, "#isk")
		}
		in.KeyConditionExpression = aws.String(cond)
		beyond = func(sk string) bool {
			if q.Desc {
				return q.SKFrom != "" && sk < q.SKFrom
			}
			return q.SKTo != "" && sk > q.SKTo
		}
		out, err = t.client.Query(ctx, in)
	}
	if err != nil {
		return fail(err)
	}
	page := store.Page{Items: make([]store.Item, 0, len(out.Items))}
	for _, av := range out.Items {
		it, err := decodeItem(av)
		if err != nil {
			return fail(err)
		}
		if beyond != nil && beyond(it.SortKey(q.Index)) {
			return page, nil // past the range: the last page
		}
		page.Items = append(page.Items, it)
	}
	if beyond != nil {
		if s, ok := out.LastEvaluatedKey[skAttr].(*types.AttributeValueMemberS); ok && beyond(s.Value) {
			return page, nil
		}
	}
	if len(out.LastEvaluatedKey) > 0 {
		if page.Next, err = encodeCursor(q.Index, q.PK, out.LastEvaluatedKey); err != nil {
			return fail(err)
		}
	}
	return page, nil
}

// isRangeRefused reports whether err is the ValidationException for BETWEEN
// bounds out of order or for an ExclusiveStartKey outside the sort key
// condition.
func isRangeRefused(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" {
		return false
	}
	m := ae.ErrorMessage()
	return strings.Contains(m, "starting key does not match the range key predicate") ||
		strings.Contains(m, "BETWEEN operator requires upper bound to be greater than or equal to lower bound")
}

// ---- items ----

func encodeItem(it store.Item, version int64) map[string]types.AttributeValue {
	av := key(it.PK, it.SK)
	av[AttrVersion] = num(version)
	if len(it.Data) > 0 {
		// The SDK serialises the request before PutItem returns, so the
		// caller may reuse its buffer afterwards.
		av[AttrData] = &types.AttributeValueMemberB{Value: it.Data}
	}
	for _, a := range []struct{ name, v string }{
		{AttrGSI1PK, it.GSI1PK}, {AttrGSI1SK, it.GSI1SK},
		{AttrGSI2PK, it.GSI2PK}, {AttrGSI2SK, it.GSI2SK},
	} {
		if a.v != "" { // DynamoDB rejects empty strings as index keys
			av[a.name] = str(a.v)
		}
	}
	if !it.ExpiresAt.IsZero() {
		av[AttrTTL] = num(it.ExpiresAt.Unix())
	}
	return av
}

// expired reports whether an item's ttl is at or before now (epoch seconds).
func expired(av map[string]types.AttributeValue, now int64) bool {
	n, ok := av[AttrTTL].(*types.AttributeValueMemberN)
	if !ok {
		return false
	}
	ttl, err := strconv.ParseInt(n.Value, 10, 64)
	return err == nil && ttl <= now
}

func decodeItem(av map[string]types.AttributeValue) (store.Item, error) {
	var it store.Item
	getS := func(name string, required bool) (string, error) {
		switch v := av[name].(type) {
		case *types.AttributeValueMemberS:
			return v.Value, nil
		case nil:
			if required {
				return "", fmt.Errorf("item without attribute %s", name)
			}
			return "", nil
		default:
			return "", fmt.Errorf("attribute %s is %T, want S", name, v)
		}
	}
	getN := func(name string, required bool) (int64, bool, error) {
		switch v := av[name].(type) {
		case *types.AttributeValueMemberN:
			n, err := strconv.ParseInt(v.Value, 10, 64)
			if err != nil {
				return 0, false, fmt.Errorf("attribute %s: %w", name, err)
			}
			return n, true, nil
		case nil:
			if required {
				return 0, false, fmt.Errorf("item without attribute %s", name)
			}
			return 0, false, nil
		default:
			return 0, false, fmt.Errorf("attribute %s is %T, want N", name, v)
		}
	}
	var err error
	if it.PK, err = getS(AttrPK, true); err != nil {
		return store.Item{}, err
	}
	if it.SK, err = getS(AttrSK, true); err != nil {
		return store.Item{}, err
	}
	if it.Version, _, err = getN(AttrVersion, true); err != nil {
		return store.Item{}, err
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{AttrGSI1PK, &it.GSI1PK}, {AttrGSI1SK, &it.GSI1SK},
		{AttrGSI2PK, &it.GSI2PK}, {AttrGSI2SK, &it.GSI2SK},
	} {
		if *f.dst, err = getS(f.name, false); err != nil {
			return store.Item{}, err
		}
	}
	ttl, ok, err := getN(AttrTTL, false)
	if err != nil {
		return store.Item{}, err
	}
	if ok {
		it.ExpiresAt = time.Unix(ttl, 0).UTC()
	}
	switch v := av[AttrData].(type) {
	case *types.AttributeValueMemberB:
		// Decoded from the response, so not shared with anything else.
		it.Data = v.Value
	case nil:
	default:
		return store.Item{}, fmt.Errorf("attribute %s is %T, want B", AttrData, v)
	}
	if it.Data == nil {
		it.Data = []byte{}
	}
	return it, nil
}

// ---- cursors ----

// cursor is the decoded form of Page.Next: DynamoDB's LastEvaluatedKey (all
// of its attributes are strings: the table key, plus the index key on a GSI),
// with the index and partition queried so that a cursor of another query is
// refused. It is JSON in unpadded URL-safe base64; JSON is safe here because
// DynamoDB strings are valid UTF-8.
type cursor struct {
	Index string            `json:"i"`
	PK    string            `json:"p"`
	Key   map[string]string `json:"k"`
}

var errBadCursor = errors.New("invalid cursor")

func encodeCursor(index, pk string, lek map[string]types.AttributeValue) (string, error) {
	c := cursor{Index: index, PK: pk, Key: make(map[string]string, len(lek))}
	for name, v := range lek {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("LastEvaluatedKey attribute %s is %T, want S", name, v)
		}
		c.Key[name] = s.Value
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func decodeCursor(s, index, pk string) (map[string]types.AttributeValue, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errBadCursor
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, errBadCursor
	}
	if c.Index != index || c.PK != pk {
		return nil, fmt.Errorf("%w: it belongs to another query", errBadCursor)
	}
	want := []string{AttrPK, AttrSK}
	if index != store.Primary {
		ipk, isk, _ := indexKeys(index)
		want = append(want, ipk, isk)
	}
	slices.Sort(want)
	if got := slices.Sorted(maps.Keys(c.Key)); !slices.Equal(got, want) {
		return nil, errBadCursor
	}
	ipk, _, _ := indexKeys(index)
	if c.Key[ipk] != pk {
		return nil, errBadCursor
	}
	lek := make(map[string]types.AttributeValue, len(c.Key))
	for name, v := range c.Key {
		if v == "" {
			return nil, errBadCursor
		}
		lek[name] = str(v)
	}
	return lek, nil
}

// ---- table setup ----

// TableSchema returns the CreateTable input of a table named table, the
// layout New expects (mirror it in the SAM template):
//
//	AttributeDefinitions: pk S, sk S, gsi1pk S, gsi1sk S, gsi2pk S, gsi2sk S
//	KeySchema:            pk HASH, sk RANGE
//	GSI "gsi1":           gsi1pk HASH, gsi1sk RANGE, Projection ALL
//	GSI "gsi2":           gsi2pk HASH, gsi2sk RANGE, Projection ALL
//	BillingMode:          PAY_PER_REQUEST
//	TimeToLiveSpecification (set separately): AttributeName ttl, Enabled true
//
// Other attributes, not declared: v (N, the item version), d (B, the data,
// absent when empty), ttl (N, epoch seconds, absent when the item does not
// expire). Index key attributes are absent when empty, which leaves the item
// out of that index.
func TableSchema(table string) *dynamodb.CreateTableInput {
	s := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
	}
	keys := func(hash, rng string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange},
		}
	}
	gsi := func(name, hash, rng string) types.GlobalSecondaryIndex {
		return types.GlobalSecondaryIndex{
			IndexName:  aws.String(name),
			KeySchema:  keys(hash, rng),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}
	}
	return &dynamodb.CreateTableInput{
		TableName: aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{
			s(AttrPK), s(AttrSK), s(AttrGSI1PK), s(AttrGSI1SK), s(AttrGSI2PK), s(AttrGSI2SK),
		},
		KeySchema: keys(AttrPK, AttrSK),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			gsi(store.GSI1, AttrGSI1PK, AttrGSI1SK),
			gsi(store.GSI2, AttrGSI2PK, AttrGSI2SK),
		},
		BillingMode: types.BillingModePayPerRequest,
	}
}

// createTimeout bounds how long CreateTable waits for the table to become
// active when ctx has no earlier deadline.
const createTimeout = 5 * time.Minute

// CreateTable creates the table with TableSchema (or accepts an existing one
// of that name), waits until it and its indexes are ACTIVE, and enables TTL on
// the ttl attribute. It is meant for tests and local setup; deployments get
// the table from the SAM template.
func CreateTable(ctx context.Context, client *dynamodb.Client, table string) error {
	fail := func(err error) error { return fmt.Errorf("dynamostore: create table %s: %w", table, err) }
	ctx, cancel := context.WithTimeout(ctx, createTimeout)
	defer cancel()
	if _, err := client.CreateTable(ctx, TableSchema(table)); err != nil {
		var inUse *types.ResourceInUseException
		if !errors.As(err, &inUse) {
			return fail(err)
		}
	}
	if err := waitActive(ctx, client, table); err != nil {
		return fail(err)
	}
	if err := enableTTL(ctx, client, table); err != nil {
		return fail(err)
	}
	return nil
}

func waitActive(ctx context.Context, client *dynamodb.Client, table string) error {
	delay := 20 * time.Millisecond
	for {
		out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			return fmt.Errorf("waiting until active: %w", err)
		}
		if d := out.Table; d != nil && d.TableStatus == types.TableStatusActive {
			ready := true
			for _, g := range d.GlobalSecondaryIndexes {
				if g.IndexStatus != types.IndexStatusActive {
					ready = false
				}
			}
			if ready {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting until active: %w", ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 2*time.Second)
	}
}

// enableTTL turns on DynamoDB TTL for the ttl attribute unless it is on
// already. Reads filter expired items themselves, so TTL only reclaims space.
//
// dynalite implements DescribeTimeToLive (always DISABLED) but not
// UpdateTimeToLive, which it answers with UnknownOperationException; that is
// tolerated, as is an emulator without either operation.
func enableTTL(ctx context.Context, client *dynamodb.Client, table string) error {
	d, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if isUnknownOperation(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("describe TTL: %w", err)
	}
	if ttl := d.TimeToLiveDescription; ttl != nil {
		switch ttl.TimeToLiveStatus {
		case types.TimeToLiveStatusEnabled, types.TimeToLiveStatusEnabling:
			if a := aws.ToString(ttl.AttributeName); a != AttrTTL {
				return fmt.Errorf("TTL is enabled on attribute %q, not %q", a, AttrTTL)
			}
			return nil
		}
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(AttrTTL),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil && !isUnknownOperation(err) {
		return fmt.Errorf("enable TTL on %s: %w", AttrTTL, err)
	}
	return nil
}

func isUnknownOperation(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "UnknownOperationException"
}
