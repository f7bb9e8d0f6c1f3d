//go:build !linux

package store

func pageOut(addr, n uintptr) {}
