package load

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"metricstream/harness/internal/fakeserver"
)

// A body hook makes every request's body: each metric of each request
// lands under its own name, and every Result names the request (client,
// seq) it answers; with two targets too.
func TestBodyHook(t *testing.T) {
	const clients, requests, batch = 3, 5, 2
	for _, targets := range []int{1, 2} {
		t.Run(fmt.Sprintf("targets=%d", targets), func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "d.jsonl")
			var addrs []string
			for range targets {
				addrs = append(addrs, fake(t, fakeserver.Options{DataFile: data}))
			}
			cfg := Config{Addr: addrs[0], Model: Closed, Clients: clients, Requests: requests, KeepAlive: true, Batch: batch,
				Body: func(buf []byte, c int, seq int64) []byte {
					buf = append(buf, `{"metrics":[`...)
					for i := range batch {
						if i > 0 {
							buf = append(buf, ',')
						}
						buf = fmt.Appendf(buf, `{"name":"m.%d.%d.%d","value":1}`, c, seq, i)
					}
					return append(buf, "]}"...)
				}}
			if targets > 1 {
				cfg.Addrs = addrs
			}
			var mu sync.Mutex
			seen := map[[2]int64]bool{}
			_, err := Attack(context.Background(), cfg, RecorderFunc(func(r *Result) {
				mu.Lock()
				defer mu.Unlock()
				if r.Class != Class2xx || r.Accepted != batch {
					t.Errorf("client %d seq %d: %v accepted %d (%v)", r.Client, r.Seq, r.Class, r.Accepted, r.Err)
				}
				seen[[2]int64{int64(r.Client), r.Seq}] = true
			}))
			if err != nil {
				t.Fatal(err)
			}
			names := map[string]int{}
			f, err := os.Open(data)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				var m struct{ Name string }
				if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
					t.Fatalf("line %q: %v", sc.Text(), err)
				}
				names[m.Name]++
			}
			for c := range clients {
				for seq := range requests {
					if !seen[[2]int64{int64(c), int64(seq)}] {
						t.Errorf("no result for client %d seq %d", c, seq)
					}
					for i := range batch {
						if n := names[fmt.Sprintf("m.%d.%d.%d", c, seq, i)]; n != 1 {
							t.Errorf("metric m.%d.%d.%d stored %d times", c, seq, i, n)
						}
					}
				}
			}
			if len(names) != clients*requests*batch {
				t.Errorf("%d names stored, want %d", len(names), clients*requests*batch)
			}
		})
	}
}
