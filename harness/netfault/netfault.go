// Package netfault puts a real fault injector on a TCP path: Shopify's
// toxiproxy (github.com/Shopify/toxiproxy/v2), used in-process as a library
// (its proxy and toxics; no daemon, no HTTP API). A Link listens on a free
// 127.0.0.1 port and forwards every connection to an upstream address
// through toxiproxy's link, so the harness can add latency, cap the
// bandwidth, reset connections, or cut the path entirely and restore it,
// between the server and Redis or between clients and the server.
//
// Only the harness imports it: cmd/metricstream never links toxiproxy.
package netfault

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Link is one proxied TCP path: clients dial Addr, toxiproxy dials the
// upstream for each connection and pipes both directions through its
// toxics.
type Link struct {
	mu    sync.Mutex
	proxy *toxiproxy.Proxy
	addr  string
}

// api is the one toxiproxy server object the proxies need for their logger
// and (disabled) metrics; it never listens.
var api = sync.OnceValue(func() *toxiproxy.ApiServer {
	return toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
})

// New starts a link on a free 127.0.0.1 port to upstream (host:port).
func New(name, upstream string) (*Link, error) {
	p := toxiproxy.NewProxy(api(), name, "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("netfault: %s: %w", name, err)
	}
	// Start replaced the :0 with the port it got; a restart after Cut
	// listens on that same port, so clients keep their address.
	return &Link{proxy: p, addr: p.Listen}, nil
}

// Addr is the link's listening address: what a client dials instead of
// the upstream.
func (l *Link) Addr() string { return l.addr }

// Direction of a toxic: Upstream is client → upstream (requests, uploads),
// Downstream is upstream → client (answers).
type Direction string

// The two directions of a link.
const (
	Upstream   Direction = "upstream"
	Downstream Direction = "downstream"
)

// add adds a toxic of typ with attrs to one direction of the link.
func (l *Link) add(name, typ string, dir Direction, attrs map[string]any) error {
	b, err := json.Marshal(map[string]any{"name": name, "type": typ, "stream": string(dir), "toxicity": 1.0, "attributes": attrs})
	if err != nil {
		return err
	}
	if _, err := l.proxy.Toxics.AddToxicJson(strings.NewReader(string(b))); err != nil {
		return fmt.Errorf("netfault: %s toxic %s: %w", l.proxy.Name, name, err)
	}
	return nil
}

// Latency delays every chunk of data going in dir by d (toxiproxy's
// latency toxic; whole milliseconds, no jitter). On Downstream it adds d to
// every request–answer round trip once; on both directions, 2d.
func (l *Link) Latency(dir Direction, d time.Duration) error {
	return l.add("latency_"+string(dir), "latency", dir, map[string]any{"latency": d.Milliseconds()})
}

// Bandwidth caps the data going in dir at kbps × 1000 bytes per second
// (toxiproxy's bandwidth toxic counts KB as 1000 bytes, in whole units).
func (l *Link) Bandwidth(dir Direction, kbps int64) error {
	return l.add("bandwidth_"+string(dir), "bandwidth", dir, map[string]any{"rate": kbps})
}

// ResetPeer makes every connection reset (TCP RST) after timeout
// (toxiproxy's reset_peer toxic; 0: at once, on the first data).
func (l *Link) ResetPeer(dir Direction, timeout time.Duration) error {
	return l.add("reset_peer_"+string(dir), "reset_peer", dir, map[string]any{"timeout": timeout.Milliseconds()})
}

// Clear removes every toxic: the link passes data as it comes again.
func (l *Link) Clear() { l.proxy.Toxics.ResetToxics(context.Background()) }

// Cut is an outage: the link stops listening (new connections are
// refused) and closes every open connection on both sides.
func (l *Link) Cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.proxy.Stop()
}

// Restore ends an outage: the link listens on its address again. It
// retries for up to a second while the port is still being released.
func (l *Link) Restore() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.proxy.Listen = l.addr
	var err error
	for range 20 {
		if err = l.proxy.Start(); err == nil || err == toxiproxy.ErrProxyAlreadyStarted {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("netfault: %s: restore: %w", l.proxy.Name, err)
}

// Close stops the link and closes its connections.
func (l *Link) Close() { l.Cut() }
