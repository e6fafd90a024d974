package docsgen

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"metricstream/harness/analysis"
	"metricstream/harness/launch"
	"metricstream/harness/report"
	"metricstream/harness/results"
)

// fixtureRun is the report package's small fixed run: phase2, phase3 and
// an A/A arm, closed and open loop.
var fixtureRun = filepath.Join("..", "report", "testdata", "run")

// The repository's READMEs and docs agree with their stored runs and with
// the code: every generated block is what its source gives today. When a
// stored run is replaced or the code changes, `make docs` rewrites them.
func TestRepositoryDocs(t *testing.T) {
	root, err := launch.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(root); err != nil {
		t.Fatal(err)
	}
	files, err := Files(root)
	if err != nil {
		t.Fatal(err)
	}
	blocks := 0
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue
		}
		_, bs, err := parse(string(b))
		if err != nil {
			t.Fatal(err)
		}
		blocks += len(bs)
	}
	if blocks == 0 {
		t.Fatal("no generated block in the READMEs: nothing ties their figures to a stored run")
	}
}

// A stored run is small, reads back as the same run and stores the same
// bytes twice.
func TestStore(t *testing.T) {
	root := t.TempDir()
	dst, err := Store(fixtureRun, root, "x", "a test machine")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	es, _ := os.ReadDir(dst)
	for _, e := range es {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "bench.txt meta.json trials.jsonl.gz verify.json" {
		t.Errorf("stored %v", names)
	}
	src, err := results.Read(fixtureRun)
	if err != nil {
		t.Fatal(err)
	}
	got, err := results.Read(dst)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Trials, src.Trials) || !reflect.DeepEqual(got.Checks, src.Checks) {
		t.Error("the stored run reads back different trials or checks")
	}
	if n := got.Meta.Notes; len(n) != len(src.Meta.Notes)+1 || n[len(n)-1] != StoredNote+"a test machine" {
		t.Errorf("notes %q", n)
	}
	gz, _ := os.ReadFile(filepath.Join(dst, results.TrialsGzFile))
	raw, _ := os.ReadFile(filepath.Join(fixtureRun, results.TrialsFile))
	if len(gz) == 0 || len(gz) >= len(raw) {
		t.Errorf("trials.jsonl.gz %d bytes from %d", len(gz), len(raw))
	}
	if _, err := Store(fixtureRun, root, "x", "a test machine"); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(filepath.Join(dst, results.TrialsGzFile))
	if !bytes.Equal(gz, again) {
		t.Error("storing the same run twice gave different bytes")
	}
	for _, bad := range []string{"", "..", "a/b"} {
		if _, err := Store(fixtureRun, root, bad, ""); err == nil {
			t.Errorf("stored as %q", bad)
		}
	}
}

const readme = `# A README

Some prose.

<!-- lab:begin run run=x -->
stale
<!-- lab:end -->

<!-- lab:begin headlines run=x -->
<!-- lab:end -->

Between.

<!-- lab:begin medians run=x unit=p99-ns -->
| old | table |
<!-- lab:end -->

<!-- lab:begin presets -->
<!-- lab:end -->

<!-- lab:begin scenarios -->
<!-- lab:end -->

The end.
`

// Write fills every block from its source and leaves the prose alone;
// Check then passes, and fails as soon as a block and its source disagree:
// an edited figure, or a different run stored under the block's name.
func TestWriteAndCheck(t *testing.T) {
	root := t.TempDir()
	if _, err := Store(fixtureRun, root, "x", "a test machine"); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "scenarios"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"fsync.json", "capacity.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "scenarios", s))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "scenarios", s), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(root, "README.md")
	if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Check(root)
	if err == nil || !strings.Contains(err.Error(), "README.md line 5 (run run=x)") || !strings.Contains(err.Error(), "make docs") {
		t.Fatalf("a stale README passed: %v", err)
	}
	changed, err := Write(root)
	if err != nil || len(changed) != 1 || changed[0] != "README.md" {
		t.Fatalf("Write: %v %v", changed, err)
	}
	if err := Check(root); err != nil {
		t.Fatalf("after Write: %v", err)
	}
	b, _ := os.ReadFile(path)
	text := string(b)
	for _, keep := range []string{"# A README\n\nSome prose.\n\n<!-- lab:begin run run=x -->\n", "\nBetween.\n", "\nThe end.\n"} {
		if !strings.Contains(text, keep) {
			t.Errorf("Write lost %q", keep)
		}
	}
	// the figures are the run's, phrased as the report phrases them
	src, _ := results.Read(fixtureRun)
	a, err := analysis.Analyze(src)
	if err != nil {
		t.Fatal(err)
	}
	var hl, md bytes.Buffer
	if err := report.WriteMarkdown(&hl, a, "headlines", nil); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteMarkdown(&md, a, "medians", map[string]string{"unit": "p99-ns"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{strings.TrimSpace(hl.String()), strings.TrimSpace(md.String()), "[run `20260102-030405` (2026-01-02, 2 CPUs, go1.26.8, 10 trials per cell), scenarios seed-100x10, steps, ramp](docs/runs/x/); a test machine.",
		"| `phase6` | ch. 11: worker pool |", "| `fsync` | load | closed, 16 clients, keep-alive | "} {
		if !strings.Contains(text, want) {
			t.Errorf("README lacks %q:\n%s", want, text)
		}
	}
	if changed, err := Write(root); err != nil || len(changed) != 0 {
		t.Errorf("a second Write changed %v (%v)", changed, err)
	}

	// a figure edited by hand
	edited := strings.Replace(text, "phase3", "phase9", 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Check(root); err == nil {
		t.Error("an edited figure passed")
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// another run stored under the block's name
	other := filepath.Join(t.TempDir(), "run")
	r, _ := results.Read(fixtureRun)
	r.Dir, r.Trials = other, r.Trials[:len(r.Trials)/2]
	if err := results.Write(r); err != nil {
		t.Fatal(err)
	}
	if _, err := Store(other, root, "x", "a test machine"); err != nil {
		t.Fatal(err)
	}
	if err := Check(root); err == nil || !strings.Contains(err.Error(), " run=x") {
		t.Errorf("a README of another run passed: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{
		"<!-- lab:begin run run=x -->\nnever ends\n",
		"<!-- lab:begin a -->\n<!-- lab:begin b -->\n<!-- lab:end -->\n",
		"<!-- lab:end -->\n",
		"<!-- lab:begin run x -->\n<!-- lab:end -->\n",
		"<!-- lab:begin -->\n<!-- lab:end -->\n",
	} {
		if _, _, err := parse(bad); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "README.md"), []byte("<!-- lab:begin nosuchkind run=x -->\n<!-- lab:end -->\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Check(root); err == nil {
		t.Error("a block of an unknown kind or run passed")
	}
	if got := relTo("harness/README.md"); got != ".." {
		t.Errorf("relTo = %q", got)
	}
	if got := relTo("docs/runs/README.md"); got != "../.." {
		t.Errorf("relTo = %q", got)
	}
}
