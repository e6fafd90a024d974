package fsname

import "testing"

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "",
		"phase3#2":              "phase3_2",
		"parser:find,writer=x":  "parser_find_writer_x",
		"ramp_rate=4000_phase2": "ramp_rate_4000_phase2",
		"a/b c":                 "a_b_c",
		"é":                     "__",
	} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
}
