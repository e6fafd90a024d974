package parser

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"metricstream/internal/metric"
)

// The conformance corpus, shared by the conformance suite, the differential
// test, the fuzz seeds and (for genBody) the benchmarks.

// seedFull is the seed's full example of one metric.
const seedFull = `{"metrics":[{"name":"cpu","value":75.5,"type":"gauge","timestamp":1732640000000,"tags":{"host":"a"}}]}`

// validCase is a body the parser and metric.ValidateBatch both accept.
type validCase struct {
	name string
	body string
	want []metric.Metric
}

func tags(kv ...string) []metric.Tag {
	var t []metric.Tag
	for i := 0; i < len(kv); i += 2 {
		t = append(t, metric.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return t
}

var validCases = []validCase{
	{"seed-ch5-simple", `{"metrics":[{"name":"cpu_usage","value":75.5,"type":"gauge"}]}`,
		[]metric.Metric{{Name: "cpu_usage", Value: 75.5, Type: "gauge"}}},
	{"seed-ch5-multiple", `{"metrics":[{"name":"cpu","value":75},{"name":"mem","value":80}]}`,
		[]metric.Metric{{Name: "cpu", Value: 75}, {Name: "mem", Value: 80}}},
	{"seed-ch3-valid", `{"metrics":[{"name":"cpu","value":75.5}]}`,
		[]metric.Metric{{Name: "cpu", Value: 75.5}}},
	{"seed-full", seedFull,
		[]metric.Metric{{Name: "cpu", Value: 75.5, Type: "gauge", Timestamp: 1732640000000, HasTimestamp: true, Tags: tags("host", "a")}}},
	{"whitespace-everywhere", " \t\r\n{ \"metrics\" :\n[ { \"name\" : \"cpu\" ,\t\"value\" : 1 , \"timestamp\" : 2 , \"tags\" : { \"a\" : \"b\" , \"c\" : \"d\" } } , {\"name\":\"x\",\"value\":2} ] }\r\n ",
		[]metric.Metric{{Name: "cpu", Value: 1, Timestamp: 2, HasTimestamp: true, Tags: tags("a", "b", "c", "d")}, {Name: "x", Value: 2}}},
	{"escapes", `{"metrics":[{"name":"a\"b\\c\/d\u00e9\ud83d\ude00\u0041","value":1,"type":"g\u0061uge","tags":{"k\"\\":"v\/\u00E9"}}]}`,
		[]metric.Metric{{Name: "a\"b\\c/dé😀A", Value: 1, Type: "gauge", Tags: tags("k\"\\", "v/é")}}},
	{"escape-only-string", `{"metrics":[{"name":"\"","value":1,"tags":{"\\":"\/"}}]}`,
		[]metric.Metric{{Name: `"`, Value: 1, Tags: tags(`\`, "/")}}},
	{"structural-chars-in-strings", `{"metrics":[{"name":"a]b}c,d:e[f{\"","value":1,"tags":{"k]}":"v,:{[","name":"value"}}]}`,
		[]metric.Metric{{Name: `a]b}c,d:e[f{"`, Value: 1, Tags: tags("k]}", "v,:{[", "name", "value")}}},
	{"escaped-keys", `{"m\u0065trics":[{"n\u0061me":"x","v\u0061lue":1,"t\u0079pe":"counter"}]}`,
		[]metric.Metric{{Name: "x", Value: 1, Type: "counter"}}},
	{"numbers", `{"metrics":[{"name":"a","value":-1.5e3},{"name":"b","value":2E-2},{"name":"c","value":-0},{"name":"d","value":0},` +
		`{"name":"e","value":1e+2},{"name":"f","value":0.000001},{"name":"g","value":1.7976931348623157e308},{"name":"h","value":5e-324},` +
		`{"name":"i","value":123456789012345678},{"name":"j","value":-0.0},{"name":"k","value":999999999999999},{"name":"l","value":-9007199254740993},` +
		`{"name":"m","value":1e-400},{"name":"n","value":0.1}]}`,
		[]metric.Metric{{Name: "a", Value: -1500}, {Name: "b", Value: 0.02}, {Name: "c", Value: math.Copysign(0, -1)}, {Name: "d", Value: 0},
			{Name: "e", Value: 100}, {Name: "f", Value: 1e-6}, {Name: "g", Value: math.MaxFloat64}, {Name: "h", Value: 5e-324},
			{Name: "i", Value: 123456789012345678}, {Name: "j", Value: math.Copysign(0, -1)}, {Name: "k", Value: 999999999999999}, {Name: "l", Value: -9007199254740992},
			{Name: "m", Value: 0}, {Name: "n", Value: 0.1}}},
	{"key-order-permuted", `{"metrics":[{"tags":{"b":"2","a":"1"},"timestamp":5,"type":"counter","value":3,"name":"x"}]}`,
		[]metric.Metric{{Name: "x", Value: 3, Type: "counter", Timestamp: 5, HasTimestamp: true, Tags: tags("b", "2", "a", "1")}}},
	{"timestamps", `{"metrics":[{"name":"a","value":1,"timestamp":0},{"name":"b","value":1,"timestamp":9223372036854775807},{"name":"c","value":1,"timestamp":-0}]}`,
		[]metric.Metric{{Name: "a", Value: 1, HasTimestamp: true}, {Name: "b", Value: 1, Timestamp: math.MaxInt64, HasTimestamp: true}, {Name: "c", Value: 1, HasTimestamp: true}}},
	{"empty-tags-and-type", `{"metrics":[{"name":"a","value":1,"tags":{},"type":""}]}`,
		[]metric.Metric{{Name: "a", Value: 1}}},
	{"raw-utf8", "{\"metrics\":[{\"name\":\"h\u00e9\u2028\ufffd\U0001F600\",\"value\":1,\"tags\":{\"\u00fc\":\"<&>\"}}]}",
		[]metric.Metric{{Name: "h\u00e9\u2028\ufffd\U0001F600", Value: 1, Tags: tags("\u00fc", "<&>")}}},
	{"empty-tag-value", `{"metrics":[{"name":"a","value":1,"tags":{"k":""}}]}`,
		[]metric.Metric{{Name: "a", Value: 1, Tags: tags("k", "")}}},
	{"1000-metrics", genBody(1000, false), genWant(1000, false)},
	{"300-escaped-metrics", genBody(300, true), genWant(300, true)},
}

// genBody builds a realistic batch of n metrics with name, value, type,
// timestamp and two tags; escaped puts escapes in every name.
func genBody(n int, escaped bool) string {
	var b strings.Builder
	b.WriteString(`{"metrics":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		name := fmt.Sprintf("http_requests_total_%d", i)
		if escaped {
			name = fmt.Sprintf(`req\"\u00e9\\%d_%s`, i, strings.Repeat("x", i%50))
		}
		fmt.Fprintf(&b, `{"name":"%s","value":%d.%d,"type":"counter","timestamp":%d,"tags":{"host":"web-%02d","region":"eu-west-1"}}`,
			name, 1000+i, i%10, 1732640000000+int64(i), i%32)
	}
	b.WriteString(`]}`)
	return b.String()
}

func genWant(n int, escaped bool) []metric.Metric {
	ms := make([]metric.Metric, n)
	for i := range ms {
		name := fmt.Sprintf("http_requests_total_%d", i)
		if escaped {
			name = fmt.Sprintf("req\"\u00e9\\%d_%s", i, strings.Repeat("x", i%50))
		}
		v, _ := strconv.ParseFloat(fmt.Sprintf("%d.%d", 1000+i, i%10), 64)
		ms[i] = metric.Metric{Name: name, Value: v, Type: "counter", Timestamp: 1732640000000 + int64(i), HasTimestamp: true,
			Tags: tags("host", fmt.Sprintf("web-%02d", i%32), "region", "eu-west-1")}
	}
	return ms
}

// semanticCase is a body the parser accepts and metric.ValidateBatch rejects.
type semanticCase struct {
	name     string
	body     string
	parsed   []metric.Metric // what the parser returns
	validate string          // in ValidateBatch's message
}

var semanticCases = []semanticCase{
	{"empty-metrics", `{"metrics":[]}`, nil, "batch cannot be empty"},
	{"1e400", `{"metrics":[{"name":"a","value":1e400}]}`, []metric.Metric{{Name: "a", Value: math.Inf(1)}}, "value must be finite"},
	{"-1e400", `{"metrics":[{"name":"a","value":-1e400}]}`, []metric.Metric{{Name: "a", Value: math.Inf(-1)}}, "value must be finite"},
	{"invalid-utf8-name", "{\"metrics\":[{\"name\":\"a\xffb\",\"value\":1}]}", []metric.Metric{{Name: "a\xffb", Value: 1}}, "not valid UTF-8"},
	{"invalid-utf8-tag", "{\"metrics\":[{\"name\":\"a\",\"value\":1,\"tags\":{\"k\":\"\xc3\"}}]}", []metric.Metric{{Name: "a", Value: 1, Tags: tags("k", "\xc3")}}, "not valid UTF-8"},
	{"control-escapes", `{"metrics":[{"name":"a\b\f\n\r\t\u0000","value":1}]}`, []metric.Metric{{Name: "a\b\f\n\r\t\x00", Value: 1}}, "control character"},
	{"empty-name", `{"metrics":[{"name":"","value":1}]}`, []metric.Metric{{Name: "", Value: 1}}, "name cannot be empty"},
	{"unknown-type", `{"metrics":[{"name":"a","value":1,"type":"meter"}]}`, []metric.Metric{{Name: "a", Value: 1, Type: "meter"}}, "unknown type"},
	{"negative-timestamp", `{"metrics":[{"name":"a","value":1,"timestamp":-1}]}`, []metric.Metric{{Name: "a", Value: 1, Timestamp: -1, HasTimestamp: true}}, "not negative"},
	{"long-name", `{"metrics":[{"name":"` + strings.Repeat("n", 256) + `","value":1}]}`, []metric.Metric{{Name: strings.Repeat("n", 256), Value: 1}}, "name too long"},
	{"65-tags", manyTags(65), []metric.Metric{{Name: "a", Value: 1, Tags: manyTagsWant(65)}}, "too many tags"},
	{"empty-tag-key", `{"metrics":[{"name":"a","value":1,"tags":{"":"v"}}]}`, []metric.Metric{{Name: "a", Value: 1, Tags: tags("", "v")}}, "tag key cannot be empty"},
}

func manyTags(n int) string {
	var b strings.Builder
	b.WriteString(`{"metrics":[{"name":"a","value":1,"tags":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":"v%d"`, i, i)
	}
	b.WriteString(`}}]}`)
	return b.String()
}

func manyTagsWant(n int) []metric.Tag {
	var t []metric.Tag
	for i := 0; i < n; i++ {
		t = append(t, metric.Tag{Key: fmt.Sprintf("k%d", i), Value: fmt.Sprintf("v%d", i)})
	}
	return t
}

// invalidCase is a body every parser must reject; msg (if set) is in the
// error message of every variant.
type invalidCase struct {
	name string
	body string
	msg  string
}

const m1 = `{"name":"a","value":1}`

var invalidCases = []invalidCase{
	{"empty-body", ``, ""},
	{"whitespace-only", " \n\t", ""},
	{"null", `null`, ""},
	{"empty-object", `{}`, `missing key "metrics"`},
	{"array", `[]`, ""},
	{"string", `"metrics"`, ""},
	{"metrics-null", `{"metrics":null}`, ""},
	{"metrics-object", `{"metrics":{}}`, ""},
	{"metrics-string", `{"metrics":"[]"}`, ""},
	{"metric-null", `{"metrics":[null]}`, ""},
	{"metric-number", `{"metrics":[1]}`, ""},
	{"metric-array", `{"metrics":[[]]}`, ""},
	{"metric-empty", `{"metrics":[{}]}`, `missing "name"`},
	{"missing-value", `{"metrics":[{"name":"a"}]}`, `missing "value"`},
	{"missing-name", `{"metrics":[{"value":1}]}`, `missing "name"`},
	{"trailing-garbage", seedFull + "x", ""},
	{"trailing-brace", seedFull + "}", ""},
	{"trailing-comma-after", seedFull + ",", ""},
	{"two-objects", seedFull + seedFull, ""},
	{"two-objects-space", seedFull + " " + seedFull, ""},
	{"unbalanced-brace-for-bracket", `{"metrics":[` + m1 + `}}`, ""},
	{"unbalanced-bracket-for-brace", `{"metrics":[{"name":"a","value":1]}`, ""},
	{"unclosed-object", `{"metrics":[` + m1 + `]`, ""},
	{"extra-bracket", `{"metrics":[` + m1 + `]]}`, ""},
	{"NaN", `{"metrics":[{"name":"cpu","value":NaN}]}`, "value must be finite"},
	{"Infinity", `{"metrics":[{"name":"cpu","value":Infinity}]}`, "value must be finite"},
	{"-Infinity", `{"metrics":[{"name":"cpu","value":-Infinity}]}`, "value must be finite"},
	{"value-string", `{"metrics":[{"name":"a","value":"75"}]}`, "value"},
	{"value-true", `{"metrics":[{"name":"a","value":true}]}`, "value"},
	{"value-null", `{"metrics":[{"name":"a","value":null}]}`, "value"},
	{"value-array", `{"metrics":[{"name":"a","value":[1]}]}`, "value"},
	{"value-object", `{"metrics":[{"name":"a","value":{}}]}`, "value"},
	{"name-null", `{"metrics":[{"name":null,"value":1}]}`, "name"},
	{"name-number", `{"metrics":[{"name":1,"value":1}]}`, "name"},
	{"type-number", `{"metrics":[{"name":"a","value":1,"type":1}]}`, "type"},
	{"type-null", `{"metrics":[{"name":"a","value":1,"type":null}]}`, "type"},
	{"timestamp-null", `{"metrics":[{"name":"a","value":1,"timestamp":null}]}`, "timestamp"},
	{"timestamp-string", `{"metrics":[{"name":"a","value":1,"timestamp":"1"}]}`, "timestamp"},
	{"timestamp-fraction", `{"metrics":[{"name":"a","value":1,"timestamp":1.5}]}`, "timestamp"},
	{"timestamp-exponent", `{"metrics":[{"name":"a","value":1,"timestamp":1e3}]}`, "timestamp"},
	{"timestamp-overflow", `{"metrics":[{"name":"a","value":1,"timestamp":9223372036854775808}]}`, "timestamp"},
	{"timestamp-underflow", `{"metrics":[{"name":"a","value":1,"timestamp":-9223372036854775809}]}`, "timestamp"},
	{"tags-nested", `{"metrics":[{"name":"a","value":1,"tags":{"a":{"b":"c"}}}]}`, "tag"},
	{"tags-number", `{"metrics":[{"name":"a","value":1,"tags":{"a":1}}]}`, "tag"},
	{"tags-null-value", `{"metrics":[{"name":"a","value":1,"tags":{"a":null}}]}`, "tag"},
	{"tags-null", `{"metrics":[{"name":"a","value":1,"tags":null}]}`, "tags"},
	{"tags-array", `{"metrics":[{"name":"a","value":1,"tags":["a"]}]}`, "tags"},
	{"tags-string", `{"metrics":[{"name":"a","value":1,"tags":"a=b"}]}`, "tags"},
	{"dup-name", `{"metrics":[{"name":"a","value":1,"name":"b"}]}`, `duplicate key "name"`},
	{"dup-value", `{"metrics":[{"name":"a","value":1,"value":2}]}`, `duplicate key "value"`},
	{"dup-tags", `{"metrics":[{"name":"a","value":1,"tags":{},"tags":{}}]}`, `duplicate key "tags"`},
	{"dup-escaped-key", `{"metrics":[{"name":"a","value":1,"n\u0061me":"b"}]}`, `duplicate key "name"`},
	{"dup-tag-key", `{"metrics":[{"name":"a","value":1,"tags":{"h":"1","h":"2"}}]}`, `duplicate tag key "h"`},
	{"dup-tag-key-many", strings.Replace(manyTags(40), `"k39"`, `"k3"`, 1), `duplicate tag key "k3"`},
	{"dup-metrics", `{"metrics":[],"metrics":[]}`, `duplicate key "metrics"`},
	{"unknown-top-key", `{"metrics":[` + m1 + `],"other":1}`, `unknown key "other"`},
	{"unknown-metric-key", `{"metrics":[{"name":"a","value":1,"unit":"ms"}]}`, `unknown key "unit"`},
	{"key-case", `{"metrics":[{"Name":"a","value":1}]}`, `unknown key "Name"`},
	{"lone-high-surrogate", `{"metrics":[{"name":"a\ud800","value":1}]}`, "surrogate"},
	{"lone-low-surrogate", `{"metrics":[{"name":"a\udc00b","value":1}]}`, "surrogate"},
	{"high-then-letter", `{"metrics":[{"name":"\ud800\u0041","value":1}]}`, "surrogate"},
	{"high-then-high", `{"metrics":[{"name":"\ud800\ud800\udc00","value":1}]}`, "surrogate"},
	{"lone-surrogate-tag", `{"metrics":[{"name":"a","value":1,"tags":{"k\ud83d":"v"}}]}`, "surrogate"},
	{"raw-control-byte", "{\"metrics\":[{\"name\":\"a\x01b\",\"value\":1}]}", "control character"},
	{"raw-newline", "{\"metrics\":[{\"name\":\"a\nb\",\"value\":1}]}", "control character"},
	{"raw-tab-in-tag", "{\"metrics\":[{\"name\":\"a\",\"value\":1,\"tags\":{\"k\":\"\t\"}}]}", "control character"},
	{"escape-x", `{"metrics":[{"name":"\x41","value":1}]}`, "escape"},
	{"escape-quote", `{"metrics":[{"name":"\'","value":1}]}`, "escape"},
	{"escape-short-u", `{"metrics":[{"name":"\u12","value":1}]}`, "escape"},
	{"escape-bad-hex", `{"metrics":[{"name":"\uZZZZ","value":1}]}`, "escape"},
	{"escape-signed-hex", `{"metrics":[{"name":"\u+123","value":1}]}`, "escape"},
	{"leading-zero", `{"metrics":[{"name":"a","value":01}]}`, ""},
	{"negative-leading-zero", `{"metrics":[{"name":"a","value":-01}]}`, ""},
	{"double-zero", `{"metrics":[{"name":"a","value":00}]}`, ""},
	{"trailing-dot", `{"metrics":[{"name":"a","value":1.}]}`, "value"},
	{"leading-dot", `{"metrics":[{"name":"a","value":.5}]}`, "value"},
	{"plus", `{"metrics":[{"name":"a","value":+1}]}`, "value"},
	{"minus-only", `{"metrics":[{"name":"a","value":-}]}`, "value"},
	{"exponent-empty", `{"metrics":[{"name":"a","value":1e}]}`, "value"},
	{"exponent-sign-only", `{"metrics":[{"name":"a","value":1e+}]}`, "value"},
	{"hex", `{"metrics":[{"name":"a","value":0x10}]}`, ""},
	{"underscore", `{"metrics":[{"name":"a","value":1_000}]}`, ""},
	{"double-minus", `{"metrics":[{"name":"a","value":--1}]}`, "value"},
	{"two-dots", `{"metrics":[{"name":"a","value":1.5.5}]}`, ""},
	{"number-space-number", `{"metrics":[{"name":"a","value":1 2}]}`, ""},
	{"1001-metrics", genBody(1001, false), "batch too large"},
	{"trailing-comma-array", `{"metrics":[` + m1 + `,]}`, ""},
	{"trailing-comma-metric", `{"metrics":[{"name":"a","value":1,}]}`, ""},
	{"trailing-comma-tags", `{"metrics":[{"name":"a","value":1,"tags":{"a":"b",}}]}`, ""},
	{"trailing-comma-top", `{"metrics":[` + m1 + `],}`, ""},
	{"leading-comma-array", `{"metrics":[,` + m1 + `]}`, ""},
	{"double-comma", `{"metrics":[` + m1 + `,,` + m1 + `]}`, ""},
	{"missing-comma", `{"metrics":[` + m1 + m1 + `]}`, ""},
	{"missing-colon", `{"metrics"[]}`, ""},
	{"missing-colon-metric", `{"metrics":[{"name" "a","value":1}]}`, ""},
	{"missing-member-comma", `{"metrics":[{"name":"a" "value":1}]}`, ""},
	{"missing-value-after-colon", `{"metrics":[{"name":,"value":1}]}`, ""},
	{"single-quotes", `{'metrics':[]}`, ""},
	{"unquoted-key", `{metrics:[]}`, ""},
	{"bom", "\ufeff" + seedFull, ""},
	{"vertical-tab-space", "\v" + seedFull, ""},
	{"nbsp-space", seedFull + "\u00a0", ""},
	{"comment", seedFull + "// x", ""},
	{"invalid-utf8-key", "{\"metrics\":[{\"name\xff\":\"a\",\"value\":1}]}", "unknown key"},
	{"unterminated-string", `{"metrics":[{"name":"a`, ""},
	{"backslash-at-end", `{"metrics":[{"name":"a\`, ""},
	{"escaped-closing-quote", `{"metrics":[{"name":"a\"}]}`, ""},
}
