//go:build !linux

package store

func pageOut(addr, n uintptr) {}

func dropPages(addr, n uintptr) {}

func noReadAround(fd int) {}

func willNeed(fd int, off, n int64) {}
