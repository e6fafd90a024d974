package experiment

import "testing"

func TestParseProcStat(t *testing.T) {
	for _, c := range []struct {
		in          string
		busy, total uint64
		ok          bool
	}{
		// user nice system idle iowait irq softirq steal guest guest_nice
		{"cpu  100 5 50 800 20 0 10 15 7 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n", 180, 1000, true},
		{"cpu  1 2 3\n", 0, 0, false},                   // too few fields
		{"cpu0 100 5 50 800 20 0 10 15\n", 0, 0, false}, // not the aggregate line
		{"cpu  100 x 50 800 20 0 10 15\n", 0, 0, false},
	} {
		b, tot, ok := parseProcStat([]byte(c.in))
		if b != c.busy || tot != c.total || ok != c.ok {
			t.Errorf("parseProcStat(%q) = %d, %d, %v; want %d, %d, %v", c.in, b, tot, ok, c.busy, c.total, c.ok)
		}
	}
	m := startBusy()
	x := 0
	for i := range 50_000_000 { // burn a few ticks of CPU
		x += i % 7
	}
	if got := m.stop(); got <= 0 || got > 1 {
		t.Errorf("busy share while this test spun = %v (x %d), want in (0, 1]", got, x)
	}
}
