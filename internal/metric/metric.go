// Package metric holds the lab's data model: one Metric, the validation rules
// every variant shares (seed chapter 3, docs/faults.md), and the encoding of a
// metric as one JSON Lines record (seed chapter 7).
//
// Validation lives here, not in the parsers, so that the parser variants can
// differ in speed but never in what they accept: a parser checks syntax
// (well-formed JSON, field types, duplicate and unknown keys) and the server
// then calls ValidateBatch on whatever a parser produced.
package metric

import (
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// Limits of one batch and one metric. They are constants, not flags, because
// they are part of the HTTP contract every variant shares.
const (
	MaxBatch     = 1000 // metrics per request (seed chapter 3)
	MaxNameLen   = 255  // bytes in a metric name (seed chapter 3)
	MaxTags      = 64   // tags per metric
	MaxTagKeyLen = 255  // bytes in a tag key
	MaxTagValLen = 1024 // bytes in a tag value
)

// Types are the accepted values of the optional "type" field.
var Types = []string{"gauge", "counter", "histogram", "summary"}

// Tag is one tag; tags keep the order the client sent them in.
type Tag struct {
	Key, Value string
}

// Metric is one decoded metric. A parser fills it; strings may alias the
// parser's buffers and are valid only as long as the parser documents.
type Metric struct {
	Name         string
	Value        float64
	Type         string // "" when absent
	Timestamp    int64  // milliseconds since the Unix epoch
	HasTimestamp bool   // false: the server stamps the metric on arrival
	Tags         []Tag  // nil or empty when absent
}

// Error is a validation or syntax error; its message is sent to the client as
// {"error": Msg} with status 400.
type Error struct {
	Index int // index of the offending metric, -1 for the batch
	Msg   string
}

func (e *Error) Error() string {
	if e.Index < 0 {
		return e.Msg
	}
	return fmt.Sprintf("metrics[%d]: %s", e.Index, e.Msg)
}

// Errorf returns an *Error for metric i (-1 for the batch as a whole).
func Errorf(i int, format string, args ...any) *Error {
	return &Error{Index: i, Msg: fmt.Sprintf(format, args...)}
}

// The timestamp window: a metric's timestamp, when given, must lie from
// MinTimestamp (2000-01-01T00:00:00Z) to MaxFuture after the server's
// clock. Seconds sent where milliseconds are expected (1732640000 is
// 1970-01-21 in milliseconds) and far-future values (year 3000) are refused
// with 400 instead of being stored as given.
const (
	MinTimestamp = 946684800000 // 2000-01-01T00:00:00Z in milliseconds
	MaxFuture    = 24 * time.Hour
)

// ValidateBatchAt is what the server applies to every batch: ValidateBatch's
// rules, plus the timestamp window around now (CheckTimestamp). It returns
// the first problem found, or nil; one bad metric rejects the batch.
func ValidateBatchAt(ms []Metric, now time.Time) error {
	if err := ValidateBatch(ms); err != nil {
		return err
	}
	for i := range ms {
		if err := CheckTimestamp(&ms[i], now); err != nil {
			return &Error{Index: i, Msg: err.Error()}
		}
	}
	return nil
}

// CheckTimestamp checks that m's timestamp, if it has one, lies in the
// window [MinTimestamp, now+MaxFuture]. The message names the field and the
// window, and hints at the unit when the value would fit it as seconds,
// microseconds or nanoseconds.
func CheckTimestamp(m *Metric, now time.Time) error {
	if !m.HasTimestamp {
		return nil
	}
	ts, hi := m.Timestamp, now.Add(MaxFuture).UnixMilli()
	if ts >= MinTimestamp && ts <= hi {
		return nil
	}
	hint := ""
	switch {
	case ts >= MinTimestamp/1000 && ts <= hi/1000:
		hint = " (it looks like seconds: multiply by 1000)"
	case ts/1000 >= MinTimestamp && ts/1000 <= hi:
		hint = " (it looks like microseconds: divide by 1000)"
	case ts/1000000 >= MinTimestamp && ts/1000000 <= hi:
		hint = " (it looks like nanoseconds: divide by 1000000)"
	}
	return fmt.Errorf("timestamp %d is outside the accepted window: milliseconds since the epoch from 2000-01-01T00:00:00Z (%d) to 1 day after the server's clock (%d)%s",
		ts, int64(MinTimestamp), hi, hint)
}

// ValidateBatch applies chapter 3's rules to a whole batch and returns the
// first problem found, or nil. One bad metric rejects the batch. It leaves
// out the one rule that needs a clock, the timestamp window: the server
// calls ValidateBatchAt. (The parser conformance suite, which judges
// syntax, calls ValidateBatch with clock-free test data.)
func ValidateBatch(ms []Metric) error {
	if len(ms) == 0 {
		return Errorf(-1, "batch cannot be empty: \"metrics\" must hold 1 to %d metrics", MaxBatch)
	}
	if len(ms) > MaxBatch {
		return Errorf(-1, "batch too large: %d metrics, the limit is %d", len(ms), MaxBatch)
	}
	for i := range ms {
		if err := Validate(&ms[i]); err != nil {
			return &Error{Index: i, Msg: err.Error()}
		}
	}
	return nil
}

// Validate checks one metric. The message names the field and the limit.
func Validate(m *Metric) error {
	if m.Name == "" {
		return fmt.Errorf("metric name cannot be empty")
	}
	if len(m.Name) > MaxNameLen {
		return fmt.Errorf("metric name too long: %d bytes, the limit is %d", len(m.Name), MaxNameLen)
	}
	if err := checkText(m.Name); err != nil {
		return fmt.Errorf("metric name %s", err)
	}
	if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
		return fmt.Errorf("value must be finite")
	}
	if m.Type != "" && !validType(m.Type) {
		return fmt.Errorf("unknown type %s: want one of gauge, counter, histogram, summary", Quote(m.Type))
	}
	if m.HasTimestamp && m.Timestamp < 0 {
		return fmt.Errorf("timestamp must be milliseconds since the epoch, not negative")
	}
	if len(m.Tags) > MaxTags {
		return fmt.Errorf("too many tags: %d, the limit is %d", len(m.Tags), MaxTags)
	}
	for _, t := range m.Tags {
		if t.Key == "" {
			return fmt.Errorf("tag key cannot be empty")
		}
		if len(t.Key) > MaxTagKeyLen {
			return fmt.Errorf("tag key too long: %d bytes, the limit is %d", len(t.Key), MaxTagKeyLen)
		}
		if len(t.Value) > MaxTagValLen {
			return fmt.Errorf("tag %s value too long: %d bytes, the limit is %d", Quote(t.Key), len(t.Value), MaxTagValLen)
		}
		if err := checkText(t.Key); err != nil {
			return fmt.Errorf("tag key %s", err)
		}
		if err := checkText(t.Value); err != nil {
			return fmt.Errorf("tag %s value %s", Quote(t.Key), err)
		}
	}
	return nil
}

func validType(t string) bool {
	for _, v := range Types {
		if t == v {
			return true
		}
	}
	return false
}

// checkText rejects invalid UTF-8 and control characters (C0, DEL, C1), so
// that no control byte ever reaches the file even in escaped form.
func checkText(s string) error {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return fmt.Errorf("contains control character 0x%02x at byte %d", c, i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Errorf("is not valid UTF-8 at byte %d", i)
		}
		if r >= 0x80 && r <= 0x9f {
			return fmt.Errorf("contains control character U+%04X at byte %d", r, i)
		}
		i += size
	}
	return nil
}

// Quote returns s as a bounded, printable quoted string for error messages:
// client input is echoed, but never more than 64 bytes of it.
func Quote(s string) string {
	const max = 64
	if len(s) > max {
		return fmt.Sprintf("%q…", s[:max])
	}
	return fmt.Sprintf("%q", s)
}
