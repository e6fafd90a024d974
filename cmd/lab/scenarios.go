package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"metricstream/harness/launch"
	"metricstream/harness/scenario"
)

func init() {
	register(command{"scenarios", "list (and validate) the scenarios with what each measures", runScenarios})
}

func runScenarios(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("lab scenarios", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "scenario `directory` (default: scenarios/ in the module root)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		cwd, _ := os.Getwd()
		root, err := launch.ModuleRoot(cwd)
		if err != nil {
			return err
		}
		*dir = filepath.Join(root, "scenarios")
	}
	all, err := scenario.LoadDir(*dir)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tMODEL\tLOAD\tSERVER FLAGS\tQUICK")
	for _, s := range all {
		quick := ""
		if s.Quick {
			quick = "yes"
		}
		kind := s.Kind
		if kind == "" {
			kind = scenario.KindLoad
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, kind, s.Model, loadText(s), s.Server.Key(), quick)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range all {
		fmt.Fprintf(stdout, "\n%s\n%s\n", s.Name, wrap(s.About, 76, "  "))
	}
	return nil
}

func loadText(s *scenario.Scenario) string {
	var b strings.Builder
	if s.Model == "open" {
		fmt.Fprintf(&b, "%g req/s, %d conns, %s", s.Rate, s.Clients, s.Duration)
	} else if s.Requests > 0 {
		fmt.Fprintf(&b, "%d x %d", s.Clients, s.Requests)
	} else {
		fmt.Fprintf(&b, "%d clients, %s", s.Clients, s.Duration)
	}
	if len(s.Steps) > 0 {
		fmt.Fprintf(&b, ", steps %v", s.Steps)
	}
	fmt.Fprintf(&b, ", batch %d", s.Batch)
	if s.KeepAlive != nil && !*s.KeepAlive {
		b.WriteString(", conn/request")
	}
	return b.String()
}

func wrap(s string, width int, indent string) string {
	var lines []string
	line := indent
	for _, w := range strings.Fields(s) {
		if len(line)+len(w)+1 > width && line != indent {
			lines = append(lines, line)
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}
