package experiment

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"strconv"
	"strings"
	"time"

	"metricstream/harness/results"
	"metricstream/harness/scenario"
)

// The seed-careless kind's runner: parser=careless is the seed's
// find-based parse as written. The harness sends a corpus to the running
// server (the input classes of variants/parser's TestCarelessTable, which
// counts the same over the whole conformance corpus in a unit test), then
// SIGTERMs it and judges each input against the data file: a valid input
// is right when it was acknowledged and the file holds exactly its
// metrics (name, value, type, tags; each input's values are its own, so
// lines are told apart by value), a wrong value when it was acknowledged
// and the file holds anything else, refused when answered 400; an invalid
// input is right when refused, accepted garbage when acknowledged. The
// corrected parser (fsm) gets the same corpus beside it.
func init() { registerRunner(scenario.KindSeedCareless, carelessTrial) }

// Input classes of the corpus (as TestCarelessTable names them).
const (
	classEscapedQuote = "escaped quote"
	classBracketInStr = "] or } inside a string"
	classTrailing     = "trailing garbage"
	classNested       = "nested objects (tags)"
	classOtherValid   = "other valid input"
)

// CarelessClasses are the classes in report order.
var CarelessClasses = []string{classEscapedQuote, classBracketInStr, classTrailing, classNested, classOtherValid}

type cmetric struct {
	Name  string            `json:"name"`
	Value float64           `json:"value"`
	Type  string            `json:"type"`
	Tags  map[string]string `json:"tags"`
}

// carelessCase is one input: body is a format with %d for each value
// (the case's own: base+k), want its metrics (valid) or nil (invalid).
type carelessCase struct {
	class string
	body  string
	want  []cmetric
}

var carelessCorpus = []carelessCase{
	{classEscapedQuote, `{"metrics":[{"name":"say \"hi\"","value":%d}]}`, []cmetric{{Name: `say "hi"`}}},
	{classEscapedQuote, `{"metrics":[{"name":"q\"","value":%d,"type":"gauge"}]}`, []cmetric{{Name: `q"`, Type: "gauge"}}},
	{classEscapedQuote, `{"metrics":[{"name":"a","value":%d,"tags":{"k":"v\"w"}}]}`, []cmetric{{Name: "a", Tags: map[string]string{"k": `v"w`}}}},
	{classBracketInStr, `{"metrics":[{"name":"a]b","value":%d},{"name":"c","value":%d}]}`, []cmetric{{Name: "a]b"}, {Name: "c"}}},
	{classBracketInStr, `{"metrics":[{"name":"a","value":%d,"tags":{"k":"[x]"}},{"name":"b","value":%d}]}`, []cmetric{{Name: "a", Tags: map[string]string{"k": "[x]"}}, {Name: "b"}}},
	{classBracketInStr, `{"metrics":[{"name":"a}b","value":%d}]}`, []cmetric{{Name: "a}b"}}},
	{classTrailing, `{"metrics":[{"name":"a","value":%d}]} DROP TABLE`, nil},
	{classTrailing, `{"metrics":[{"name":"a","value":%d}]}]]]`, nil},
	{classTrailing, `{"metrics":[{"name":"a","value":%d}]}{"metrics":[]}`, nil},
	{classNested, `{"metrics":[{"tags":{"host":"a"},"name":"cpu","value":%d}]}`, []cmetric{{Name: "cpu", Tags: map[string]string{"host": "a"}}}},
	{classNested, `{"metrics":[{"name":"cpu","value":%d,"tags":{"host":"a"}},{"name":"mem","value":%d}]}`, []cmetric{{Name: "cpu", Tags: map[string]string{"host": "a"}}, {Name: "mem"}}},
	{classOtherValid, `{"metrics":[{"name":"cpu","value":%d}]}`, []cmetric{{Name: "cpu"}}},
	{classOtherValid, `{"metrics":[{"name":"cpu","value":%d,"type":"gauge"},{"name":"mem","value":%d,"type":"counter"}]}`, []cmetric{{Name: "cpu", Type: "gauge"}, {Name: "mem", Type: "counter"}}},
}

