package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"metricstream/harness/analysis"
	"metricstream/harness/results"
)

// pageImage is one <img> of the page.
type pageImage struct {
	src           string
	width, height int
}

// pageImages parses the page (HTML, read with encoding/xml's HTML mode:
// lenient, HTML entities and void elements) and returns its <img> tags.
func pageImages(t *testing.T, page []byte) []pageImage {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(page)))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	var out []pageImage
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the page does not parse: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "img" {
			continue
		}
		var im pageImage
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "src":
				im.src = a.Value
			case "width":
				im.width, _ = strconv.Atoi(a.Value)
			case "height":
				im.height, _ = strconv.Atoi(a.Value)
			}
		}
		out = append(out, im)
	}
	return out
}

// checkPage writes run's report and checks, from the page as written, that
// every image it references is a file beside it that decodes as a PNG of
// the size the tag states, that every chart of the report is on the page,
// and that no panel carries more than MaxSeriesPerPanel series.
func checkPage(t *testing.T, run *results.Run) *Report {
	t.Helper()
	dir := t.TempDir()
	index, err := Write(run, dir)
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	imgs := pageImages(t, page)
	linked := map[string]bool{}
	for _, im := range imgs {
		if im.src == "" || strings.Contains(im.src, "/") || strings.Contains(im.src, ":") {
			t.Errorf("img src %q is not a file beside the page", im.src)
			continue
		}
		linked[im.src] = true
		f, err := os.Open(filepath.Join(dir, im.src))
		if err != nil {
			t.Errorf("the page references %s: %v", im.src, err)
			continue
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Errorf("%s does not decode as PNG: %v", im.src, err)
			continue
		}
		if b := img.Bounds(); b.Dx() != im.width || b.Dy() != im.height {
			t.Errorf("%s is %dx%d, the page says %dx%d", im.src, b.Dx(), b.Dy(), im.width, im.height)
		}
		if im.width > 1200 {
			t.Errorf("%s is %d px wide: wider than the page's column", im.src, im.width)
		}
	}
	rep, err := Build(run)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Charts) == 0 {
		t.Fatal("no chart drawn")
	}
	for _, c := range rep.Charts {
		if !linked[c.File] {
			t.Errorf("chart %s is not on the page", c.File)
		}
		for _, p := range c.panels() {
			if n := len(p.Series); n > MaxSeriesPerPanel || (n == 0 && len(p.Effects) == 0) {
				t.Errorf("%s panel %q: %d series (want 1..%d)", c.File, p.Title, n, MaxSeriesPerPanel)
			}
		}
	}
	return rep
}

func TestPageChartsExistAndDecode(t *testing.T) {
	rep := checkPage(t, fixture(t))
	for _, c := range rep.Charts {
		// one scenario per chart: the sweep charts are named for theirs
		if strings.HasPrefix(c.File, "success-") || strings.HasPrefix(c.File, "latency-") {
			if c.File != "success-steps.png" && c.File != "latency-steps.png" && c.File != "latency-ramp.png" {
				t.Errorf("sweep chart %s is not one scenario's", c.File)
			}
		}
		if strings.HasPrefix(c.File, "success-") && (c.YMin != 0 || c.YMax != 100) {
			t.Errorf("%s: success axis %v-%v, want 0-100%%", c.File, c.YMin, c.YMax)
		}
	}
}

// Eight variants on one sweep: every chart splits them into panels of at
// most six, every variant still drawn, and the page still checks out.
func TestPageManyVariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	run := &results.Run{Meta: results.Meta{RunID: "many", Scenarios: []string{"sweep"}}}
	var labels []string
	for v := range 8 {
		l := fmt.Sprintf("parser=v%d", v)
		labels = append(labels, l)
		run.Meta.Variants = append(run.Meta.Variants, results.Variant{Label: l})
		for _, c := range []int{10, 100, 1000} {
			for i := range 2 {
				run.Trials = append(run.Trials, trial(rng, "sweep", fmt.Sprintf("clients=%d", c), l, i, "closed", c, 0,
					float64(c)/10*(1+0.1*float64(v)), 100, 1000*float64(v+1)))
			}
		}
	}
	rep := checkPage(t, run)
	for _, c := range rep.Charts {
		drawn := map[string]bool{}
		for _, s := range c.AllSeries() {
			drawn[strings.Fields(s.Name)[0]] = true
		}
		for _, l := range labels {
			if !drawn[l] {
				t.Errorf("%s does not draw %s", c.File, l)
			}
		}
		if len(c.Panels) < 2 {
			t.Errorf("%s: 8 variants in %d panels", c.File, len(c.Panels))
		}
	}
}

