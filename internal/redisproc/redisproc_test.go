package redisproc

import (
	"bufio"
	"net"
	"testing"
	"time"
)

func TestRunServesAndStops(t *testing.T) {
	s, err := Run(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		s.Stop()
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("PING\r\n"))
	got, err := bufio.NewReader(c).ReadString('\n')
	c.Close()
	s.Stop()
	if err != nil || got != "+PONG\r\n" {
		t.Fatalf("PING %s = %q, %v; log:\n%s", s.Addr, got, err, s.Output())
	}
	if _, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		t.Fatalf("dial after Stop succeeded")
	}
}
