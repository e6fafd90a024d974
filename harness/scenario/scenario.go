// Package scenario reads and validates the lab's scenario files
// (scenarios/<name>.json): the load to apply, the server flags it needs,
// warm-up, and SLO thresholds that pass or fail.
package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"metricstream/harness/load"
	"metricstream/internal/clip"
	"metricstream/internal/stages"
)

// Scenario is one scenario file.
type Scenario struct {
	Name  string `json:"name"`  // equals the file name without .json
	About string `json:"about"` // what it measures and which dimension it should expose
	Model string `json:"model"` // closed | open
	// Kind is "load" (the default: measure the load) or a durability
	// experiment: "shutdown" (SIGTERM at a random point of a closed-loop
	// load) or "crash" (SIGKILL at a random point); both then restart the
	// server on the same file and count acknowledged metrics that are
	// missing, per variant and per fsync policy. The fault kinds are
	// "slowloris" (steps are attacker counts: connections that trickle a
	// header one byte at a time while the scenario's closed-loop keep-alive
	// clients measure the honest latency; server.header_timeout is
	// required) and "overload" (an open-loop phase at OverloadFactor × the
	// capacity measured just before, then a recovery phase at
	// RecoveryFactor × it). Every kind but load runs one self-contained
	// server per trial (PerTrial). Each kind is a KindSpec registered in its
	// own file (kind_<name>.go).
	Kind Kind `json:"kind,omitempty"`
	// FsyncPolicies gives a durability scenario one step per policy
	// ("fsync=never", ...); default: the server's fsync flag only.
	FsyncPolicies []string `json:"fsync_policies,omitempty"`

	Clients  int     `json:"clients"`  // closed: clients; open: max connections in flight
	Requests int     `json:"requests"` // closed: per client (or 0 with duration)
	Rate     float64 `json:"rate"`     // open: requests per second
	Duration string  `json:"duration"` // open: schedule length; closed: instead of requests
	// Steps turns the scenario into a sweep: one trial per step, each
	// replacing clients (closed model) or rate (open model).
	Steps     []float64 `json:"steps,omitempty"`
	Batch     int       `json:"batch"`     // metrics per request (default 1, at most 1000)
	KeepAlive *bool     `json:"keepalive"` // default true
	Timeout   string    `json:"timeout"`   // per request (default 5s)
	Warmup    string    `json:"warmup"`    // at least this long of the first step, unrecorded (default none)

	// Replicas is how many server instances the harness starts per variant
	// (default 1, at most MaxReplicas); each client spreads its requests
	// over all of them, so a limit kept per replica shows its overshoot.
	Replicas int `json:"replicas,omitempty"`

	Server Server   `json:"server"`
	SLO    []string `json:"slo"`
	Quick  bool     `json:"quick"` // part of the default quick set

	// Sets names the scenario sets it belongs to besides quick (e.g.
	// "full"): -scenarios <set> selects every scenario naming it.
	Sets []string `json:"sets,omitempty"`
	// Targets is the journey dimension the scenario is built to expose
	// (parser, writer, lock, metrics, executor), for the report's "what
	// each step buys"; "" when it targets none in particular.
	Targets string `json:"targets,omitempty"`
	// Capacity tunes a capacity scenario's search (kind_capacity.go).
	Capacity *CapacityParams `json:"capacity,omitempty"`
	// Rounds caps the rounds a run gives this scenario (lab experiment
	// -count is the rest's): for a scenario whose trials cost several
	// times the others' (a capacity search is a handful of held points),
	// so the default run keeps its time budget. 0: no cap. A sequential
	// compare (-precision) is not capped.
	Rounds int `json:"rounds,omitempty"`

	File string `json:"-"` // where it was read from
	slo  []SLO
}

// Server holds the server flags a scenario needs; nil/zero keeps the
// server's default.
type Server struct {
	RateLimit   *int   `json:"rate_limit"` // requests per client per second; 0 = off (server default 10)
	Workers     int    `json:"workers"`
	Queue       int    `json:"queue"`
	WriterQueue int    `json:"writer_queue"`
	Fsync       string `json:"fsync"` // never | interval | always
	// HeaderTimeout is the server's -header-timeout (a duration such as
	// "1s"): time from a request's first byte to the end of its headers.
	// Required by slowloris scenarios, which check it.
	HeaderTimeout string `json:"header_timeout,omitempty"`
	// Stages is the stage-timing sample of this scenario's servers ("1/8",
	// "all"): the server's -stages, in place of the run's (lab -stages,
	// default 1/64) while the run times stages at all. A scenario whose
	// cells hold few requests (large-batch: 240 per cell) samples densely
	// enough that its stage costs rest on a few hundred timed requests.
	Stages string `json:"stages,omitempty"`
}

