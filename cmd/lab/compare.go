package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"metricstream/harness/experiment"
)

func init() {
	register(command{"compare", "-a X -b Y: run two variants interleaved and print the benchstat table", runCompare})
}

const compareUsage = `usage: lab compare -a VARIANT -b VARIANT [flags]

Runs lab experiment with the two variants interleaved (A B A B), then prints
` + "`go tool benchstat -col /variant`" + ` of the run's bench.txt: medians, 95%
confidence intervals, and for B the change against A with its p-value
("~" means no significant difference). -a X -b X is an A/A run.

The table is made by the pinned benchstat tool (go.mod's tool directive),
run as ` + "`go tool benchstat`" + ` from the module root, so it is the same table
anyone gets from the run's files later.

Examples:

  lab compare -a baseline -b phase2 -scenarios seed-100x10
  lab compare -a phase3 -b phase3 -scenarios seed-50x10 -count 10     A/A

Flags:
`

func runCompare(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("lab compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f experimentFlags
	f.register(fs, false)
	a := fs.String("a", "", "variant A (preset or spec)")
	b := fs.String("b", "", "variant B (preset or spec)")
	fs.Usage = func() { fmt.Fprint(stderr, compareUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *a == "" || *b == "" || fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("compare: want -a VARIANT -b VARIANT")
	}
	if f.pin && os.Getenv("LAB_PINNED") == "" {
		return reexecPinned(stdout, stderr, "compare", args)
	}
	f.variants = *a + "+" + *b
	dir, err := experimentRun(stdout, stderr, f)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := benchstat(stdout, stderr, filepath.Join(dir, "bench.txt")); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nresults: %s\n%s\n", dir, dir)
	return nil
}

// benchstat prints `go tool benchstat -col /variant file`.
func benchstat(stdout, stderr io.Writer, file string) error {
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	cwd, _ := os.Getwd()
	root, err := experiment.ModuleRoot(cwd)
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "tool", "benchstat", "-col", "/variant", abs)
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("compare: go tool benchstat: %w", err)
	}
	return nil
}
