package http1

import (
	"strconv"
)

// Response is what the server sends back; AppendResponse encodes it.
type Response struct {
	ProtoMinor  int    // echo the request's; 1 for errors before the version is known
	Status      int    // 1xx and 204 carry no Content-Length and no body
	ContentType string // default "application/json" when Body is non-empty
	Body        []byte
	// Close adds "Connection: close". Without it, an HTTP/1.0 response
	// gets "Connection: keep-alive" (1.0 closes by default).
	Close      bool
	RetryAfter int    // seconds; > 0 adds "Retry-After"
	Allow      string // non-empty adds "Allow"
	// Date, when non-nil, is the Date header's value (RFC 9110 section
	// 6.6.1), normally from a DateCache.
	Date []byte
	// Head marks the answer to a HEAD request: the headers the full
	// response would have, Content-Length included, and no content (RFC
	// 9110 section 9.3.2), so that a pipelined next response is framed
	// correctly.
	Head bool
}

// AppendResponse appends the whole response to dst: status line with reason
// phrase, Content-Length, the headers Response asks for, and the body. It
// allocates only when dst must grow. Header values come from the server,
// not the client; control bytes in them are still replaced by spaces so
// that no value can end the header section early.
//
// A 1xx or 204 response gets neither Content-Length nor a body (RFC 9110
// sections 8.6, 15.2, 15.3.5): AppendResponse(dst, &Response{ProtoMinor: 1,
// Status: 100}) is the interim "100 Continue" for Expect100. A Head
// response gets the Content-Length of its Body but not the Body.
func AppendResponse(dst []byte, resp *Response) []byte {
	minor := resp.ProtoMinor
	if minor != 0 {
		minor = 1
	}
	dst = append(dst, "HTTP/1."...)
	dst = append(dst, byte('0'+minor), ' ')
	dst = appendStatus(dst, resp.Status)
	dst = append(dst, ' ')
	dst = append(dst, StatusText(resp.Status)...)
	dst = append(dst, "\r\n"...)
	if resp.Status >= 100 && resp.Status < 200 {
		return append(dst, "\r\n"...)
	}
	if resp.Date != nil {
		dst = append(dst, "Date: "...)
		dst = append(dst, resp.Date...)
		dst = append(dst, "\r\n"...)
	}
	body := resp.Body
	if resp.Status == 204 {
		body = nil
	} else {
		if len(body) > 0 || resp.ContentType != "" {
			ct := resp.ContentType
			if ct == "" {
				ct = "application/json"
			}
			dst = appendField(dst, "Content-Type: ", ct)
		}
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(body)), 10)
		dst = append(dst, "\r\n"...)
	}
	switch {
	case resp.Close:
		dst = append(dst, "Connection: close\r\n"...)
	case minor == 0:
		dst = append(dst, "Connection: keep-alive\r\n"...)
	}
	if resp.RetryAfter > 0 {
		dst = append(dst, "Retry-After: "...)
		dst = strconv.AppendInt(dst, int64(resp.RetryAfter), 10)
		dst = append(dst, "\r\n"...)
	}
	if resp.Allow != "" {
		dst = appendField(dst, "Allow: ", resp.Allow)
	}
	dst = append(dst, "\r\n"...)
	if resp.Head {
		return dst
	}
	return append(dst, body...)
}

// appendStatus appends a status code as three digits (codes outside
// 100..999 are a server bug; they are clamped rather than breaking framing).
func appendStatus(dst []byte, code int) []byte {
	code = min(max(code, 100), 999)
	return append(dst, byte('0'+code/100), byte('0'+code/10%10), byte('0'+code%10))
}

func appendField(dst []byte, prefix, value string) []byte {
	dst = append(dst, prefix...)
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c < 0x20 && c != '\t' || c == 0x7f {
			c = ' '
		}
		dst = append(dst, c)
	}
	return append(dst, "\r\n"...)
}