// Flags renders s as metricstream command-line flags.
func (s Server) Flags() []string {
	var f []string
	if s.RateLimit != nil {
		f = append(f, "-rate-limit", strconv.Itoa(*s.RateLimit))
	}
	if s.Workers > 0 {
		f = append(f, "-workers", strconv.Itoa(s.Workers))
	}
	if s.Queue > 0 {
		f = append(f, "-queue", strconv.Itoa(s.Queue))
	}
	if s.WriterQueue > 0 {
		f = append(f, "-writer-queue", strconv.Itoa(s.WriterQueue))
	}
	if s.Fsync != "" {
		f = append(f, "-fsync", s.Fsync)
	}
	if s.HeaderTimeout != "" {
		f = append(f, "-header-timeout", s.HeaderTimeout)
	}
	if s.Stages != "" {
		f = append(f, "-stages", s.Stages)
	}
	return f
}

// Key identifies a server configuration: scenarios with equal keys can share
// one server start.
func (s Server) Key() string { return strings.Join(s.Flags(), " ") }

// Step is one load step of a scenario, ready to run.
type Step struct {
	Name   string // benchfmt key=value ("clients=100", "rate=5000", "fsync=always") or "" for a single step
	Config load.Config
	Fsync  string // durability steps: the -fsync policy of this step ("" = the scenario's)
	// Attackers is a slowloris step's number of hostile connections (the
	// step "slowloris=N"); Config is then the honest load beside them.
	Attackers int
	// Fault is a network-fault step's parameter (kind_netfault.go): the
	// latency added to Redis (redis-latency), 1 for fail-open and 0 for
	// fail-closed (redis-outage), the number of slow clients (slow-clients).
	Fault float64
}

// MaxReplicas bounds a scenario's replicas: every replica is a server
// process on this host.
const MaxReplicas = 8

// Replicated reports whether s runs against more than one server instance.
func (s *Scenario) Replicated() bool { return s.Replicas > 1 }

// Durability reports whether s is a durability experiment (shutdown, crash).
func (s *Scenario) Durability() bool { return s.spec().Durability }

// Fault reports whether s is a per-trial experiment other than durability
// (slowloris, overload).
func (s *Scenario) Fault() bool { return s.spec().PerTrial && !s.spec().Durability }

// PerTrial reports whether every trial of s is a self-contained cycle with
// a server of its own (durability and fault kinds), rather than a load
// measured on servers shared by the scenarios of a group.
func (s *Scenario) PerTrial() bool { return s.spec().PerTrial }

// HeaderTimeoutDuration is the parsed server.header_timeout (0 when unset:
// the server's default).
func (s *Scenario) HeaderTimeoutDuration() time.Duration {
	d, _ := time.ParseDuration(s.Server.HeaderTimeout)
	return d
}

// Overload phases: the open-loop load offers OverloadFactor × the capacity
// measured by the probe, then RecoveryFactor × it for RecoveryDuration.
const (
	OverloadFactor   = 5.0
	RecoveryFactor   = 0.5
	RecoveryDuration = 3 * time.Second
)

// MaxAttackers bounds a slowloris step: every attacker is a connection from
// this process, and the server's -max-conns defaults to 4096.
const MaxAttackers = 4000

// SLOs returns the parsed thresholds.
func (s *Scenario) SLOs() []SLO { return s.slo }

// LoadSteps returns the scenario's load steps in order. Config.Addr and
// Config.ClientPrefix are left for the caller.
func (s *Scenario) LoadSteps() []Step {
	base := load.Config{
		Model:     load.Model(s.Model),
		Clients:   s.Clients,
		Requests:  s.Requests,
		Rate:      s.Rate,
		Batch:     s.Batch,
		KeepAlive: s.KeepAlive == nil || *s.KeepAlive,
	}
	base.Duration, _ = time.ParseDuration(s.Duration)
	base.Timeout, _ = time.ParseDuration(s.Timeout)
	if steps := s.spec().Steps; steps != nil {
		return steps(s, base)
	}
	if len(s.Steps) == 0 {
		return []Step{{Config: base}}
	}
	var out []Step
	for _, v := range s.Steps {
		c := base
		if c.Model == load.Open {
			c.Rate = v
			out = append(out, Step{Name: "rate=" + strconv.FormatFloat(v, 'f', -1, 64), Config: c})
		} else {
			c.Clients = int(v)
			out = append(out, Step{Name: "clients=" + strconv.Itoa(int(v)), Config: c})
		}
	}
	return out
}

