// Package http1 is the server's HTTP/1.1 wire format: strict, bounded request
// framing (RFC 9112) and response encoding, written for the hot path.
//
// A Reader parses one connection's requests straight out of the
// connection's bufio.Reader (ReadSlice/Peek) with no per-header allocation;
// the only strings it allocates are the ones it hands out in a Request, and
// the common ones (methods, "/metrics", "/health", a Host or Authorization
// repeated on a keep-alive connection) are reused.
//
// # Strictness
//
// What the package rejects, and with which status (every *Error closes the
// connection, because after a framing error the byte stream can no longer
// be trusted to say where the next request starts):
//
//   - 400: malformed request line (exactly METHOD SP target SP HTTP/d.d
//     CRLF), a method that is not a token, a target that is neither
//     origin-form ("/..."), absolute-form ("http(s)://host/...") nor "*" for
//     OPTIONS, bad percent-escapes, '#', bytes outside %x21-7E in the
//     target; a bare LF or stray CR anywhere in the request line, header
//     section, chunk lines or trailers; obs-fold (a line starting with SP or
//     HTAB); whitespace before a colon; a field name that is not a token; a
//     control byte other than HTAB in a field value; a Content-Length that
//     is not digits only (so "5, 5" and "" are 400); two different
//     Content-Length values; Transfer-Encoding together with Content-Length;
//     Transfer-Encoding on HTTP/1.0; a missing, repeated or malformed Host on
//     HTTP/1.1; a repeated Authorization; a Trailer header that names
//     Content-Length, Transfer-Encoding or Trailer; malformed chunk lines or
//     a chunk not followed by CRLF; more chunk overhead than net/http allows.
//   - 413: a declared Content-Length over MaxBodyBytes (reported by
//     ReadHeader, before any body byte is read, so no "100 Continue" goes
//     out for it), or a chunked body whose running total would pass it
//     (reported before the offending chunk is read).
//   - 417: an Expect value other than "100-continue".
//   - 431: request line plus header section (CRLFs included) over
//     MaxHeaderBytes, a request line alone included (431 rather than 414:
//     the limit is one budget for the whole head); trailers over the same
//     budget.
//   - 501: a Transfer-Encoding other than exactly "chunked".
//   - 503: a body that would take the Reader's shared BodyBudget past its
//     size (not a framing error, but the unread rest of the body leaves the
//     connection unusable all the same).
//   - 505: a well-formed version other than HTTP/1.0 and HTTP/1.1.
//
// Line endings: CRLF only. RFC 9112 lets a recipient accept a bare LF in the
// head but never in chunk lines; accepting it in one place and not another
// is how parsers end up disagreeing about where a message ends, so this
// package accepts it nowhere. Up to two empty lines (CRLF) before a request
// line are skipped, as RFC 9112 section 2.2 asks (net/http's server skips up
// to four CR or LF bytes after a POST).
//
// # Differences from net/http
//
// Everything above is at least as strict as net/http's http.ReadRequest plus
// its server; the differential test and FuzzReadRequest check that whatever
// this package accepts, net/http accepts and reads the same way. Where it is
// stricter: bare LF, obs-fold, Transfer-Encoding+Content-Length (net/http
// drops the Content-Length), Transfer-Encoding on HTTP/1.0 (net/http ignores
// it), HTTP/1.2..1.9 (net/http serves them as 1.1), "*" for methods other
// than OPTIONS, authority-form (CONNECT) targets, userinfo or IPv6 literals
// in absolute-form, non-ASCII bytes in the target, whitespace between a
// chunk size and its extension, chunk lines over 1 KiB, Expect lists such as
// "100-continue, x" (net/http treats them as 100-continue), and
// "Expect: 100-continue" on HTTP/1.0, which is ignored (RFC 9110 forbids a
// 100 response to an HTTP/1.0 client).
//
// Request.Path is the path as sent, not percent-decoded: routing compares it
// with "/metrics" byte for byte, so "/m%65trics" is a 404 here.
package http1
