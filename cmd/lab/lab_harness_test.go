package main

import (
	"bytes"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"metricstream/harness/results"
)

func TestScenariosCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, &bytes.Buffer{}, []string{"scenarios"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"seed-50x10", "rate-ramp", "large-batch", "parser dimension", "QUICK"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("lab scenarios lacks %q", want)
		}
	}
}

func TestMergeCommand(t *testing.T) {
	dir := t.TempDir()
	for _, host := range []string{"a", "b"} {
		h := results.NewHDR()
		h.RecordValue(5000)
		enc, _ := results.EncodeHDR(h)
		r := &results.Run{Dir: filepath.Join(dir, host), Meta: results.Meta{RunID: "r1"},
			Trials: []results.Trial{{Scenario: "s", Variant: "v", Host: host, HDR: enc, Counts: results.Counts{Status2xx: 1}}}}
		if err := results.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	err := run(&out, &bytes.Buffer{}, []string{"merge", filepath.Join(dir, "a"), filepath.Join(dir, "b"), "-out", filepath.Join(dir, "m")})
	if err != nil {
		t.Fatal(err)
	}
	m, err := results.Read(filepath.Join(dir, "m"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Trials) != 1 || m.Trials[0].Counts.Status2xx != 2 || strings.Join(m.Meta.Hosts, ",") != "a,b" {
		t.Fatalf("%+v", m)
	}
	if err := run(&out, &bytes.Buffer{}, []string{"merge", filepath.Join(dir, "a")}); err == nil {
		t.Fatal("merge without -out succeeded")
	}
}

func TestExperimentFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"experiment", "baseline"},
		{"experiment", "-count", "0", "-quiet"},
		{"experiment", "-variant", "phase9", "-quiet", "-out", t.TempDir()},
		{"experiment", "-scenarios", "nope", "-quiet", "-out", t.TempDir()},
		{"compare", "-a", "baseline"},
	} {
		if err := run(&bytes.Buffer{}, &bytes.Buffer{}, args); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
}

// -cpus: distinct core counts within the machine's.
func TestParseCPUs(t *testing.T) {
	if got, err := parseCPUs(" 1 "); err != nil || len(got) != 1 || got[0] != 1 {
		t.Errorf("1: %v %v", got, err)
	}
	if got, err := parseCPUs(""); err != nil || got != nil {
		t.Errorf("empty: %v %v", got, err)
	}
	for _, bad := range []string{"0", "1,1", "x", "1,,2", strconv.Itoa(runtime.NumCPU() + 1)} {
		if _, err := parseCPUs(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
