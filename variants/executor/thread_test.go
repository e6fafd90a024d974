package executor

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"testing"
	"time"
)

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server *net.TCPConn, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { s.Close(); client.Close() })
	return s.(*net.TCPConn), client
}

func TestBlockingConnReadWriteEOF(t *testing.T) {
	s, c := tcpPair(t)
	b, err := NewBlockingConn(s)
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 4<<20) // more than the socket buffers: Write must loop
	for i := range big {
		big[i] = byte(i)
	}
	got := make(chan []byte, 1)
	go func() { d, _ := io.ReadAll(io.LimitReader(c, int64(len(big)))); got <- d }()
	if n, err := b.Write(big); n != len(big) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if d := <-got; !slices.Equal(d, big) {
		t.Fatalf("peer read %d bytes, not what was written", len(d))
	}
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, err := io.ReadFull(b, buf[:4]); n != 4 || err != nil || string(buf[:4]) != "ping" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	c.Close()
	if n, err := b.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read after the peer closed = %d, %v; want 0, EOF", n, err)
	}
}

// TestBlockingConnDeadlines: a read deadline expires through SO_RCVTIMEO
// with a timeout error, and a deadline moved into the past wakes a read
// already blocked in recv (Shutdown's wake of idle connections).
func TestBlockingConnDeadlines(t *testing.T) {
	s, _ := tcpPair(t)
	b, err := NewBlockingConn(s)
	if err != nil {
		t.Fatal(err)
	}
	b.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = b.Read(make([]byte, 1))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past its deadline = %v, want a timeout (os.ErrDeadlineExceeded)", err)
	}

	s2, _ := tcpPair(t)
	b2, err := NewBlockingConn(s2)
	if err != nil {
		t.Fatal(err)
	}
	b2.SetReadDeadline(time.Now().Add(time.Hour))
	done := make(chan error, 1)
	go func() { _, err := b2.Read(make([]byte, 1)); done <- err }()
	time.Sleep(50 * time.Millisecond) // let it block in recv
	b2.SetReadDeadline(time.Unix(1, 0))
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("woken Read returned no error")
		}
	case <-time.After(hangTimeout):
		t.Fatal("hang: a past deadline did not wake the blocked read")
	}
}

// lineConn is a Conn over a real socket that implements SocketConn, so
// Thread switches it to blocking I/O: a request is a line, the answer
// echoes it.
type lineConn struct {
	nc      net.Conn
	br      *bufio.Reader
	line    string
	closed  chan struct{}
	swapped bool
}

func (l *lineConn) NetConn() net.Conn { return l.nc }
func (l *lineConn) SetNetConn(nc net.Conn) {
	l.nc, l.br, l.swapped = nc, bufio.NewReader(nc), true
}
func (l *lineConn) WaitRequest() bool {
	s, err := l.br.ReadString('\n')
	l.line = s
	return err == nil
}
func (l *lineConn) ServeRequest() bool {
	_, err := io.WriteString(l.nc, "echo "+l.line)
	return err == nil
}
func (l *lineConn) Reject() { io.WriteString(l.nc, "503\n") }
func (l *lineConn) Close()  { l.nc.Close(); close(l.closed) }

