package http1

import (
	"bytes"
)

// parseRequestLine parses "METHOD SP request-target SP HTTP-version" (CRLF
// removed) into req. For an absolute-form target it returns the authority,
// which replaces the Host header once the header section is read.
func (r *Reader) parseRequestLine(line []byte, req *Request) (absHost string, err *Error) {
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return "", badRequest("malformed request line " + quote(line))
	}
	method, rest := line[:sp1], line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 <= 0 {
		return "", badRequest("malformed request line " + quote(line))
	}
	target, proto := rest[:sp2], rest[sp2+1:]
	for _, c := range method {
		if !isTchar[c] {
			return "", badRequest("invalid method " + quote(method))
		}
	}

	// HTTP-version = "HTTP/" DIGIT "." DIGIT
	if len(proto) != 8 || string(proto[:5]) != "HTTP/" || proto[6] != '.' ||
		!isDigit(proto[5]) || !isDigit(proto[7]) {
		return "", badRequest("malformed HTTP version " + quote(proto))
	}
	if proto[5] != '1' || proto[7] > '1' {
		req.ProtoMinor = 1
		return "", newError(505, "unsupported HTTP version "+quote(proto)+" (only HTTP/1.0 and HTTP/1.1)")
	}
	req.ProtoMinor = int(proto[7] - '0')
	req.Method = internMethod(method)

	for i := 0; i < len(target); i++ {
		c := target[i]
		if !isTargetOK[c] {
			return "", badRequest("invalid byte in request target " + quote(target))
		}
		if c == '%' {
			if i+2 >= len(target) {
				return "", badRequest("invalid percent-escape in request target " + quote(target))
			}
			_, ok1 := unhex(target[i+1])
			_, ok2 := unhex(target[i+2])
			if !ok1 || !ok2 {
				return "", badRequest("invalid percent-escape in request target " + quote(target))
			}
		}
	}

	switch {
	case target[0] == '/':
		setTarget(req, target, 0)
		return "", nil
	case len(target) == 1 && target[0] == '*':
		if req.Method != "OPTIONS" {
			return "", badRequest(`request target "*" is only allowed for OPTIONS`)
		}
		req.Target, req.Path = "*", "*"
		return "", nil
	}

	// absolute-form: "http(s)://" host [":" port] path-abempty ["?" query],
	// with a non-empty path. Stricter than RFC 3986 (no userinfo, no IP
	// literals, no percent-escapes in the host); no client of this server
	// needs them.
	var n int
	switch {
	case len(target) > 7 && equalFold(target[:7], "http://"):
		n = 7
	case len(target) > 8 && equalFold(target[:8], "https://"):
		n = 8
	default:
		return "", badRequest("request target must be a path or an absolute http URL, got " + quote(target))
	}
	slash := bytes.IndexByte(target[n:], '/')
	if slash < 0 {
		return "", badRequest("absolute-form request target without a path " + quote(target))
	}
	authority := target[n : n+slash]
	host, port, hasPort := bytes.Cut(authority, []byte{':'})
	if len(host) == 0 || hasPort && len(port) == 0 {
		return "", badRequest("invalid host in request target " + quote(target))
	}
	for _, c := range host {
		if !isHostByte[c] || c == '[' || c == ']' {
			return "", badRequest("invalid host in request target " + quote(target))
		}
	}
	for _, c := range port {
		if !isDigit(c) {
			return "", badRequest("invalid port in request target " + quote(target))
		}
	}
	setTarget(req, target, n+slash)
	return r.internHost(authority), nil
}

// setTarget sets req.Target to target and req.Path to the path starting at
// target[start], without the query, sharing or interning strings so that the
// common case allocates nothing.
func setTarget(req *Request, target []byte, start int) {
	path := target[start:]
	q := bytes.IndexByte(path, '?')
	if q >= 0 {
		path = path[:q]
	}
	common := internPath(path)
	switch {
	case common != "" && start == 0 && q < 0:
		req.Target, req.Path = common, common
	case common != "":
		req.Target, req.Path = string(target), common
	default:
		req.Target = string(target)
		req.Path = req.Target[start : start+len(path)]
	}
}

func internMethod(b []byte) string {
	switch string(b) {
	case "GET":
		return "GET"
	case "POST":
		return "POST"
	case "HEAD":
		return "HEAD"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "OPTIONS":
		return "OPTIONS"
	case "PATCH":
		return "PATCH"
	case "CONNECT":
		return "CONNECT"
	case "TRACE":
		return "TRACE"
	}
	return string(b)
}

// internPath returns the server's own paths as constants, "" for others.
func internPath(b []byte) string {
	switch string(b) {
	case "/metrics":
		return "/metrics"
	case "/health":
		return "/health"
	case "/":
		return "/"
	}
	return ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
