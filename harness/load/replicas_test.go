package load

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// replicaLog records, across several test servers, which server each
// request of each client reached (in arrival order) and over which
// connections.
type replicaLog struct {
	mu    sync.Mutex
	order map[string][]int              // Authorization -> server index per request, in order
	conns map[[2]string]map[string]bool // (server, Authorization) -> remote addresses seen
	hosts map[string]map[string]bool    // server -> Host headers seen
}

// replicas starts n servers on 127.0.0.1 free ports, answering
// {"accepted":1}, all recording into one log.
func replicas(t *testing.T, n int) ([]string, *replicaLog) {
	t.Helper()
	l := &replicaLog{order: map[string][]int{}, conns: map[[2]string]map[string]bool{}, hosts: map[string]map[string]bool{}}
	var addrs []string
	for i := range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			l.mu.Lock()
			l.order[auth] = append(l.order[auth], i)
			k := [2]string{addr, auth}
			if l.conns[k] == nil {
				l.conns[k] = map[string]bool{}
			}
			l.conns[k][r.RemoteAddr] = true
			if l.hosts[addr] == nil {
				l.hosts[addr] = map[string]bool{}
			}
			l.hosts[addr][r.Host] = true
			l.mu.Unlock()
			w.Write([]byte(`{"accepted":1}`))
		})}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		addrs = append(addrs, addr)
	}
	return addrs, l
}

// Closed loop over three targets: client c's request k reaches target
// (c+k)%3, over one keep-alive connection per target, with that target as
// Host.
func TestAddrsSpreadEachClient(t *testing.T) {
	addrs, l := replicas(t, 3)
	const clients, requests = 4, 9
	s := attack(t, Config{Addrs: addrs, Clients: clients, Requests: requests, KeepAlive: true, ClientPrefix: "c"})
	if s.Counts.Status2xx != clients*requests || s.Acked != clients*requests {
		t.Fatalf("counts %+v acked %d", s.Counts, s.Acked)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range clients {
		auth := "c" + strconv.Itoa(c)
		got := l.order[auth]
		if len(got) != requests {
			t.Fatalf("client %s: %d requests arrived, want %d", auth, len(got), requests)
		}
		for k, srv := range got {
			if want := (c + k) % 3; srv != want {
				t.Fatalf("client %s: request %d reached server %d, want %d (order %v)", auth, k, srv, want, got)
			}
		}
		for _, a := range addrs {
			if n := len(l.conns[[2]string{a, auth}]); n != 1 {
				t.Errorf("client %s used %d connections to %s, want 1 (keep-alive)", auth, n, a)
			}
		}
	}
	for _, a := range addrs {
		if !l.hosts[a][a] || len(l.hosts[a]) != 1 {
			t.Errorf("server %s saw Host headers %v, want only its own address", a, l.hosts[a])
		}
	}
}

// The open model over two targets without keep-alive: whatever number of
// requests each connection happened to take, each client's are split
// evenly (within one) between the targets, and no request is lost.
func TestAddrsOpenModelEvenPerClient(t *testing.T) {
	addrs, l := replicas(t, 2)
	s := attack(t, Config{Addrs: addrs, Model: Open, Clients: 3, Rate: 300, Duration: 200 * time.Millisecond, ClientPrefix: "o"})
	if s.Counts.Total() != 60 || s.Counts.Status2xx != 60 {
		t.Fatalf("counts %+v, want 60 × 2xx (300/s for 0.2s)", s.Counts)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	total := 0
	for auth, order := range l.order {
		var per [2]int
		for _, srv := range order {
			per[srv]++
		}
		if d := per[0] - per[1]; d < -1 || d > 1 {
			t.Errorf("client %s: %v requests per target, want an even split", auth, per)
		}
		total += len(order)
	}
	if total != 60 {
		t.Fatalf("servers saw %d requests, want 60", total)
	}
}

// One address in Addrs is the same as Addr; an empty one is refused.
func TestAddrsValidate(t *testing.T) {
	if err := (Config{Addrs: []string{"x:1"}, Clients: 1, Requests: 1}).Validate(); err != nil {
		t.Fatalf("Addrs without Addr: %v", err)
	}
	err := (Config{Addrs: []string{"x:1", ""}, Clients: 1, Requests: 1}).Validate()
	if err == nil || !strings.Contains(err.Error(), "Addrs[1]") {
		t.Fatalf("empty target: %v", err)
	}
	c := Config{Addr: "a:1", Addrs: []string{"b:1", "c:1"}}
	if got := c.Targets(); len(got) != 2 || got[0] != "b:1" {
		t.Fatalf("Targets %v", got)
	}
	if got := (Config{Addr: "a:1"}).Targets(); len(got) != 1 || got[0] != "a:1" {
		t.Fatalf("Targets %v", got)
	}
}
