package experiment

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"metricstream/harness/results"
)

// Environment fills the machine part of a Meta: Go version, GOMAXPROCS, CPU
// model, kernel, commit (read from .git under root without running git, or
// from the binary's build info), date.
func Environment(root string) results.Meta {
	m := results.Meta{
		Date:       time.Now().UTC(),
		GoVersion:  runtime.Version(),
		GOOS:       runtime.GOOS,
		GOARCH:     runtime.GOARCH,
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		NumCPU:     runtime.NumCPU(),
		CPUModel:   cpuModel(),
		Kernel:     strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
		Commit:     commit(root),
		Pinning:    "none",
	}
	if m.Kernel == "" {
		m.Kernel = runtime.GOOS
	}
	return m
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// commit reads HEAD from root/.git (a ref or a detached hash, loose or
// packed), falling back to the build info's vcs.revision.
func commit(root string) string {
	if root != "" {
		git := filepath.Join(root, ".git")
		head := strings.TrimSpace(readFile(filepath.Join(git, "HEAD")))
		if ref, ok := strings.CutPrefix(head, "ref: "); ok {
			if h := strings.TrimSpace(readFile(filepath.Join(git, ref))); h != "" {
				return h
			}
			for _, line := range strings.Split(readFile(filepath.Join(git, "packed-refs")), "\n") {
				if h, r, ok := strings.Cut(line, " "); ok && r == ref {
					return h
				}
			}
		} else if len(head) >= 40 {
			return head
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}
