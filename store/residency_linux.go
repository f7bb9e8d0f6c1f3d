package store

import "golang.org/x/sys/unix"

// pageOut asks the kernel to reclaim the pages of [addr, addr+n). Errors
// (an old kernel without MADV_PAGEOUT, a range unmapped meanwhile) only
// leave the pages resident.
func pageOut(addr, n uintptr) {
	unix.Syscall(unix.SYS_MADVISE, addr, n, unix.MADV_PAGEOUT)
}
