package parser

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"metricstream/internal/metric"
)

// checkAgree is the differential property, for any input: every variant
// and the reference agree on whether parse + metric.ValidateBatch accepts;
// when they accept they agree on every decoded field (values bit for bit),
// and every accepted metric encodes to exactly one line that encoding/json
// reads back. Variants' errors keep the contract's form, and Parse leaves
// body untouched. Each variant parses a different body first, so that
// reused buffers are dirty.
func checkAgree(t *testing.T, body []byte) {
	t.Helper()
	refMS, refErr := refParse(body)
	refOK := accepted(refMS, refErr)
	for _, v := range Variants {
		p := v.New()
		if _, err := p.Parse([]byte(validCases[5].body)); err != nil {
			t.Fatalf("%s: warm-up: %v", v.Name, err)
		}
		in := bytes.Clone(body)
		ms, err := p.Parse(in)
		require.True(t, bytes.Equal(in, body), "%s: Parse modified its input", v.Name)
		ok := accepted(ms, err)
		if ok != refOK {
			t.Fatalf("%s: accepted=%v (parse error %v, validate %v), reference accepted=%v (%v) for %s",
				v.Name, ok, err, validateErr(ms, err), refOK, refErr, metric.Quote(string(body)))
		}
		if err != nil {
			checkError(t, v.Name, err, "")
			continue
		}
		if ok {
			require.Equal(t, "", diffMetrics(ms, refMS), "%s: differs from the reference on %s", v.Name, metric.Quote(string(body)))
			checkLines(t, v.Name, ms)
		}
	}
}

func validateErr(ms []metric.Metric, err error) error {
	if err != nil {
		return nil
	}
	return metric.ValidateBatch(ms)
}

// corpusBodies is every body of the corpus, for seeds and mutations.
func corpusBodies() [][]byte {
	var bodies [][]byte
	for _, c := range validCases {
		bodies = append(bodies, []byte(c.body))
	}
	for _, c := range semanticCases {
		bodies = append(bodies, []byte(c.body))
	}
	for _, c := range invalidCases {
		bodies = append(bodies, []byte(c.body))
	}
	return bodies
}

// TestDifferential runs checkAgree on the corpus and on deterministic
// mutations of it: the fuzz test's property, without -fuzz.
func TestDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "{}[]\":,\\ \t\n0123456789eE.-+uabdfnrtlsNIy\x00\x1f\x7f\xff\xc3\xa9"
	n := 0
	for _, body := range corpusBodies() {
		checkAgree(t, body)
		n++
		if len(body) > 2048 {
			continue
		}
		for k := 0; k < 150; k++ {
			m := bytes.Clone(body)
			for e := 1 + rng.IntN(3); e > 0; e-- {
				m = mutate(rng, m, alphabet)
			}
			checkAgree(t, m)
			n++
		}
	}
	t.Logf("%d bodies checked", n)
}

func mutate(rng *rand.Rand, b []byte, alphabet string) []byte {
	if len(b) == 0 {
		return append(b, alphabet[rng.IntN(len(alphabet))])
	}
	i := rng.IntN(len(b))
	switch rng.IntN(5) {
	case 0: // replace
		b[i] = alphabet[rng.IntN(len(alphabet))]
	case 1: // insert
		b = append(b[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[i:]...)...)
	case 2: // delete
		b = append(b[:i], b[i+1:]...)
	case 3: // duplicate a span
		j := i + rng.IntN(min(len(b)-i, 24)+1)
		b = append(b[:j], append(bytes.Clone(b[i:j]), b[j:]...)...)
	case 4: // truncate
		b = b[:i]
	}
	return b
}

// FuzzParse is the native fuzz test the fault contract (docs/faults.md) asks for: no panic, both
// variants agree with the encoding/json reference, accepted metrics encode
// to one line each. Plain `go test` runs the seeds (f.Add of the corpus and
// testdata/fuzz/FuzzParse); `go test -fuzz FuzzParse` explores.
func FuzzParse(f *testing.F) {
	for _, b := range corpusBodies() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAgree(t, body)
	})
}

// TestNumbers checks decimal conversions against the reference on random
// numbers of 1 to 20 digits with the point anywhere, around the lengths
// where FSM's exact fast path hands over to strconv.
func TestNumbers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for k := 0; k < 3000; k++ {
		digits := make([]byte, 1+rng.IntN(20))
		for i := range digits {
			digits[i] = byte('0' + rng.IntN(10))
		}
		if len(digits) > 1 && digits[0] == '0' {
			digits[0] = '1'
		}
		num := string(digits)
		if p := rng.IntN(len(digits) + 1); p > 0 && p < len(digits) {
			num = num[:p] + "." + num[p:]
		}
		if rng.IntN(2) == 0 {
			num = "-" + num
		}
		if rng.IntN(4) == 0 {
			num += "e" + string(rune('0'+rng.IntN(10)))
		}
		checkAgree(t, []byte(`{"metrics":[{"name":"n","value":`+num+`,"timestamp":`+string(digits)+`}]}`))
	}
}
