package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestNoopHandler(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(noopHandler))
	defer srv.Close()
	for _, method := range []string{"POST", "GET"} {
		req, _ := http.NewRequest(method, srv.URL+"/metrics", strings.NewReader(`{"metrics":[{"name":"a","value":1}]}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != noopBody || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %q %q", method, resp.StatusCode, b, resp.Header.Get("Content-Type"))
		}
	}
}

func TestNoopBadFlags(t *testing.T) {
	if err := runNoop(io.Discard, io.Discard, []string{"-addr", "256.0.0.1:0"}); err == nil {
		t.Error("unusable address: want an error")
	}
}

func TestFastNoopHandler(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: fastNoopHandler}
	go srv.Serve(ln)
	defer srv.Shutdown()
	resp, err := http.Post("http://"+ln.Addr().String()+"/metrics", "application/json", strings.NewReader(`{"metrics":[{"name":"a","value":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != noopBody || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("fasthttp noop: %d %q %q", resp.StatusCode, b, resp.Header.Get("Content-Type"))
	}
	if err := runNoop(io.Discard, io.Discard, []string{"-impl", "hyper"}); err == nil || !strings.Contains(err.Error(), "nethttp or fasthttp") {
		t.Errorf("-impl hyper: %v", err)
	}
}
