package main

import (
	"os"

	"metricstream/harness/analysis"
	"metricstream/harness/report"
	"metricstream/harness/results"
)

func main() {
	run, err := results.Read(os.Args[1])
	if err != nil {
		panic(err)
	}
	a, err := analysis.Analyze(run)
	if err != nil {
		panic(err)
	}
	report.Summary(os.Stdout, a)
	report.WriteText(os.Stdout, a)
}
