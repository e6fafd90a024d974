package analysis

import (
	"time"

	"metricstream/harness/results"
)

// The disk-fault kinds' finding (the trials come from
// harness/experiment/disk.go): figures and verdicts as values; the words
// are harness/report's (report/disk.go).

// DiskRecoveryBound is how soon after the disk has room again a writer
// must accept batches: 200 again within a second of the room returning.
const DiskRecoveryBound = time.Second

// DiskFinding is one variant in one disk-fault cell: medians over its
// trials, sums for what was acknowledged and landed, the worst case for
// loss, exit and recovery.
type DiskFinding struct {
	Cell    Cell
	Variant string
	Kind    string // "disk-full" or "disk-slow"
	Writer  string // the variant's writer: sync, async, unbounded
	Trials  int

	RoomBytes    int64 // disk-full: what the data file could grow by while full
	WriteDelayNS int64 // disk-slow: what every write waited

	// Acked and Landed are summed over the trials: metrics acknowledged,
	// and complete lines in the files after SIGTERM. Lost is the sum of
	// each trial's acknowledged metrics missing from its file.
	Acked, Landed, Lost int64
	// BadExits counts trials whose server did not exit 0 after SIGTERM.
	BadExits int

	Refused503Pct float64 // median share of 503 over all answers
	// FullAnswers, Full503 and FullAccepted are the answers to requests
	// sent while the disk refused, how many of them were 503, and how many
	// 2xx (summed; disk-full): acknowledged although the disk could not
	// take them then, so held or queued to be written later, or lost.
	FullAnswers, Full503, FullAccepted int64
	P99NS                              float64 // median p99 of the accepted (2xx) requests

	// Recovery (disk-full): the first 2xx after the room returned. The
	// median and worst are over the trials that had one; Unrecovered
	// counts those that had none by the end of the run (censored: no
	// figure stands for them).
	RecoveredMedianNS, RecoveredWorstNS float64
	Recovered, Unrecovered              int
	FullMedianNS                        float64 // median time the disk refused (first refusal to lift)
	NeverFilled                         int     // trials whose disk never refused: no full disk measured

	// Memory: medians of the resident set at the start and at its peak,
	// and the most the writer held for retry or queued (bytes, batches),
	// over the trials.
	RSSStartBytes, RSSPeakBytes   float64
	HeldPeakBytes, QueuePeakBytes int64
	QueuePeakDepth                int
	BaseP99NS, BaseRSSPeakBytes   float64 // disk-slow: the same variant's delay=0ms cell, when the run has it (0: none)
	// Verdicts: nothing lost (Lost 0 and Landed = Acked); every exit 0;
	// disk-full: the writer answered 503 while the disk refused; every
	// trial accepted again within DiskRecoveryBound of the room returning.
	NothingLost, CleanExit, Refused, RecoveredInTime bool
}

// DiskFindings returns one DiskFinding per disk-fault cell and variant, in
// cell order.
func (a *Analysis) DiskFindings() []DiskFinding {
	var out []DiskFinding
	for _, c := range a.ix.cells {
		for _, v := range a.ix.variants {
			ts := a.ix.byCell[c][v]
			if len(ts) == 0 || (ts[0].Kind != "disk-full" && ts[0].Kind != "disk-slow") {
				continue
			}
			f := diskFinding(c, v, ts)
			if f.Kind == "disk-slow" && f.WriteDelayNS > 0 {
				if bs := a.ix.byCell[Cell{c.Scenario, "delay=0ms"}][v]; len(bs) > 0 {
					b := diskFinding(Cell{c.Scenario, "delay=0ms"}, v, bs)
					f.BaseP99NS, f.BaseRSSPeakBytes = b.P99NS, b.RSSPeakBytes
				}
			}
			out = append(out, f)
		}
	}
	return out
}

func diskFinding(c Cell, v string, ts []*results.Trial) DiskFinding {
	f := DiskFinding{Cell: c, Variant: v, Kind: ts[0].Kind, Trials: len(ts)}
	var share, p99, rec, rss0, rss, fullFor []float64
	for _, t := range ts {
		d := diskOf(t)
		f.Acked += t.Acked
		f.Lost += t.Lost
		share = append(share, t.Refused503Pct())
		p99 = append(p99, float64(t.Latency.P99))
		if d == nil {
			continue
		}
		f.Writer, f.RoomBytes, f.WriteDelayNS = d.Writer, d.RoomBytes, d.WriteDelayNS
		f.Landed += d.Landed
		if d.ExitCode != 0 {
			f.BadExits++
		}
		if d.Full != nil {
			f.FullAnswers += d.Full.Total()
			f.Full503 += d.Full.Status503
			f.FullAccepted += d.Full.Status2xx
		}
		if f.Kind == "disk-full" {
			switch {
			case d.FilledAtNS == 0:
				f.NeverFilled++
			case d.FirstOKNS < 0:
				f.Unrecovered++
			default:
				fullFor = append(fullFor, float64(d.FullNS))
				f.Recovered++
				rec = append(rec, float64(d.FirstOKNS))
				f.RecoveredWorstNS = max(f.RecoveredWorstNS, float64(d.FirstOKNS))
			}
		}
		rss0, rss = append(rss0, float64(d.RSSStartBytes)), append(rss, float64(d.RSSPeakBytes))
		f.HeldPeakBytes = max(f.HeldPeakBytes, d.HeldPeakBytes)
		f.QueuePeakBytes = max(f.QueuePeakBytes, d.QueuePeakBytes)
		f.QueuePeakDepth = max(f.QueuePeakDepth, d.QueuePeakDepth)
	}
	f.Refused503Pct, f.P99NS = Median(share), Median(p99)
	f.RSSStartBytes, f.RSSPeakBytes = Median(rss0), Median(rss)
	if len(rec) > 0 {
		f.RecoveredMedianNS, f.FullMedianNS = Median(rec), Median(fullFor)
	}
	f.NothingLost = f.Lost == 0 && f.Landed == f.Acked
	f.CleanExit = f.BadExits == 0
	f.Refused = f.Full503 > 0
	f.RecoveredInTime = f.Kind == "disk-full" && f.Recovered == f.Trials && f.RecoveredWorstNS <= float64(DiskRecoveryBound)
	return f
}

// diskOf is t's disk-fault record, or nil.
func diskOf(t *results.Trial) *results.DiskFault {
	if t.Fault == nil {
		return nil
	}
	return t.Fault.Disk
}
