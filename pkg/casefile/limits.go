package casefile

import "github.com/yuejuan/yuejuan/pkg/limits"

// Text adds a problem on field if the text s breaks l (see package
// limits), and reports whether s is within it.
func (p *Problems) Text(l *limits.Limit, field, s string) bool {
	if m := l.Check(field, s); m != "" {
		*p = append(*p, Problem{Field: field, Message: m})
		return false
	}
	return true
}

// Count adds a problem on field if a list of n items breaks l, and
// reports whether it is within it.
func (p *Problems) Count(l *limits.Limit, field string, n int) bool {
	if m := l.CheckCount(field, n); m != "" {
		*p = append(*p, Problem{Field: field, Message: m})
		return false
	}
	return true
}

// Range adds a problem on field if the number n breaks l, and reports
// whether it is within it.
func (p *Problems) Range(l *limits.Limit, field string, n int) bool {
	if m := l.CheckRange(field, n); m != "" {
		*p = append(*p, Problem{Field: field, Message: m})
		return false
	}
	return true
}