// WarmupDuration is the parsed warm-up (0 when none).
func (s *Scenario) WarmupDuration() time.Duration {
	d, _ := time.ParseDuration(s.Warmup)
	return d
}

// Error is a validation error naming the file and the field.
type Error struct {
	File, Field, Msg string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("scenario: %s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("scenario: %s: field %q: %s", e.File, e.Field, e.Msg)
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// Parse decodes and validates one scenario file's content. file names it in
// errors; the scenario's name must equal the file's base name without .json.
func Parse(file string, data []byte) (*Scenario, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		return nil, decodeError(file, data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{File: file, Msg: "trailing data after the scenario object"}
	}
	s.File = file
	if err := s.validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

func decodeError(file string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &Error{File: file, Msg: fmt.Sprintf("line %d: %v", lineOf(data, syn.Offset), syn)}
	case errors.As(err, &typ):
		return &Error{File: file, Field: typ.Field, Msg: fmt.Sprintf("want %s, got JSON %s", typ.Type, typ.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		var top map[string]json.RawMessage
		if json.Unmarshal(data, &top) == nil {
			if _, ok := top[f]; !ok {
				if _, ok := top["server"]; ok {
					f = "server." + f // the only nested object
				}
			}
		}
		return &Error{File: file, Field: f, Msg: "unknown field (see scenarios/README.md for the fields)"}
	case errors.Is(err, io.EOF):
		return &Error{File: file, Msg: "empty file"}
	}
	return &Error{File: file, Msg: err.Error()}
}

func lineOf(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

func (s *Scenario) validate() error {
	bad := func(field, format string, args ...any) error {
		return &Error{File: s.File, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	spec := KindOf(s.Kind)
	if spec == nil {
		return bad("kind", "%q must be one of %s", clip.String(string(s.Kind)), kindList())
	}
	for _, check := range []func(BadField) error{s.validateIdentity, s.validateLoad, s.validateModel, s.validateSteps, s.validateServer, s.validateTargets} {
		if err := check(bad); err != nil {
			return err
		}
	}
	if spec.Validate != nil {
		if err := spec.Validate(s, bad); err != nil {
			return err
		}
	}
	s.slo = nil
	for i, e := range s.SLO {
		slo, err := ParseSLO(e)
		if err != nil {
			return bad(fmt.Sprintf("slo[%d]", i), "%v", err)
		}
		s.slo = append(s.slo, slo)
	}
	return nil
}

func (s *Scenario) validateIdentity(bad BadField) error {
	base := strings.TrimSuffix(filepath.Base(s.File), ".json")
	switch {
	case !nameRE.MatchString(s.Name):
		return bad("name", "%q must be lower-case letters, digits and '-'", clip.String(s.Name))
	case s.Name != base:
		return bad("name", "%q must equal the file name %q", clip.String(s.Name), base)
	case strings.TrimSpace(s.About) == "":
		return bad("about", "say what the scenario measures and which dimension it should expose")
	}
	return validateFsyncPolicies(s, bad)
}

// validateLoad checks durations, batch, clients and replicas.
func (s *Scenario) validateLoad(bad BadField) error {
	if s.Duration != "" {
		if d, err := time.ParseDuration(s.Duration); err != nil || d <= 0 {
			return bad("duration", "%q is not a positive duration like 2s", clip.String(s.Duration))
		}
	}
	for _, f := range []struct{ name, v string }{{"timeout", s.Timeout}, {"warmup", s.Warmup}} {
		if f.v == "" {
			continue
		}
		if d, err := time.ParseDuration(f.v); err != nil || d < 0 {
			return bad(f.name, "%q is not a duration like 500ms", clip.String(f.v))
		}
	}
	if s.Batch == 0 {
		s.Batch = 1
	}
	if s.Replicas == 0 {
		s.Replicas = 1
	}
	switch {
	case s.Batch < 1 || s.Batch > 1000:
		return bad("batch", "must be 1..1000 (the server's batch limit), got %d", s.Batch)
	case s.Clients <= 0 && (len(s.Steps) == 0 || s.Model == "open"):
		return bad("clients", "must be > 0, got %d", s.Clients)
	case s.Clients > 5000:
		return bad("clients", "%d is more than the 5000 this lab allows on one host", s.Clients)
	case s.Replicas < 1 || s.Replicas > MaxReplicas:
		return bad("replicas", "must be 1..%d (server instances per variant), got %d", MaxReplicas, s.Replicas)
	case s.Replicas > 1 && s.PerTrial():
		return bad("replicas", "a %s scenario stops and restarts one server; it cannot have %d replicas", s.Kind, s.Replicas)
	}
	return nil
}

// validateModel checks the load model against requests, rate and duration.
func (s *Scenario) validateModel(bad BadField) error {
	dur, _ := time.ParseDuration(s.Duration)
	switch s.Model {
	case "closed":
		if s.Rate != 0 {
			return bad("rate", "only the open model has a rate")
		}
		if (s.Requests > 0) == (dur > 0) {
			return bad("requests", "a closed scenario needs exactly one of requests (per client) and duration")
		}
		if s.Requests < 0 {
			return bad("requests", "must be > 0, got %d", s.Requests)
		}
	case "open":
		if s.Requests != 0 {
			return bad("requests", "the open model is paced by rate and duration, not requests")
		}
		if dur <= 0 {
			return bad("duration", "the open model needs a duration")
		}
		if !s.spec().OwnRate && s.Rate <= 0 && len(s.Steps) == 0 {
			return bad("rate", "must be > 0 (or give steps of rates), got %v", s.Rate)
		}
	default:
		return bad("model", "%q must be closed or open", clip.String(s.Model))
	}
	return nil
}

// validateSteps checks a sweep of loads; a kind that makes its own steps
// checks them itself.
func (s *Scenario) validateSteps(bad BadField) error {
	if s.spec().Steps != nil {
		return nil
	}
	for i, v := range s.Steps {
		if v <= 0 || (s.Model == "closed" && v != float64(int(v))) {
			return bad(fmt.Sprintf("steps[%d]", i), "%v must be a positive %s", v, map[string]string{"closed": "whole number of clients", "open": "rate"}[s.Model])
		}
		if s.Model == "closed" && v > 5000 {
			return bad(fmt.Sprintf("steps[%d]", i), "%v clients is more than the 5000 this lab allows on one host", v)
		}
	}
	return nil
}

// validateServer checks the server flags.
func (s *Scenario) validateServer(bad BadField) error {
	sv := s.Server
	if sv.RateLimit != nil && *sv.RateLimit < 0 {
		return bad("server.rate_limit", "must be >= 0 (0 = off), got %d", *sv.RateLimit)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"server.workers", sv.Workers}, {"server.queue", sv.Queue}, {"server.writer_queue", sv.WriterQueue}} {
		if f.v < 0 {
			return bad(f.name, "must be >= 0 (0 = server default), got %d", f.v)
		}
	}
	switch sv.Fsync {
	case "", "never", "interval", "always":
	default:
		return bad("server.fsync", "%q must be never, interval or always", clip.String(sv.Fsync))
	}
	if sv.HeaderTimeout != "" {
		if d, err := time.ParseDuration(sv.HeaderTimeout); err != nil || d <= 0 {
			return bad("server.header_timeout", "%q is not a positive duration like 1s", clip.String(sv.HeaderTimeout))
		}
	}
	if sv.Stages != "" {
		if e, err := stages.ParseEvery(sv.Stages); err != nil || e == 0 {
			return bad("server.stages", "%q is not a sample such as 1/8 or all (lab -stages off turns timing off for a whole run)", clip.String(sv.Stages))
		}
	}
	return nil
}

// Load reads the scenario file path.
func Load(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return Parse(path, b)
}

// LoadDir reads every *.json scenario in dir, sorted by name.
func LoadDir(dir string) ([]*Scenario, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("scenario: no *.json scenarios in %s", dir)
	}
	var out []*Scenario
	for _, p := range paths {
		s, err := Load(p)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Select picks scenarios by name (comma-separated list) from all, in the
// list's order; "" picks the quick set, "all" every scenario.
func Select(all []*Scenario, list string) ([]*Scenario, error) {
	list = strings.TrimSpace(list)
	var out []*Scenario
	switch list {
	case "", "quick":
		for _, s := range all {
			if s.Quick {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("scenario: no scenario is marked quick")
		}
		return out, nil
	case "all":
		return all, nil
	}
	if set := inSet(all, list); len(set) > 0 {
		return set, nil
	}
	byName := map[string]*Scenario{}
	var names []string
	for _, s := range all {
		byName[s.Name] = s
		names = append(names, s.Name)
	}
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		s, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("scenario: unknown scenario %q; known: %s", clip.String(n), strings.Join(names, ", "))
		}
		out = append(out, s)
	}
	return out, nil
}

// inSet is every scenario whose sets name list (a set name such as "full"),
// or nil.
func inSet(all []*Scenario, list string) []*Scenario {
	var out []*Scenario
	for _, s := range all {
		for _, n := range s.Sets {
			if n == list {
				out = append(out, s)
				break
			}
		}
	}
	return out
}
