package results

// DiskFault is what a disk-fault trial (disk-full, disk-slow) measured
// beyond its load. The trial's Latency is of the 2xx answers only (the
// accepted requests), its Counts of every answer, Acked the metrics
// acknowledged and Lost those missing from the file after SIGTERM.
type DiskFault struct {
	// Writer is the writer variant of the arm (sync, async, unbounded):
	// the dimension a disk fault exposes.
	Writer string `json:"writer,omitempty"`

	// disk-full: the data file could grow RoomBytes (RLIMIT_FSIZE on the
	// server process) until the limit was lifted, FullNS after the first
	// refusal (a 503, or a write error the server reported).
	RoomBytes int64 `json:"room_bytes,omitempty"`
	// FilledAtNS is the time from the start of the load to the first
	// refusal; 0: the disk never refused (the room was never used up, or
	// the writer dropped what it could not write without saying so).
	FilledAtNS int64 `json:"filled_at_ns,omitempty"`
	FullNS     int64 `json:"full_ns,omitempty"` // from the first refusal to the lift
	// Full counts the answers to requests sent while the disk refused.
	Full *Counts `json:"full_counts,omitempty"`
	// FirstOKNS is the time from the lift to the first 2xx answer to a
	// request sent after it; -1: none came.
	FirstOKNS int64 `json:"first_ok_ns,omitempty"`
	// RecoveryNS is the time from the lift to the end of the last non-2xx
	// answer to a request sent after it; 0: every such request was
	// accepted. Meaningless (censored) when FirstOKNS is -1.
	RecoveryNS int64 `json:"recovery_ns,omitempty"`

	// disk-slow: every write to the data file waited WriteDelayNS.
	WriteDelayNS int64 `json:"write_delay_ns,omitempty"`

	// Landed is the complete lines in the data file after SIGTERM (every
	// line one acknowledged metric: the server got no other traffic), and
	// ExitCode the server's exit code after it.
	Landed   int64 `json:"landed"`
	ExitCode int   `json:"exit_code"`

	// The server's memory over the trial, sampled from GET /health: the
	// largest resident set, the most acknowledged bytes the writer held
	// for retry (writer.held_bytes) or queued (the seed's unbounded
	// queue), and its deepest queue in batches.
	RSSPeakBytes    int64 `json:"rss_peak_bytes,omitempty"`
	RSSStartBytes   int64 `json:"rss_start_bytes,omitempty"`
	HeldPeakBytes   int64 `json:"held_peak_bytes,omitempty"`
	QueuePeakDepth  int   `json:"queue_peak_depth,omitempty"`
	QueuePeakBytes  int64 `json:"queue_peak_bytes,omitempty"`
	HealthSamples   int   `json:"health_samples,omitempty"`
	DegradedSamples int   `json:"degraded_samples,omitempty"` // samples whose /health said "degraded"
}

// Refused503Pct is the share of the trial's answers that were 503.
func (t *Trial) Refused503Pct() float64 {
	if n := t.Counts.Total(); n > 0 {
		return 100 * float64(t.Counts.Status503) / float64(n)
	}
	return 0
}

func diskOf(t *Trial) *DiskFault {
	if t.Fault == nil {
		return nil
	}
	return t.Fault.Disk
}

var (
	disk503Pct = KindUnit{Unit{"refused-503-%", "503 answers", "lower"},
		func(t *Trial) float64 { return t.Refused503Pct() }}
	diskRSSPeak = KindUnit{Unit{"rss-peak-bytes", "peak resident memory", "lower"},
		func(t *Trial) float64 {
			if d := diskOf(t); d != nil {
				return float64(d.RSSPeakBytes)
			}
			return 0
		}}
)

func init() {
	// Recovery is no unit: a trial in which no request was accepted after
	// the lift has none to give (censored), and a unit must be a number in
	// every trial. The finding carries it.
	KindUnits["disk-full"] = []KindUnit{lostMetrics, disk503Pct, diskRSSPeak}
	KindUnits["disk-slow"] = []KindUnit{lostMetrics, disk503Pct, diskRSSPeak}
}
