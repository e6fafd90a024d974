package lock

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestNaiveSequential checks the Table semantics of the seed's per-client
// map where it has no race to lose: one goroutine.
func TestNaiveSequential(t *testing.T) {
	tab := NewNaive[state](Config{MaxClients: 3})
	for i, c := range []string{"a", "b", "c", "a"} {
		if !tab.Do(c, func(s *state) { s.id = c; s.n++ }) {
			t.Fatalf("Do #%d (%q) = false below the cap", i, c)
		}
	}
	if tab.Do("d", func(*state) { t.Error("fn ran for a client over the cap") }) {
		t.Error("Do for a 4th client = true with MaxClients 3")
	}
	if n := tab.Evict(func(s *state) bool { return s.n == 1 }); n != 2 || tab.Len() != 1 {
		t.Errorf("Evict removed %d, Len %d; want 2 (b, c) and 1 (a)", n, tab.Len())
	}
	var n int
	tab.Do("a", func(s *state) { n = s.n })
	if n != 2 {
		t.Errorf("a's count %d, want 2", n)
	}
}

// TestNaiveLocksWorkOnAStableMap shows that the per-client mutexes do their
// job: with every client inserted beforehand (the map is only read), many
// goroutines on the same clients never run fn at once and lose no update.
// What breaks the design is the map, not the locks (TestNaiveCrashes).
func TestNaiveLocksWorkOnAStableMap(t *testing.T) {
	tab := NewNaive[state](Config{})
	const clients, goroutines, iters = 4, 8, 500
	for c := range clients {
		tab.Do(fmt.Sprint("c", c), func(*state) {})
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range iters {
				tab.Do(fmt.Sprint("c", (g+i)%clients), func(s *state) {
					if s.inside.Add(1) != 1 {
						t.Error("two fns ran at once for one client")
					}
					s.n++
					s.inside.Add(-1)
				})
			}
		})
	}
	wg.Wait()
	total := 0
	for c := range clients {
		tab.Do(fmt.Sprint("c", c), func(s *state) { total += s.n })
	}
	if total != goroutines*iters {
		t.Errorf("sum %d, want %d", total, goroutines*iters)
	}
}

// naiveCrashEnv makes the test binary, run as a child, hammer a Naive
// table with concurrent inserts until the runtime aborts it.
const naiveCrashEnv = "METRICSTREAM_NAIVE_CRASH_CHILD"

// TestNaiveCrashes runs the seed's map the way the server would, requests
// from new clients on several goroutines, in a child process (the abort
// cannot be recovered in-process), and checks that the child dies of
// "concurrent map writes" or a related map fault (a -race build may report
// the data race first). The child gives up, and the test fails, if it
// survives 10 s.
func TestNaiveCrashes(t *testing.T) {
	if os.Getenv(naiveCrashEnv) == "1" {
		naiveCrashChild()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestNaiveCrashes$", "-test.count=1")
	cmd.Env = append(os.Environ(), naiveCrashEnv+"=1")
	out, err := cmd.CombinedOutput()
	text := string(out)
	if err == nil {
		t.Fatalf("child exited 0: the unguarded map survived concurrent inserts for 10 s\n%s", tail(text, 2000))
	}
	found := ""
	for _, msg := range []string{"concurrent map writes", "concurrent map read and map write", "concurrent map iteration and map write", "WARNING: DATA RACE"} {
		if strings.Contains(text, msg) {
			found = msg
			break
		}
	}
	if found == "" {
		t.Fatalf("child failed (%v) without a map fault:\n%s", err, tail(text, 2000))
	}
	requests := ""
	if i := strings.LastIndex(text, "naive-requests "); i >= 0 {
		requests = strings.Fields(text[i:])[1]
	}
	t.Logf("child aborted: %q (%v) after about %s requests", found, err, requests)
}

// naiveCrashChild inserts new clients from 8 goroutines, printing how many
// requests it made every 1000 so the parent can say when it died.
func naiveCrashChild() {
	tab := NewNaive[state](Config{MaxClients: 1 << 30})
	var mu sync.Mutex
	count := 0
	var wg sync.WaitGroup
	deadline := time.Now().Add(10 * time.Second)
	for g := range 8 {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				tab.Do(fmt.Sprint("g", g, "-", i), func(s *state) { s.n++ })
				mu.Lock()
				if count++; count%1000 == 0 {
					fmt.Fprintln(os.Stderr, "naive-requests", count)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
