package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"metricstream/harness/analysis"
	"metricstream/harness/results"
)

// The CSV holds the analysis's medians, one row per cell, variant and
// unit, with the censored trials each leaves out; a unit whose every
// trial is censored has a row with no median.
func TestWriteCSV(t *testing.T) {
	a, err := analysis.Analyze(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, a); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(csvHeader, ",") {
		t.Fatalf("header %v", recs[0])
	}
	rows, censoredOnly := 0, 0
	for _, r := range recs[1:] {
		cell := analysis.Cell{Scenario: r[0], Step: r[1]}
		s := a.Sample(cell, r[2], r[3])
		if n, _ := strconv.Atoi(r[11]); n != a.Censored(cell, r[2], r[3]) {
			t.Errorf("row %v: %d censored, analysis %d", r, n, a.Censored(cell, r[2], r[3]))
		}
		if s == nil {
			if r[5] != "0" || r[6] != "" || r[11] == "0" {
				t.Errorf("row %v without a sample must be all censored, with no median", r)
			}
			censoredOnly++
			rows++
			continue
		}
		if m, _ := strconv.ParseFloat(r[6], 64); m != s.Summary.Center {
			t.Errorf("row %v: median %v, analysis %v", r, m, s.Summary.Center)
		}
		if want := map[int]string{+1: "higher", -1: "lower"}[a.Direction(r[3])]; r[4] != want {
			t.Errorf("row %v: better %q, want %q", r, r[4], want)
		}
		if (r[7] == "") == s.Summary.HasCI {
			t.Errorf("row %v: CI %q but HasCI %v", r, r[7], s.Summary.HasCI)
		}
		rows++
	}
	want := 0
	for _, c := range a.Cells {
		for _, v := range a.Variants {
			for _, u := range a.UnitNames {
				if a.Sample(c, v, u) != nil || a.Censored(c, v, u) > 0 {
					want++
				}
			}
		}
	}
	if rows != want || rows == 0 || censoredOnly == 0 {
		t.Errorf("%d rows (%d all censored), want %d (the fixture has censored latencies)", rows, censoredOnly, want)
	}
}

// Write puts one .hgrm per variant and cell next to the page, in
// HdrHistogram's percentile format, whose last percentile line is the
// merged histogram's maximum.
func TestWriteHGRMFiles(t *testing.T) {
	run := fixture(t)
	dir := t.TempDir()
	if _, err := Write(run, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, CSVFile)); err != nil {
		t.Fatal(err)
	}
	a, err := analysis.Analyze(run)
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, c := range a.TrialCells() {
		for _, v := range a.TrialVariants() {
			// what the merge must hold: every trial's values
			var total, most int64
			for _, tr := range a.Trials(c, v) {
				h, err := results.DecodeHDR(tr.HDR)
				if err != nil {
					t.Fatal(err)
				}
				total, most = total+h.TotalCount(), max(most, h.Max())
			}
			if total == 0 {
				continue
			}
			files++
			b, err := os.ReadFile(filepath.Join(dir, HGRMDir, HGRMName(c, v)))
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(bytes.NewReader(b))
			sc.Scan()
			if !strings.Contains(sc.Text(), "Percentile") {
				t.Fatalf("%s: header %q", HGRMName(c, v), sc.Text())
			}
			var last []string
			for sc.Scan() {
				if f := strings.Fields(sc.Text()); len(f) == 4 && !strings.HasPrefix(f[0], "#") {
					last = f
				}
			}
			if !bytes.Contains(b, []byte("#[Max     =")) || last == nil {
				t.Fatalf("%s lacks its footer or lines:\n%s", HGRMName(c, v), b)
			}
			ms, _ := strconv.ParseFloat(last[0], 64)
			if want := float64(most) / 1e6; ms < want*0.999 || ms > want*1.001 {
				t.Errorf("%s: last value %v ms, max %v ms", HGRMName(c, v), ms, want)
			}
			if n, _ := strconv.ParseInt(last[2], 10, 64); n != total {
				t.Errorf("%s: total %d, trials %d", HGRMName(c, v), n, total)
			}
		}
	}
	if files == 0 {
		t.Fatal("fixture has no histograms")
	}
}