// TestThreadOSThreadPerConnection: with n idle connections the process
// has at least n more OS threads (each connection's thread sleeps in
// recv), every connection was switched to blocking I/O and is served, and
// the threads go away with the connections.
func TestThreadOSThreadPerConnection(t *testing.T) {
	const n = 64
	before := ReadProcess()
	if before.Threads == 0 {
		t.Skip("no /proc/self/status here: cannot count OS threads")
	}
	ex := NewThread(Config{MaxThreads: n}).(*Thread)
	var clients []net.Conn
	var conns []*lineConn
	for range n {
		s, c := tcpPair(t)
		lc := &lineConn{nc: s, br: bufio.NewReader(s), closed: make(chan struct{})}
		conns = append(conns, lc)
		clients = append(clients, c)
		ex.Execute(lc)
	}
	deadline := time.Now().Add(hangTimeout)
	for ex.ThreadStats().Blocking < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the last threads enter recv
	during := ReadProcess()
	st := ex.ThreadStats()
	t.Logf("OS threads: %d before, %d with %d idle connections; RSS %d KiB -> %d KiB; %+v",
		before.Threads, during.Threads, n, before.RSSBytes>>10, during.RSSBytes>>10, st)
	if st.Blocking != n || st.Threads != n {
		t.Errorf("ThreadStats %+v, want %d connections holding threads, all on blocking I/O", st, n)
	}
	// each connection's thread is its own (locked); the runtime may have
	// handed some of its idle threads to them, so count from n, not from
	// before + n
	if during.Threads < n+1 {
		t.Errorf("OS threads %d with %d idle connections, want more than %d", during.Threads, n, n)
	}
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			fmt.Fprintf(c, "hello %d\n", i)
			r := bufio.NewReader(c)
			got, err := r.ReadString('\n')
			if want := fmt.Sprintf("echo hello %d\n", i); got != want || err != nil {
				t.Errorf("conn %d: %q, %v; want %q", i, got, err, want)
			}
			c.Close()
		})
	}
	wg.Wait()
	for i, lc := range conns {
		waitFor(t, lc.closed, fmt.Sprintf("conn %d closed", i))
	}
	shutdown(t, ex)
	if st := ex.Stats(); st.Conns != 0 || st.Workers != 0 {
		t.Errorf("after every connection closed: %+v, want no conns or threads", st)
	}
	// a locked thread exits with its goroutine, as a detached thread does
	deadline = time.Now().Add(hangTimeout)
	after := ReadProcess()
	for after.Threads > during.Threads-n/2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		after = ReadProcess()
	}
	if after.Threads > during.Threads-n/2 {
		t.Errorf("OS threads %d after the %d connections closed (%d during): the threads did not exit", after.Threads, n, during.Threads)
	}
}

// TestThreadRejectsOverCap: with MaxThreads 3, three idle connections hold
// threads and the next two are answered 503 after their request head,
// instead of starting threads toward the runtime's fatal limit.
func TestThreadRejectsOverCap(t *testing.T) {
	ex := NewThread(Config{MaxThreads: 3}).(*Thread)
	idle := make(chan struct{})
	var held []*fakeConn
	for range 3 {
		c := newFakeConn(1)
		c.waitBlock = map[int]chan struct{}{0: idle}
		held = append(held, c)
		ex.Execute(c)
	}
	var over []*fakeConn
	for range 2 {
		c := newFakeConn(1)
		over = append(over, c)
		ex.Execute(c)
	}
	for i, c := range over {
		waitFor(t, c.closed, fmt.Sprintf("over-cap conn %d closed", i))
		if got := c.events(t); !slices.Equal(got, []string{"W", "R", "C"}) {
			t.Errorf("over-cap conn %d: calls %v, want [W R C]", i, got)
		}
	}
	if st := ex.ThreadStats(); st.OverCap != 2 || st.Threads != 3 || st.ThreadCap != 3 || st.Peak != 3 {
		t.Errorf("ThreadStats %+v, want 2 over the cap, 3 threads held of 3", st)
	}
	close(idle)
	for i, c := range held {
		waitFor(t, c.closed, fmt.Sprintf("conn %d closed", i))
		if got := c.events(t); !slices.Equal(got, servedLog(1)) {
			t.Errorf("conn %d: calls %v, want %v", i, got, servedLog(1))
		}
	}
	shutdown(t, ex)
}

func TestThreadCeilingBelowLimits(t *testing.T) {
	c := ThreadCeiling()
	if c < 1 || c > 10000-threadReserve {
		t.Errorf("ThreadCeiling = %d, want 1..%d", c, 10000-threadReserve)
	}
	if n := limitsMaxProcesses(); n > 0 && c > n-threadReserve && c != 1 {
		t.Errorf("ThreadCeiling %d above RLIMIT_NPROC %d - %d", c, n, threadReserve)
	}
	if ex := NewThread(Config{MaxThreads: 1 << 30}).(*Thread); ex.ThreadStats().ThreadCap != c {
		t.Errorf("MaxThreads beyond the ceiling: cap %d, want the ceiling %d", ex.ThreadStats().ThreadCap, c)
	}
}

func TestParseStatus(t *testing.T) {
	p := parseStatus([]byte("Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nThreads:\t17\n"))
	if p != (Process{Threads: 17, RSSBytes: 1 << 20, HWMBytes: 2 << 20}) {
		t.Errorf("parseStatus = %+v", p)
	}
}