// values are case i's metric values: 1000·(i+1) + k.
func carelessValues(i, n int) []any {
	v := make([]any, n)
	for k := range v {
		v[k] = 1000*(i+1) + k
	}
	return v
}

func carelessTrial(tr *trial) error {
	ctx, id := tr.ctx, tr.id
	t := seedTrial(tr)
	ss := t.Seed
	inst, err := tr.start()
	if err != nil {
		return tr.unmeasured("start: %v", err)
	}
	if h, err := readHealth(ctx, inst.Addr()); err == nil {
		ss.SeedDesign = h.SeedDesign
	}
	codes := make([]int, len(carelessCorpus))
	t.Start = time.Now()
	for i, c := range carelessCorpus {
		n := strings.Count(c.body, "%d")
		body := fmt.Sprintf(c.body, carelessValues(i, n)...)
		code, resp, err := do(ctx, seedHTTP, "POST", "http://"+inst.Addr()+"/metrics", "c-"+id+"-"+strconv.Itoa(i), body)
		switch {
		case err != nil:
			t.Counts.ConnError++
		case code/100 == 2:
			t.Counts.Status2xx++
			var acc struct {
				Accepted int64 `json:"accepted"`
			}
			if json.Unmarshal(resp, &acc) == nil {
				t.Acked += acc.Accepted
			}
		case code == 400:
			t.Counts.Status400++
		default:
			t.Counts.Other++
		}
		codes[i] = code
	}
	t.DurationNS = int64(time.Since(t.Start))
	if n := t.Counts.Total(); n > 0 {
		t.SuccessPct = 100 * float64(t.Counts.Status2xx) / float64(n)
	}
	code, err := inst.Stop(ctx)
	var found error
	if err != nil || code != 0 {
		found = tr.problem("graceful stop: exit code %d, %v", code, err)
	}
	file := inst.DataFile()
	got, rerr := readMetrics(file)
	if rerr != nil {
		return tr.problem("data file: %v", rerr)
	}
	ist, lines, _ := Integrity(file, t.Acked)
	t.Lost = max(0, t.Acked-lines)
	if !ist.OK && found == nil {
		found = tr.problem("integrity: %s", ist.Detail)
	}
	if found == nil && !tr.cfg.KeepData {
		_ = os.Remove(file)
	}
	ss.Careless = judgeCareless(codes, got)
	return found
}

// readMetrics decodes every line of the data file.
func readMetrics(file string) ([]cmetric, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []cmetric
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m cmetric
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out, sc.Err()
}

// judgeCareless tallies each corpus input's outcome per class, from its
// status code and the metrics of the data file.
func judgeCareless(codes []int, file []cmetric) []results.CarelessRow {
	// lines by the case their value belongs to (1000·(i+1) + k)
	byCase := map[int][]cmetric{}
	for _, m := range file {
		byCase[int(m.Value)/1000-1] = append(byCase[int(m.Value)/1000-1], m)
	}
	rows := map[string]*results.CarelessRow{}
	for _, c := range CarelessClasses {
		rows[c] = &results.CarelessRow{Class: c}
	}
	for i, c := range carelessCorpus {
		r := rows[c.class]
		r.Inputs++
		acked := codes[i]/100 == 2
		switch {
		case c.want == nil && acked:
			r.Garbage++
		case c.want == nil:
			r.Right++
		case codes[i] == 400:
			r.Refused++
		case acked && sameMetrics(i, c.want, byCase[i]):
			r.Right++
		default:
			r.Wrong++
		}
	}
	var out []results.CarelessRow
	for _, c := range CarelessClasses {
		out = append(out, *rows[c])
	}
	return out
}

// sameMetrics: got is exactly want, with case i's values.
func sameMetrics(i int, want, got []cmetric) bool {
	if len(got) != len(want) {
		return false
	}
	for k, w := range want {
		g := got[k]
		if g.Name != w.Name || g.Value != float64(1000*(i+1)+k) || g.Type != w.Type || !maps.Equal(g.Tags, w.Tags) {
			return false
		}
	}
	return true
}
