package http1

import (
	"sync/atomic"
	"time"
)

// TimeFormat is the Date header's format, IMF-fixdate (RFC 9110 section
// 5.6.7), always in GMT; net/http.TimeFormat.
const TimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// DateCache holds the Date header's value for the current second, so that
// a response pays a comparison, not a time format, for its Date: formatting
// happens once per second (one small allocation then), never per request.
// The zero value is ready to use and safe for concurrent use.
type DateCache struct {
	cur atomic.Pointer[dateValue]
}

type dateValue struct {
	sec int64
	b   [len(TimeFormat)]byte
}

// Get returns the Date value for now, IMF-fixdate. The slice is shared and
// must not be modified; it stays valid (for its second) forever.
func (d *DateCache) Get(now time.Time) []byte {
	sec := now.Unix()
	if v := d.cur.Load(); v != nil && v.sec == sec {
		return v.b[:]
	}
	v := &dateValue{sec: sec}
	now.UTC().AppendFormat(v.b[:0], TimeFormat)
	d.cur.Store(v) // concurrent formatters store equal values; any wins
	return v.b[:]
}
