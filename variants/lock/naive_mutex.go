//go:build !deadlock

package lock

import "sync"

// naiveMutex is lock=naive's per-client mutex: sync.Mutex, or go-deadlock's
// detecting Mutex when built with -tags deadlock (naive_deadlock.go).
type naiveMutex = sync.Mutex
