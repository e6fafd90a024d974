package docsgen

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"metricstream/harness/analysis"
	"metricstream/harness/report"
	"metricstream/harness/results"
	"metricstream/harness/scenario"
	"metricstream/variants"
)

// generator renders blocks, analysing each stored run once.
type generator struct {
	root string
	runs map[string]*analysis.Analysis
}

func newGenerator(root string) *generator {
	return &generator{root: root, runs: map[string]*analysis.Analysis{}}
}

// StoredNote is the prefix of the note Store adds to a stored run's
// Meta.Notes, which the "run" block quotes.
const StoredNote = "stored: "

// run is the analysis of the run stored as name.
func (g *generator) run(name string) (*analysis.Analysis, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return nil, fmt.Errorf("run=%q: name a run stored in %s/", name, RunsDir)
	}
	if a, ok := g.runs[name]; ok {
		return a, nil
	}
	r, err := results.Read(filepath.Join(g.root, RunsDir, name))
	if err != nil {
		return nil, err
	}
	a, err := analysis.Analyze(r)
	if err != nil {
		return nil, err
	}
	g.runs[name] = a
	return a, nil
}

// block renders the body of b in the file rel.
func (g *generator) block(rel string, b block) (string, error) {
	var buf bytes.Buffer
	switch b.kind {
	case "presets":
		presets(&buf)
	case "scenarios":
		if err := scenarios(&buf, filepath.Join(g.root, "scenarios")); err != nil {
			return "", err
		}
	case "run":
		a, err := g.run(b.args["run"])
		if err != nil {
			return "", err
		}
		link := path.Join(relTo(rel), RunsDir, b.args["run"]) + "/"
		fmt.Fprintf(&buf, "Figures from [%s](%s)", report.RunLine(a), link)
		for _, n := range a.Run.Meta.Notes {
			if note, ok := strings.CutPrefix(n, StoredNote); ok {
				fmt.Fprintf(&buf, "; %s", note)
			}
		}
		fmt.Fprintf(&buf, ". Its page: `bin/lab report -run %s/%s`.\n", RunsDir, b.args["run"])
	default:
		a, err := g.run(b.args["run"])
		if err != nil {
			return "", err
		}
		if err := report.WriteMarkdown(&buf, a, b.kind, b.args); err != nil {
			return "", err
		}
	}
	return trimBody(buf.Bytes()), nil
}

// relTo is the path from the directory of rel up to the repository root:
// "." for README.md, ".." for harness/README.md.
func relTo(rel string) string {
	d := path.Dir(filepath.ToSlash(rel))
	if d == "." {
		return "."
	}
	return strings.TrimSuffix(strings.Repeat("../", strings.Count(d, "/")+1), "/")
}

// presets writes the journey's presets, one row each, with the variant
// of every dimension the presets vary; a dimension they all share is said
// below the table.
func presets(w *bytes.Buffer) {
	var vary, same []string
	for _, d := range variants.Dimensions {
		v0, all := variants.Presets[0].Set[d.Name], true
		for _, p := range variants.Presets {
			all = all && p.Set[d.Name] == v0
		}
		if all {
			same = append(same, "`"+d.Name+"="+v0+"`")
		} else {
			vary = append(vary, d.Name)
		}
	}
	fmt.Fprintln(w, "| preset | the step | "+strings.Join(vary, " | ")+" |")
	fmt.Fprintln(w, strings.Repeat("|---", len(vary)+2)+"|")
	for _, p := range variants.Presets {
		row := []string{"`" + p.Name + "`", p.About}
		for _, d := range vary {
			v := p.Set[d]
			if v == variantDefault(d) {
				v = "**" + v + "**"
			}
			row = append(row, v)
		}
		fmt.Fprintln(w, "| "+strings.Join(row, " | ")+" |")
	}
	if len(same) > 0 {
		fmt.Fprintf(w, "\nEvery preset keeps %s. Bold: the dimension's default.\n", strings.Join(same, ", "))
	}
}

func variantDefault(dim string) string {
	d, _ := variants.Lookup(dim)
	return d.Default
}

// scenarios writes one row per scenario file: its kind, its load, how long
// a trial is, its batch, the server flags it sets, its SLOs, the dimension
// it targets and the sets it belongs to.
func scenarios(w *bytes.Buffer, dir string) error {
	all, err := scenario.LoadDir(dir)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "| scenario | kind | load | a trial | batch | server flags | SLOs | targets | sets |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, s := range all {
		kind := string(s.Kind)
		if kind == "" {
			kind = "load"
		}
		length := s.Duration
		if s.Requests > 0 {
			length = strconv.Itoa(s.Requests) + " requests a client"
		}
		if length == "" {
			length = "-"
		}
		var sets []string
		if s.Quick {
			sets = append(sets, "quick")
		}
		sets = append(sets, s.Sets...)
		row := []string{"`" + s.Name + "`", kind, loadWords(s), length, strconv.Itoa(max(s.Batch, 1)),
			orDash(strings.Join(s.Server.Flags(), " ")), orDash(strings.Join(s.SLO, ", ")), orDash(s.Targets), orDash(strings.Join(sets, ", "))}
		for i := range row {
			row[i] = strings.ReplaceAll(row[i], "|", `\|`)
		}
		fmt.Fprintln(w, "| "+strings.Join(row, " | ")+" |")
	}
	return nil
}

// loadWords says a scenario's load: "closed, 16 clients, keep-alive",
// "open, 1000 … 16000 req/s over 64 connections".
func loadWords(s *scenario.Scenario) string {
	conn := "keep-alive"
	if s.KeepAlive != nil && !*s.KeepAlive {
		conn = "a connection per request"
	}
	steps := func(unit string) string {
		var vs []string
		for _, v := range s.Steps {
			vs = append(vs, strconv.FormatFloat(v, 'f', -1, 64))
		}
		return "steps " + strings.Join(vs, ", ") + " " + unit
	}
	var out string
	switch {
	case s.Model == "open" && len(s.Steps) > 0:
		out = fmt.Sprintf("open, %s over %d connections", steps("req/s"), s.Clients)
	case s.Model == "open" && s.Rate > 0:
		out = fmt.Sprintf("open, %s req/s over %d connections", strconv.FormatFloat(s.Rate, 'f', -1, 64), s.Clients)
	case s.Model == "open":
		out = fmt.Sprintf("open, its rate found by the trial, %d connections", s.Clients)
	case len(s.Steps) > 0:
		// a load sweep's steps are client counts; another kind's steps are
		// its own (attackers, ms, slow clients) beside the clients
		out = strings.TrimSpace("closed, " + steps(""))
		if s.Kind != "" && s.Kind != "load" && s.Clients > 0 {
			out += fmt.Sprintf(" beside %s", clients(s.Clients))
		}
	default:
		out = "closed, " + clients(s.Clients)
	}
	if s.Replicas > 1 {
		out += fmt.Sprintf(", %d replicas", s.Replicas)
	}
	return out + ", " + conn
}

func clients(n int) string {
	if n == 1 {
		return "1 client"
	}
	return strconv.Itoa(n) + " clients"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
