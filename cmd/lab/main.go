// Command lab drives the MetricsStream Lab: it lists variants and scenarios,
// runs experiments, compares variants and builds reports.
//
// Usage:
//
//	lab variants               print dimensions, variants, build tags and presets
//	lab tags SPEC              print the build tags for a preset or spec
//	lab <command> -h           help for one command
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"metricstream/variants"
)

func main() {
	if err := run(os.Stdout, os.Stderr, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "lab:", err)
		os.Exit(2)
	}
}

// command is one subcommand of lab.
type command struct {
	name, usage string
	run         func(stdout, stderr io.Writer, args []string) error
}

// commands is filled by the files that define each subcommand.
var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

func init() {
	register(command{"variants", "print dimensions, variants, build tags and presets", runVariants})
	register(command{"tags", "SPEC: print the build tags selecting a preset or spec", runTags})
	register(command{"presets", "print the preset names, then one spec per variant no preset uses (for build checks)", runPresets})
}

func run(stdout, stderr io.Writer, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "help" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		usage(stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(stdout, stderr, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: lab <command> [flags]")
	fmt.Fprintln(w)
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].usage)
	}
}

func runVariants(stdout, _ io.Writer, args []string) error {
	if len(args) != 0 {
		return fmt.Errorf("variants: takes no arguments")
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DIMENSION\tVARIANT\tBUILD TAG\tDEFAULT\tSEED CHAPTER")
	for _, d := range variants.Dimensions {
		for _, v := range d.Variants {
			def := ""
			if v == d.Default {
				def = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s_%s\t%s\t%s\n", d.Name, v, d.Name, v, def, d.Chapter)
		}
	}
	fmt.Fprintln(tw)
	hdr := []string{"PRESET"}
	for _, d := range variants.Dimensions {
		hdr = append(hdr, strings.ToUpper(d.Name))
	}
	hdr = append(hdr, "ABOUT")
	fmt.Fprintln(tw, strings.Join(hdr, "\t"))
	for _, p := range variants.Presets {
		row := []string{p.Name}
		for _, d := range variants.Dimensions {
			row = append(row, p.Set[d.Name])
		}
		row = append(row, p.About)
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

func runTags(stdout, _ io.Writer, args []string) error {
	spec := ""
	if len(args) > 1 {
		return fmt.Errorf("tags: want one preset or spec, got %d arguments", len(args))
	}
	if len(args) == 1 {
		spec = args[0]
	}
	s, err := variants.Parse(spec)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, s.Tags())
	return nil
}

// runPresets prints every preset name, then a spec for each variant that no
// preset selects, so that building these covers every variant.
func runPresets(stdout, _ io.Writer, args []string) error {
	if len(args) != 0 {
		return fmt.Errorf("presets: takes no arguments")
	}
	used := map[string]bool{}
	for _, p := range variants.Presets {
		fmt.Fprintln(stdout, p.Name)
		for k, v := range p.Set {
			used[k+"="+v] = true
		}
	}
	for _, d := range variants.Dimensions {
		for _, v := range d.Variants {
			if !used[d.Name+"="+v] {
				fmt.Fprintln(stdout, d.Name+"="+v)
			}
		}
	}
	return nil
}
