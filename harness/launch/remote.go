package launch

import (
	"context"
	"fmt"
	"net"
	"time"

	"metricstream/internal/clip"
)

// remote is a server running elsewhere.
type remote struct{ addr string }

func (r remote) Addr() string                          { return r.addr }
func (r remote) DataFile() string                      { return "" }
func (r remote) PprofAddr() string                     { return "" }
func (r remote) Stop(ctx context.Context) (int, error) { return 0, nil }

// RemoteLauncher drives a server already running at addr: Start returns it
// as it is (flags cannot be applied).
type RemoteLauncher struct{ Addr string }

// Start implements Launcher.
func (l RemoteLauncher) Start(ctx context.Context, arm Arm, flags []string, dir string) (Instance, error) {
	if _, _, err := net.SplitHostPort(l.Addr); err != nil {
		return nil, fmt.Errorf("launch: target %q is not HOST:PORT", clip.String(l.Addr))
	}
	if err := waitHealthy(ctx, l.Addr, 5*time.Second, nil); err != nil {
		return nil, fmt.Errorf("launch: target %s: %v", l.Addr, err)
	}
	return remote{l.Addr}, nil
}
