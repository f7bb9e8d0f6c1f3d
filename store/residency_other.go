//go:build !linux

package store

const (
	advicePageOut = 0
	adviceDrop    = 0
)

func adviseAll(advice int, ranges []mapping) {}

func noReadAround(fd int) {}

func willNeed(fd int, off, n int64) {}
