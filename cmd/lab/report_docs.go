package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"metricstream/harness/docsgen"
	"metricstream/harness/launch"
	"metricstream/harness/report"
)

func init() {
	register(command{"docs", "store RUN -as NAME | write | check: keep the READMEs' figures with the runs stored in docs/runs/", runDocs})
}

const docsUsage = `usage: lab docs store -run DIR -as NAME [-note TEXT]
       lab docs write
       lab docs check

The READMEs and docs/*.md state figures only inside generated blocks
(<!-- lab:begin KIND run=NAME --> ... <!-- lab:end -->), written from a run
stored in the repository under docs/runs/NAME/ (meta.json, verify.json,
bench.txt, trials.jsonl.gz) or from the code (the presets, the scenarios).

  store   copy the run in DIR to docs/runs/NAME/ (replacing it), with an
          optional note on the machine it ran on, then write every block
  write   rewrite every block from its source
  check   fail when a block differs from its source (go test runs this too)

Examples:

  lab docs store -run results/20261202-173139 -as journey -note "an idle 2-core machine"
  lab docs write
`

func runDocs(stdout, stderr io.Writer, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, docsUsage)
		return fmt.Errorf("docs: want store, write or check")
	}
	fs := flag.NewFlagSet("lab docs "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, docsUsage); fs.PrintDefaults() }
	runDir := fs.String("run", "", "with store: the run `directory` to store (default: the latest run under results/)")
	name := fs.String("as", "", "with store: the stored run's `name` (docs/runs/NAME), the one blocks cite as run=NAME")
	note := fs.String("note", "", "with store: what a reader should know of the machine the run ran on (the blocks quote it)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("docs: unexpected arguments %q", fs.Args())
	}
	cwd, _ := os.Getwd()
	root, err := launch.ModuleRoot(cwd)
	if err != nil {
		return err
	}
	switch args[0] {
	case "store":
		if *name == "" {
			return fmt.Errorf("docs store: give the stored run's name: -as NAME")
		}
		dir := *runDir
		if dir == "" {
			if dir, err = report.Latest("results"); err != nil {
				return err
			}
		}
		dst, err := docsgen.Store(dir, root, *name, *note)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "stored %s as %s\n", dir, dst)
		fallthrough
	case "write":
		changed, err := docsgen.Write(root)
		for _, f := range changed {
			fmt.Fprintln(stdout, "rewrote", f)
		}
		return err
	case "check":
		if err := docsgen.Check(root); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "docs: every generated block agrees with its source")
		return nil
	}
	fs.Usage()
	return fmt.Errorf("docs: unknown subcommand %q (store, write or check)", args[0])
}
