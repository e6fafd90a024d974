package load

import (
	"time"

	"metricstream/harness/results"
)

// Class is the outcome class of one request, as in results.Counts.
type Class uint8

// Outcome classes. Success is Class2xx (an answer within the timeout).
const (
	Class2xx Class = iota
	Class400
	Class429
	Class503
	ClassOther
	ClassTimeout
	ClassConnError
)

var classNames = [...]string{"2xx", "400", "429", "503", "other", "timeout", "conn_error"}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "unknown"
}

// ClassOf maps an HTTP status to its class.
func ClassOf(status int) Class {
	switch {
	case status >= 200 && status < 300:
		return Class2xx
	case status == 400:
		return Class400
	case status == 429:
		return Class429
	case status == 503:
		return Class503
	}
	return ClassOther
}

// Result is what one request observed.
type Result struct {
	Client int
	Seq    int64 // the client's request number, from 0
	// Intended is when the request should have been sent: the schedule's
	// time in the open model, the actual send time in the closed model.
	Intended time.Time
	// Sent is when the request's first byte was written (after any dial):
	// later than Intended when the generator itself fell behind.
	Sent time.Time
	// Attempt is when the client began the request (the dial, if any,
	// then the send): Intended in the closed model; in the open model
	// Intended, or later when no client was free or the generator itself
	// was behind.
	Attempt time.Time
	// Latency runs from Intended to the end of the answer (or the failure).
	Latency  time.Duration
	Status   int // 0 when no answer
	Class    Class
	Accepted int64 // metrics acknowledged by a 2xx answer
	Late     bool  // open model: sent later than Intended + Config.LateAfter
	// GenLate (open model): the generator itself delayed the request by
	// more than Config.GenLateAfter: its client was free before the
	// request was due, yet began it that much after the later of the two
	// (a timer or scheduler delay, or the generator's own work), rather
	// than every client being busy waiting for the server.
	GenLate bool
	// GenDelay (open model) is that delay: from the later of the request's
	// due time and its client becoming free to the request's begin.
	GenDelay time.Duration
	// AfterWindow (open model): the request was begun after the end of the
	// schedule (the generator's backlog); its answer is not in the rate of
	// the send window.
	AfterWindow bool
	Err         error // timeout or connection error; nil otherwise
}

// end is when the request's answer (or failure) came.
func (r *Result) end() time.Time { return r.Intended.Add(r.Latency) }

// Answered reports whether a status line was received in time.
func (r *Result) Answered() bool { return r.Class != ClassTimeout && r.Class != ClassConnError }

// count adds r's outcome to c.
func (r *Result) count(c *results.Counts) {
	switch r.Class {
	case Class2xx:
		c.Status2xx++
	case Class400:
		c.Status400++
	case Class429:
		c.Status429++
	case Class503:
		c.Status503++
	case ClassOther:
		c.Other++
	case ClassTimeout:
		c.Timeout++
	case ClassConnError:
		c.ConnError++
	}
	if r.Late {
		c.Late++
	}
}
