package launch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"sync"
	"time"

	"metricstream/internal/stages"
)

// StagesFlags are the server flags asking for stage timing at rate e
// ("-stages 1/64"), or none when e is 0.
func StagesFlags(e stages.Every) []string {
	if e == 0 {
		return nil
	}
	return []string{"-stages", e.String()}
}

// flagSupport remembers, per binary, whether it accepts a flag: a binary
// built before the server grew -stages must still start.
var flagSupport sync.Map // bin + "\x00" + flag -> bool

// SupportsFlag reports whether the server binary bin lists -name in its
// usage (`bin -h`). The answer is cached per binary.
func SupportsFlag(bin, name string) bool {
	key := bin + "\x00" + name
	if v, ok := flagSupport.Load(key); ok {
		return v.(bool)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, "-h").CombinedOutput() // -h exits 0 or 2: the usage is what matters
	ok := bytes.Contains(out, []byte("\n  -"+name+" ")) || bytes.Contains(out, []byte("\n  -"+name+"\n"))
	flagSupport.Store(key, ok)
	return ok
}

// ReadStages reads the "stages" snapshot of the server at addr's /health;
// nil (and no error) when the server serves none (stage timing off, or a
// server without it).
func ReadStages(ctx context.Context, addr string) (*stages.Snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/health", nil)
	if err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("launch: GET /health: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("launch: GET /health: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("launch: GET /health: %s", resp.Status)
	}
	var h struct {
		Stages *stages.Snapshot `json:"stages"`
	}
	if err := json.Unmarshal(body, &h); err != nil {
		return nil, fmt.Errorf("launch: GET /health: %w", err)
	}
	if h.Stages == nil || h.Stages.Every == 0 {
		return nil, nil
	}
	return h.Stages, nil
}
