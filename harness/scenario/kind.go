package scenario

import (
	"slices"
	"strings"

	"metricstream/harness/load"
)

// Kind is a scenario kind: what one trial of the scenario does. The empty
// kind is KindLoad.
type Kind string

// The kinds this package registers, each in its own file (kind_<name>.go).
const (
	KindLoad      Kind = "load"      // measure the load on servers shared by a group of scenarios
	KindShutdown  Kind = "shutdown"  // SIGTERM mid-load, restart, count acknowledged metrics lost
	KindCrash     Kind = "crash"     // SIGKILL mid-load, restart, count acknowledged metrics lost
	KindSlowloris Kind = "slowloris" // trickling attackers beside an honest load
	KindOverload  Kind = "overload"  // 5× the capacity a search found, then half of it
)

// BadField reports field of the scenario being validated as wrong.
type BadField func(field, format string, args ...any) error

// KindSpec is what the scenario package knows of a kind: how its fields are
// checked and how its steps are made. How a trial of the kind runs is the
// runner harness/experiment registers for it; the extra bench.txt units its
// trials carry are results.KindUnits; its line in the summary is
// harness/analysis's finding for it. scenarios/README.md says how to add
// one.
type KindSpec struct {
	Kind Kind
	// PerTrial: every trial is a self-contained cycle with a server of its
	// own (no shared servers, no replicas, no remote target).
	PerTrial bool
	// Durability: the trial stops the server mid-load and counts the
	// acknowledged metrics missing after a restart (fsync_policies apply).
	Durability bool
	// OwnRate: an open-loop kind that sets its rate itself (no rate field).
	OwnRate bool
	// Validate checks what the kind needs of the other fields, after the
	// common checks; nil: none.
	Validate func(s *Scenario, bad BadField) error
	// Steps makes the kind's steps from the scenario's base load; nil: the
	// steps field is a sweep of loads (clients=N or rate=R).
	Steps func(s *Scenario, base load.Config) []Step
}

var kinds = map[Kind]*KindSpec{}

// RegisterKind adds a kind; a kind's file calls it from init. It panics on
// a duplicate.
func RegisterKind(k *KindSpec) {
	if _, dup := kinds[k.Kind]; dup {
		panic("scenario: kind " + string(k.Kind) + " registered twice")
	}
	kinds[k.Kind] = k
}

// KindOf returns the spec of kind k ("" is load), or nil when k is unknown.
func KindOf(k Kind) *KindSpec {
	if k == "" {
		k = KindLoad
	}
	return kinds[k]
}

// Kinds lists the registered kinds, sorted.
func Kinds() []Kind {
	var out []Kind
	for k := range kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func kindList() string {
	var ns []string
	for _, k := range Kinds() {
		ns = append(ns, string(k))
	}
	return strings.Join(ns, ", ")
}

// spec is s's kind spec; validate has checked it exists.
func (s *Scenario) spec() *KindSpec {
	if k := KindOf(s.Kind); k != nil {
		return k
	}
	return kinds[KindLoad]
}
