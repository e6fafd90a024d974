package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
