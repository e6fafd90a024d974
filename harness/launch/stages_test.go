package launch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"metricstream/internal/stages"
)

// A binary whose usage lists -stages gets the flag; one built before the
// server had it does not (and still starts).
func TestSupportsFlag(t *testing.T) {
	dir := t.TempDir()
	script := func(name, usage string) string {
		p := filepath.Join(dir, name)
		body := "#!/bin/sh\ncat >&2 <<'EOF'\nUsage of server:\n" + usage + "EOF\nexit 2\n"
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	with := script("with", "  -addr string\n    \tlisten address\n  -stages value\n    \ttime stages\n")
	without := script("without", "  -addr string\n    \tlisten address\n  -stages-other string\n")
	if !SupportsFlag(with, "stages") {
		t.Error("-stages listed but not found")
	}
	if SupportsFlag(without, "stages") {
		t.Error("-stages-other taken for -stages")
	}
	if got := strings.Join(StagesFlags(stages.Every(64)), " "); got != "-stages 1/64" {
		t.Errorf("flags %q", got)
	}
	if StagesFlags(0) != nil {
		t.Error("flags for stage timing off")
	}
}

// withoutFlag drops a flag and its value, and nothing else.
func TestWithoutFlag(t *testing.T) {
	got := withoutFlag([]string{"-rate-limit", "0", "-stages", "all", "-fsync", "always"}, "-stages")
	if strings.Join(got, " ") != "-rate-limit 0 -fsync always" {
		t.Errorf("got %q", got)
	}
	if got := withoutFlag([]string{"-stages", "1/8"}, "-fsync"); strings.Join(got, " ") != "-stages 1/8" {
		t.Errorf("got %q", got)
	}
}
