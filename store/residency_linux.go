package store

import "golang.org/x/sys/unix"

// pageOut asks the kernel to reclaim the pages of [addr, addr+n). Errors
// (an old kernel without MADV_PAGEOUT, a range unmapped meanwhile) only
// leave the pages resident.
func pageOut(addr, n uintptr) {
	unix.Syscall(unix.SYS_MADVISE, addr, n, unix.MADV_PAGEOUT)
}

// dropPages drops this process's page table entries of [addr, addr+n), a
// shared file mapping: the pages stay in the page cache (dirty ones are
// written back as usual) and a later read maps them again.
func dropPages(addr, n uintptr) {
	unix.Syscall(unix.SYS_MADVISE, addr, n, unix.MADV_DONTNEED)
}

// noReadAround turns off read-ahead on the descriptor fd (only that open
// file: Badger's own descriptors keep theirs).
func noReadAround(fd int) { unix.Fadvise(fd, 0, 0, unix.FADV_RANDOM) }

// willNeed starts reading [off, off+n) of fd into the page cache.
func willNeed(fd int, off, n int64) { unix.Fadvise(fd, off, n, unix.FADV_WILLNEED) }
