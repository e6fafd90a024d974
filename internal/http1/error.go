package http1

import (
	"strconv"
)

// Error is a framing error; the server answers Status with {"error": Msg}
// and then closes the connection (Close is always true for framing errors
// that make the byte stream untrustworthy; this package returns no other
// kind). Msg is plain words and quotes at most maxQuote bytes of input.
type Error struct {
	Status int
	Msg    string
	Close  bool
}

func (e *Error) Error() string {
	return "http1: " + strconv.Itoa(e.Status) + " " + e.Msg
}

// maxQuote bounds how much client input an error message repeats.
const maxQuote = 64

func newError(status int, msg string) *Error {
	return &Error{Status: status, Msg: msg, Close: true}
}

// quote returns b as a Go string literal, cut to maxQuote bytes.
func quote(b []byte) string {
	if len(b) > maxQuote {
		return strconv.Quote(string(b[:maxQuote])) + "..."
	}
	return strconv.Quote(string(b))
}

func badRequest(msg string) *Error { return newError(400, msg) }
