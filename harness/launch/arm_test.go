package launch

import (
	"strings"
	"testing"

	"metricstream/variants"
)

func TestParseArms(t *testing.T) {
	for _, tc := range []struct {
		list   string
		labels []string
	}{
		{"", variants.Journey},
		{"baseline+phase3", []string{"baseline", "phase3"}},
		{"baseline phase3", []string{"baseline", "phase3"}},
		{"phase3+phase3+phase3", []string{"phase3", "phase3#2", "phase3#3"}},
		{"parser=find,writer=sync+optimized", []string{"parser:find,writer:sync", "optimized"}},
		{"parser=fsm,writer=async,lock=global,metrics=mutex,executor=spawn", []string{"phase3"}},
	} {
		arms, err := ParseArms(tc.list)
		if err != nil {
			t.Fatalf("%q: %v", tc.list, err)
		}
		var got []string
		for _, a := range arms {
			got = append(got, a.Label)
		}
		if strings.Join(got, " ") != strings.Join(tc.labels, " ") {
			t.Errorf("%q: labels %v, want %v", tc.list, got, tc.labels)
		}
	}
	if _, err := ParseArms("baseline+phase9"); err == nil || !strings.Contains(err.Error(), `"phase9"`) {
		t.Errorf("unknown preset: %v", err)
	}
}

func TestParseArmsReference(t *testing.T) {
	a, err := ParseArms("reference+optimized+reference")
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 3 || a[0].Label != "reference" || !a[0].Reference || a[1].Reference || a[2].Label != "reference#2" || !a[2].Reference {
		t.Fatalf("arms %+v", a)
	}
	v := a[0].Variant()
	if v.Spec != "server=reference" || v.Preset != "reference" || v.Tags != "" || v.Set["server"] != "reference" || len(v.Set) != 1 {
		t.Errorf("reference recorded as %+v", v)
	}
	if a[0].pkg() != "./cmd/reference" || a[1].pkg() != "./cmd/metricstream" || a[0].buildKey() == a[1].buildKey() || a[0].buildKey() != a[2].buildKey() {
		t.Errorf("build: %s %s %q %q", a[0].pkg(), a[1].pkg(), a[0].buildKey(), a[1].buildKey())
	}
}