// Log axes are labelled with plain numbers, at least two per axis, and
// never in exponent form.
func TestReadableLogTicks(t *testing.T) {
	for _, r := range [][2]float64{{0.03, 2}, {0.5, 800}, {1, 1e6}, {120, 180}, {2.5, 9}, {1e3, 6e4}} {
		var labels []string
		for _, tk := range (readableLogTicks{}).Ticks(r[0], r[1]) {
			if tk.Value < r[0]*(1-1e-9) || tk.Value > r[1]*(1+1e-9) {
				t.Errorf("%v: tick %v outside the axis", r, tk.Value)
			}
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if len(labels) < 2 {
			t.Errorf("%v: labels %q", r, labels)
		}
		for _, l := range labels {
			if strings.ContainsAny(l, "e+") {
				t.Errorf("%v: label %q", r, l)
			}
		}
	}
	if got := sigFigs(20000); got != "20k" {
		t.Errorf("sigFigs(20000) = %q", got)
	}
	if got := sigFigs(0.05); got != "0.05" {
		t.Errorf("sigFigs(0.05) = %q", got)
	}
}

func TestPageValueAndTally(t *testing.T) {
	for in, want := range map[string]string{"2.10ms (n=3, no CI)": "2.10ms", "2.10ms ± 3%": "2.10ms ± 3%", "-": "-"} {
		if got := pageValue(in); got != want {
			t.Errorf("pageValue(%q) = %q, want %q", in, got, want)
		}
	}
	ct := CompareTable{Rows: []CompareRow{{Outcome: "better"}, {Outcome: "~"}, {Outcome: "~"}, {Outcome: "too few trials"}, {Outcome: "censored"}, {Outcome: "no verdict"}}}
	if got := ct.Tally(); got != "1 better, 2 ~, 1 censored, 1 too few trials, 1 no verdict" || !ct.Decided() {
		t.Errorf("tally %q, decided %v", got, ct.Decided())
	}
	if (CompareTable{Rows: []CompareRow{{Outcome: "~"}}}).Decided() {
		t.Error("a table of ~ rows unfolded")
	}
}

// A median that leaves out censored trials says how many; a unit whose
// every trial is censored is a column saying so, never a blank or a
// number.
func TestMedianTablesCensored(t *testing.T) {
	a, err := analysis.Analyze(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	var cens, partial int
	for _, tb := range medianTables(a) {
		for _, r := range tb.Rows {
			c := cellOf(a, r.Cell)
			for i, u := range tb.Units {
				n, s := a.Censored(c, r.Variant, u.Name), a.Sample(c, r.Variant, u.Name)
				switch v := r.Values[i]; {
				case n > 0 && s == nil:
					cens++
					if v != fmt.Sprintf("censored (%d)", n) {
						t.Errorf("%s %s %s: %q, want censored (%d)", r.Cell, r.Variant, u.Name, v, n)
					}
				case n > 0:
					partial++
					if !strings.HasSuffix(v, fmt.Sprintf(" (+%d censored)", n)) {
						t.Errorf("%s %s %s: %q does not count its %d censored trials", r.Cell, r.Variant, u.Name, v, n)
					}
				case strings.Contains(v, "censored"):
					t.Errorf("%s %s %s: %q with no censored trial", r.Cell, r.Variant, u.Name, v)
				}
				if n > 0 && !tb.Censored {
					t.Errorf("table %s does not say it has censored values", tb.Scenario)
				}
			}
		}
	}
	if cens == 0 || partial == 0 {
		t.Errorf("the fixture gives %d all-censored and %d partly censored medians; want both", cens, partial)
	}
}

// Before a reader unfolds anything the page shows the result, the journey
// chart, the headlines and the stage bars; every other section is a
// closed <details> with a summary line, and every other chart is inside
// one.
func TestPageFirstScreenAndFolding(t *testing.T) {
	for name, run := range map[string]*results.Run{"fixture": fixture(t), "stages": stagesRun()} {
		rep, err := Build(run)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := rep.WriteHTML(&buf); err != nil {
			t.Fatal(err)
		}
		page := buf.String()
		first := strings.Index(page, `<details class="section"`)
		if first < 0 {
			t.Fatalf("%s: no folded section", name)
		}
		top := page[:first]
		for _, want := range []string{`<h1 id="result">` + rep.Title, `src="journey-effects.png"`, `<ol class="headlines"`} {
			if !strings.Contains(html.UnescapeString(top), want) {
				t.Errorf("%s: the unfolded top lacks %q", name, want)
			}
		}
		if n := strings.Count(top, "<li class="); n != len(rep.Headlines) || n == 0 {
			t.Errorf("%s: %d headlines on top, want %d", name, n, len(rep.Headlines))
		}
		for _, c := range rep.Charts {
			shown := strings.Contains(top, `src="`+c.File+`"`)
			if want := c.Place != ""; shown != want {
				t.Errorf("%s: %s (place %q) unfolded: %v", name, c.File, c.Place, shown)
			}
		}
		sections := regexp.MustCompile(`<details class="section"[^>]*>`).FindAllString(page, -1)
		if len(sections) < 8 {
			t.Errorf("%s: %d folded sections", name, len(sections))
		}
		for _, s := range sections {
			if strings.Contains(s, " open") {
				t.Errorf("%s: section %s opens unfolded", name, s)
			}
		}
		for _, id := range []string{"steps", "verdicts", "charts", "seed", "slo", "summaries", "comparisons", "details"} {
			if !strings.Contains(page, `<details class="section" id="`+id+`"><summary><h2>`) {
				t.Errorf("%s: section %s is not a folded section with a heading", name, id)
			}
		}
	}
}
