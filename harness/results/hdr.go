package results

import (
	"encoding/base64"
	"fmt"
	"math"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// HDR geometry every lab histogram uses: nanoseconds, 1µs..60s, 3
// significant figures. Histograms of the same geometry merge exactly.
const (
	HDRLowest  = int64(1_000)          // 1µs in ns
	HDRHighest = int64(60_000_000_000) // 60s in ns
	HDRSigFigs = 3
)

// NewHDR returns an empty latency histogram with the lab's geometry.
func NewHDR() *hdrhistogram.Histogram {
	return hdrhistogram.New(HDRLowest, HDRHighest, HDRSigFigs)
}

// EncodeHDR renders h as Trial.HDR: base64 of the V2 compressed encoding.
func EncodeHDR(h *hdrhistogram.Histogram) (string, error) {
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("results: encode histogram: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// DecodeHDR parses Trial.HDR. An empty string decodes to an empty histogram.
func DecodeHDR(s string) (*hdrhistogram.Histogram, error) {
	if s == "" {
		return NewHDR(), nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("results: hdr is not base64: %w", err)
	}
	h, err := hdrhistogram.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("results: decode histogram: %w", err)
	}
	return h, nil
}

// LatencyOf summarises h (values in ns) as a Latency.
func LatencyOf(h *hdrhistogram.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	mean := h.Mean()
	if math.IsNaN(mean) {
		mean = 0
	}
	return Latency{
		Mean: mean,
		P50:  h.ValueAtQuantile(50),
		P90:  h.ValueAtQuantile(90),
		P99:  h.ValueAtQuantile(99),
		P999: h.ValueAtQuantile(99.9),
		Max:  h.Max(),
	}
}

// MergeHDR merges the encoded histograms exactly (same geometry: no value is
// dropped or moved) and returns the merged encoding and its summary.
func MergeHDR(encoded ...string) (string, Latency, error) {
	sum := NewHDR()
	for _, e := range encoded {
		h, err := DecodeHDR(e)
		if err != nil {
			return "", Latency{}, err
		}
		if dropped := sum.Merge(h); dropped != 0 {
			return "", Latency{}, fmt.Errorf("results: merge histogram: %d values outside 1µs..60s dropped", dropped)
		}
	}
	s, err := EncodeHDR(sum)
	return s, LatencyOf(sum), err
}

// Add sums c and o.
func (c Counts) Add(o Counts) Counts {
	c.Status2xx += o.Status2xx
	c.Status400 += o.Status400
	c.Status429 += o.Status429
	c.Status503 += o.Status503
	c.Other += o.Other
	c.Timeout += o.Timeout
	c.ConnError += o.ConnError
	c.Late += o.Late
	return c
}

// SuccessPct is 2xx as a percentage of all requests attempted (0 when none).
func (c Counts) SuccessPct() float64 {
	if t := c.Total(); t > 0 {
		return 100 * float64(c.Status2xx) / float64(t)
	}
	return 0
}
