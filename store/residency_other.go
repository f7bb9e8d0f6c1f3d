//go:build !linux

package store

func pageOut(addr, n uintptr) {}

func dropPages(addr, n uintptr) {}
