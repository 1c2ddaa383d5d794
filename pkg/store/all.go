package store

import "context"

// All runs q against t and returns the items of every page, following
// Page.Next until it is empty. q.Cursor, if set, is where it starts. It is
// for partitions known to be small enough to hold in memory; callers that
// stop early or cap the result should page themselves.
func All(ctx context.Context, t Table, q Query) ([]Item, error) {
	var out []Item
	for {
		p, err := t.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			return out, nil
		}
		q.Cursor = p.Next
	}
}
