// Package sink is a do-nothing HTTP/1.1 target: it reads each request
// (headers and Content-Length body) and answers 200 {"accepted":1} on the
// same connection. It exists to measure the load generator against wrk
// without the server under test in the way; it is as cheap per request as
// a Go server gets (one goroutine per connection, no allocation per request).
package sink

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
)

var response = []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"accepted\":1}")

// Serve answers every connection accepted on ln until ln is closed.
func Serve(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go handle(c)
	}
}

func handle(c net.Conn) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 32<<10)
	bw := bufio.NewWriterSize(c, 4<<10)
	for {
		length, closeAfter := 0, false
		for first := true; ; first = false {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(line) <= 2 {
				if first {
					continue // tolerate stray CRLF between requests
				}
				break
			}
			k, v, ok := bytes.Cut(line, []byte{':'})
			if !ok {
				continue // request line
			}
			v = bytes.TrimSpace(v)
			switch string(bytes.ToLower(k)) {
			case "content-length":
				length, _ = strconv.Atoi(string(v))
			case "connection":
				closeAfter = bytes.EqualFold(v, []byte("close"))
			}
		}
		if _, err := br.Discard(length); err != nil {
			return
		}
		bw.Write(response)
		// Flush only when no pipelined request is already buffered.
		if br.Buffered() == 0 || closeAfter {
			if bw.Flush() != nil {
				return
			}
		}
		if closeAfter {
			return
		}
	}
}
