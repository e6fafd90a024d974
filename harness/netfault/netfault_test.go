package netfault

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// echo starts a line echo server on loopback, closed with the test.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func link(t *testing.T) *Link {
	t.Helper()
	l, err := New(t.Name(), echo(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

// roundTrip sends one line over c and reads it back.
func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, line string) error {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return err
	}
	got, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if got != line+"\n" {
		t.Fatalf("echo %q, want %q", got, line)
	}
	return nil
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// Data passes through; a downstream latency toxic delays every round trip
// by at least its latency, and Clear removes it.
func TestLatency(t *testing.T) {
	l := link(t)
	c, r := dial(t, l.Addr())
	if err := roundTrip(t, c, r, "plain"); err != nil {
		t.Fatal(err)
	}
	if err := l.Latency(Downstream, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		start := time.Now()
		if err := roundTrip(t, c, r, "slow"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 50*time.Millisecond {
			t.Fatalf("round trip %v with a 50ms latency toxic", d)
		}
	}
	if err := l.Latency(Downstream, time.Millisecond); err == nil {
		t.Fatal("a second latency toxic on one direction was accepted")
	}
	l.Clear()
	if err := roundTrip(t, c, r, "fast again"); err != nil {
		t.Fatal(err)
	}
}

// A bandwidth cap of 4 KB/s makes 2,000 bytes take at least ~0.4 s.
func TestBandwidth(t *testing.T) {
	l := link(t)
	if err := l.Bandwidth(Upstream, 4); err != nil {
		t.Fatal(err)
	}
	c, r := dial(t, l.Addr())
	start := time.Now()
	if err := roundTrip(t, c, r, strings.Repeat("x", 1999)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Fatalf("2000 bytes at 4 KB/s took %v", d)
	}
}

// Cut closes open connections and refuses new ones; Restore listens on the
// same address again and data passes.
func TestCutRestore(t *testing.T) {
	l := link(t)
	addr := l.Addr()
	c, r := dial(t, addr)
	if err := roundTrip(t, c, r, "before"); err != nil {
		t.Fatal(err)
	}
	l.Cut()
	if err := roundTrip(t, c, r, "during"); err == nil {
		t.Fatal("an open connection still echoed after Cut")
	}
	if c2, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c2.Close()
		t.Fatal("a new connection was accepted during the cut")
	}
	if err := l.Restore(); err != nil {
		t.Fatal(err)
	}
	if l.Addr() != addr {
		t.Fatalf("restored on %s, was %s", l.Addr(), addr)
	}
	c3, r3 := dial(t, addr)
	if err := roundTrip(t, c3, r3, "after"); err != nil {
		t.Fatal(err)
	}
}

// A reset_peer toxic with no timeout resets the connection on its first data.
func TestResetPeer(t *testing.T) {
	l := link(t)
	if err := l.ResetPeer(Upstream, 0); err != nil {
		t.Fatal(err)
	}
	c, r := dial(t, l.Addr())
	err := roundTrip(t, c, r, "reset me")
	if err == nil {
		t.Fatal("echoed through a reset_peer toxic")
	}
	var ne net.Error
	if !errors.Is(err, io.EOF) && !errors.As(err, &ne) && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("unexpected error %v", err)
	}
}
