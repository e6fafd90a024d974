package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"metricstream/harness/analysis"
	"metricstream/internal/fsname"
)

// CSVFile and HGRMDir are where Write puts the medians and the percentile
// files, inside the report directory.
const (
	CSVFile = "medians.csv"
	HGRMDir = "hgrm"
)

// csvHeader names the columns of WriteCSV.
var csvHeader = []string{"scenario", "step", "variant", "unit", "better", "n", "median", "ci_lo", "ci_hi", "mad", "stddev", "censored"}

// WriteCSV writes one row per cell, variant and unit: the analysis's
// median, its 95% confidence interval (empty without one), MAD and standard
// deviation, with the unit's direction, and the trials left out because
// their value is only a bound (censored; a row whose every trial is
// censored has n 0 and no median), for spreadsheets and scripts.
func WriteCSV(w io.Writer, a *analysis.Analysis) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, c := range a.Cells {
		for _, v := range a.Variants {
			for _, u := range a.UnitNames {
				s, cens := a.Sample(c, v, u), a.Censored(c, v, u)
				better := map[int]string{+1: "higher", -1: "lower"}[a.Direction(u)]
				if s == nil {
					if cens > 0 {
						_ = cw.Write([]string{c.Scenario, c.Step, v, u, better, "0", "", "", "", "", "", strconv.Itoa(cens)})
					}
					continue
				}
				sum := s.Summary
				lo, hi, sd := "", "", ""
				if sum.HasCI {
					lo, hi = num(sum.Lo), num(sum.Hi)
				}
				if sum.N >= 2 {
					sd = num(sum.StdDev)
				}
				_ = cw.Write([]string{c.Scenario, c.Step, v, u, better, strconv.Itoa(sum.N), num(sum.Center), lo, hi, num(sum.MAD), sd, strconv.Itoa(cens)})
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: csv: %w", err)
	}
	return nil
}

// hgrmTicks is the number of percentile lines per halving of the distance
// to 100%, as HdrHistogram's own outputPercentileDistribution uses.
const hgrmTicks = 5

// WriteHGRM writes h (latency in nanoseconds) as HdrHistogram's text
// percentile distribution, values in milliseconds: the ".hgrm" format
// HdrHistogram's plotter reads.
func WriteHGRM(w io.Writer, h *hdrhistogram.Histogram) error {
	if _, err := h.PercentilesPrint(w, hgrmTicks, 1e6); err != nil {
		return fmt.Errorf("report: hgrm: %w", err)
	}
	return nil
}

// HGRMName is the percentile file of variant in cell, inside HGRMDir.
func HGRMName(c analysis.Cell, variant string) string {
	n := c.Scenario
	if c.Step != "" {
		n += "_" + c.Step
	}
	return fsname.Safe(n+"_"+variant) + ".hgrm"
}

// writeData writes the CSV of medians and one .hgrm per variant and cell
// (the trials' histograms merged) into dir.
func writeData(dir string, a *analysis.Analysis) error {
	f, err := os.Create(filepath.Join(dir, CSVFile))
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := WriteCSV(f, a); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	hdir := filepath.Join(dir, HGRMDir)
	if err := os.MkdirAll(hdir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for _, sp := range a.Series.Spectra {
		if sp.HDR == nil {
			continue
		}
		f, err := os.Create(filepath.Join(hdir, HGRMName(sp.Cell, sp.Variant)))
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		err = WriteHGRM(f, sp.HDR)
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("report: %w", cerr)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
