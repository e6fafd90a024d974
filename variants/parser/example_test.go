package parser_test

import (
	"fmt"
	"strings"

	"metricstream/variants/parser"
)

// The buffer-reuse contract: what Parse returns is valid only until the
// next Parse on the same Parser and may alias body. A server reads every
// request of a connection into one buffer and parses it with one Parser, so
// a caller that keeps a string past the request copies it (strings.Clone);
// the FSM's names without escapes point into body, and its metric slice is
// the same backing array from one Parse to the next (0 allocations).
func Example_bufferReuse() {
	p := parser.NewFSM()
	body := []byte(`{"metrics":[{"name":"cpu","value":1}]}`)
	ms, err := p.Parse(body)
	if err != nil {
		panic(err)
	}
	aliased := ms[0].Name             // valid until body or p is reused
	kept := strings.Clone(ms[0].Name) // a copy outlives both

	// the connection reads its next request into the same buffer
	copy(body, `{"metrics":[{"name":"mem","value":2}]}`)
	next, err := p.Parse(body)
	if err != nil {
		panic(err)
	}
	fmt.Println("aliased:", aliased, "kept:", kept, "next:", next[0].Name, next[0].Value)
	fmt.Println("same backing array:", &ms[0] == &next[0])
	// Output:
	// aliased: mem kept: cpu next: mem 2
	// same backing array: true
}
