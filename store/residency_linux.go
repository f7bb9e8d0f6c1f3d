package store

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Limits of one process_madvise call: the kernel takes at most UIO_MAXIOV
// ranges, and advises at most MAX_RW_COUNT (2 GiB less a page) bytes,
// silently stopping there.
const (
	adviseMaxRanges = 1024
	adviseMaxBytes  = 1 << 30
)

// adviseAll gives advice to every range with as few system calls as the
// kernel allows (process_madvise, Linux 6.13 for any advice on the process
// itself), and one madvise per range where it does not. A late trim of a
// 10 M-file ingest advised some 200 ranges one call at a time, and took
// 0.1-0.5 s doing so with both cores busy, against milliseconds for the
// same work on an idle machine: each call gave the goroutine's processor
// up and waited to get one back. Errors (a range unmapped meanwhile, a
// kernel without the advice) only leave pages resident.
func adviseAll(advice int, ranges []mapping) {
	if len(ranges) == 0 {
		return
	}
	pidfd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		adviseEach(advice, ranges)
		return
	}
	defer unix.Close(pidfd)
	// struct iovec: a pointer and a size_t, both a uintptr wide; the
	// addresses are the mappings', not Go memory.
	type iovec struct{ base, n uintptr }
	iov := make([]iovec, 0, min(len(ranges), adviseMaxRanges))
	for len(ranges) > 0 {
		iov = iov[:0]
		bytes := uintptr(0)
		for _, r := range ranges {
			if len(iov) == adviseMaxRanges || (len(iov) > 0 && bytes+r.n > adviseMaxBytes) {
				break
			}
			iov = append(iov, iovec{r.addr, r.n})
			bytes += r.n
		}
		done, _, errno := unix.Syscall6(unix.SYS_PROCESS_MADVISE, uintptr(pidfd),
			uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)), uintptr(advice), 0, 0)
		if errno != 0 || done == 0 {
			// An older kernel refuses the advice: one call per range.
			adviseEach(advice, ranges[:len(iov)])
			ranges = ranges[len(iov):]
			continue
		}
		// The kernel stops at the first range it could not advise (one
		// unmapped meanwhile): go on after it.
		n := 0
		for n < len(iov) && done >= ranges[n].n {
			done -= ranges[n].n
			n++
		}
		ranges = ranges[min(n+1, len(iov)):]
	}
}

// adviseEach is adviseAll one range at a time.
func adviseEach(advice int, ranges []mapping) {
	for _, r := range ranges {
		unix.Syscall(unix.SYS_MADVISE, r.addr, r.n, uintptr(advice))
	}
}

// The advice the trims give. Paging out (MADV_PAGEOUT) reclaims the
// pages, written back first if dirty, and loses nothing whatever the
// range maps. Dropping (MADV_DONTNEED) only takes this process's page
// table entries of a shared file mapping away, leaving the pages in the
// page cache; on a range mapped anew it would zero anonymous memory.
const (
	advicePageOut = unix.MADV_PAGEOUT
	adviceDrop    = unix.MADV_DONTNEED
)

// noReadAround turns off read-ahead on the descriptor fd (only that open
// file: Badger's own descriptors keep theirs).
func noReadAround(fd int) { unix.Fadvise(fd, 0, 0, unix.FADV_RANDOM) }

// willNeed starts reading [off, off+n) of fd into the page cache.
func willNeed(fd int, off, n int64) { unix.Fadvise(fd, off, n, unix.FADV_WILLNEED) }
