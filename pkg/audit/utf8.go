package audit

import (
	"maps"
	"slices"
	"unicode/utf8"
)

// valid returns e with every string in valid UTF-8, each invalid byte
// replaced by U+FFFD, as encoding/json does when it stores the record (it
// writes the escape \ufffd, which reads back as the rune U+FFFD, which it
// then writes unescaped). Without this a record with a stray byte in, say,
// its user agent (any client can send one) would hash differently once
// stored and read back, and Verify would call an untouched record altered.
func (e Event) valid() Event {
	v := func(s string) string {
		if utf8.ValidString(s) {
			return s
		}
		return string([]rune(s)) // one U+FFFD per invalid byte
	}
	e.Actor, e.Role, e.Action, e.CaseID, e.ApplicationID = v(e.Actor), v(e.Role), Action(v(string(e.Action))), v(e.CaseID), v(e.ApplicationID)
	e.Target, e.IP, e.UserAgent, e.RequestID = v(e.Target), v(e.IP), v(e.UserAgent), v(e.RequestID)
	e.Result, e.PrevHash, e.Hash = Result(v(string(e.Result))), v(e.PrevHash), v(e.Hash)
	if e.Detail != nil {
		d := make(map[string]string, len(e.Detail))
		// Keys in the order JSON stores them, so that of two keys that
		// become the same the one that wins is the one a reader gets.
		for _, k := range slices.Sorted(maps.Keys(e.Detail)) {
			d[v(k)] = v(e.Detail[k])
		}
		e.Detail = d
	}
	return e
}
