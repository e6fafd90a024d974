package redistest

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// ping sends an inline PING and returns the reply line.
func ping(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

func TestStartAndKill(t *testing.T) {
	s := Start(t)
	if got, err := ping(s.Addr); err != nil || got != "+PONG\r\n" {
		t.Fatalf("PING %s = %q, %v; log:\n%s", s.Addr, got, err, s.Output())
	}
	s.Kill()
	if _, err := ping(s.Addr); err == nil {
		t.Fatalf("PING after Kill succeeded")
	}
	s.Stop() // after Kill: no-op
}

func TestTwoServers(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.Addr == b.Addr {
		t.Fatalf("two servers on %s", a.Addr)
	}
	for _, s := range []*Server{a, b} {
		if got, err := ping(s.Addr); err != nil || got != "+PONG\r\n" {
			t.Fatalf("PING %s = %q, %v", s.Addr, got, err)
		}
	}
}
