//go:build deadlock

package lock

import deadlock "github.com/sasha-s/go-deadlock"

// naiveMutex under -tags deadlock is go-deadlock's Mutex: it records the
// order in which each goroutine takes locks and reports an inversion (and a
// wait past Opts.DeadlockTimeout) with the stacks involved. Only the tests
// build with this tag (make test-deadlock).
type naiveMutex = deadlock.Mutex
