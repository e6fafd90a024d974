package writer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// rawFile is the ceiling the variants are measured against: a bufio.Writer
// over the file, appended to under a mutex and flushed only when full or at
// Close. It is not a Writer by contract (its nil promises nothing: a
// crash loses the whole buffer), so it lives here and not in Variants.
type rawFile struct {
	mu   sync.Mutex
	bw   *bufio.Writer // guarded by mu
	sink Sink
}

func newRawFile(c Config) (Writer, error) {
	return &rawFile{bw: bufio.NewWriterSize(c.Sink, DefaultBufferSize), sink: c.Sink}, nil
}

func (r *rawFile) Append(lines []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err := r.bw.Write(lines)
	return err
}

func (r *rawFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return errors.Join(r.bw.Flush(), r.sink.Close())
}

func (r *rawFile) Stats() Stats { return Stats{} }

// benchLine is a typical ~100-byte line as metric.AppendLine encodes it.
const benchLine = `{"timestamp":1732640000000,"name":"cpu.usage.percent","value":75.5,"type":"gauge","tags":{"host":"web-01"}}` + "\n"

// BenchmarkAppend measures Append throughput from parallel goroutines into
// a real file in b.TempDir(), FsyncNever (fsync cost is the disk's, not the
// variant's). The timed region includes Close, so Async's drain counts.
// Async may answer ErrQueueFull when the writer falls behind; the
// benchmark retries like a client would and reports queuefull/op.
//
//	go test -run XXX -bench BenchmarkAppend -benchmem -count 6 -cpu 1,2 ./variants/writer/ > w.txt
//	go tool benchstat -col /variant w.txt
func BenchmarkAppend(b *testing.B) {
	type variant struct {
		name string
		new  New
	}
	var vs []variant
	for _, v := range Variants {
		vs = append(vs, variant{v.Name, v.New})
	}
	vs = append(vs, variant{"rawfile", newRawFile})

	for _, n := range []int{1, 100} {
		lines := bytes.Repeat([]byte(benchLine), n)
		for _, v := range vs {
			b.Run(fmt.Sprintf("variant=%s/fsync=never/lines=%d", v.name, n), func(b *testing.B) {
				f, err := Open(filepath.Join(b.TempDir(), "metrics.jsonl"), nil)
				if err != nil {
					b.Fatal(err)
				}
				w, err := v.new(Config{Sink: f, Fsync: FsyncNever})
				if err != nil {
					b.Fatal(err)
				}
				var full atomic.Int64
				b.SetBytes(int64(len(lines)))
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						for {
							err := w.Append(lines)
							if err == nil {
								break
							}
							if !errors.Is(err, ErrQueueFull) {
								b.Error(err)
								return
							}
							full.Add(1)
							runtime.Gosched()
						}
					}
				})
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(full.Load())/float64(b.N), "queuefull/op")
			})
		}
	}
}
