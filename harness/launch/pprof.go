package launch

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// CaptureProfiles fetches CPU, mutex and block profiles from a pprof endpoint over
// d (at least 1s) into dir/<name>-{cpu,mutex,block}.pprof; the returned func
// waits for them. Mutex and block profiles hold samples only if the server
// set runtime.SetMutexProfileFraction / SetBlockProfileRate.
func CaptureProfiles(ctx context.Context, addr, dir, name string, d time.Duration) func() {
	secs := int(d.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	_ = os.MkdirAll(dir, 0o755)
	var wg sync.WaitGroup
	for _, kind := range []string{"profile", "mutex", "block"} {
		wg.Go(func() {
			file := map[string]string{"profile": "cpu", "mutex": "mutex", "block": "block"}[kind]
			url := fmt.Sprintf("http://%s/debug/pprof/%s?seconds=%d", addr, kind, secs)
			c := &http.Client{Timeout: time.Duration(secs+10) * time.Second}
			req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
			resp, err := c.Do(req)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				return
			}
			f, err := os.Create(filepath.Join(dir, name+"-"+file+".pprof"))
			if err != nil {
				return
			}
			_, _ = io.Copy(f, resp.Body)
			f.Close()
		})
	}
	return wg.Wait
}
