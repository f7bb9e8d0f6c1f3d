package evidence

import (
	"os"
	"runtime"

	"golang.org/x/sys/unix"

	"scrim/internal/uring"
)

// folderStatter is the walk's lstat of the files of a folder, many in
// one io_uring_enter (statx in the ring) where io_uring is allowed, else
// one fstatat each. Either way a file's fields and errors are fstatat's.
type folderStatter struct {
	ring *uring.Ring // nil: one fstatat per file
	// broken: the ring failed; it is kept, unused, until close, since
	// statx still running in it may write into sts.
	broken bool
	names  []byte
	sts    []unix.Statx_t
	res    []int32
}

// statFields are the statx fields a folder entry is made of.
const statFields = unix.STATX_TYPE | unix.STATX_MODE | unix.STATX_INO | unix.STATX_SIZE |
	unix.STATX_ATIME | unix.STATX_MTIME | unix.STATX_CTIME

func newFolderStatter() *folderStatter {
	s := &folderStatter{}
	if v := os.Getenv(NoRingEnv); v == "" || v == "0" {
		if r, err := uring.New(BatchFiles, 0); err == nil {
			s.ring = r
			s.sts = make([]unix.Statx_t, BatchFiles)
			s.res = make([]int32, BatchFiles)
		}
	}
	return s
}

func (s *folderStatter) close() {
	if s.ring != nil {
		s.ring.Close()
		s.ring = nil
	}
}

// statAll is statAt of each of names (at most BatchFiles) in the folder
// fd, into sts and errs.
func (s *folderStatter) statAll(fd int, names []string, sts []unix.Stat_t, errs []error) {
	if s.ring == nil || s.broken || !s.statRing(fd, names, sts, errs) {
		for i, n := range names {
			errs[i] = statAt(fd, n, &sts[i])
		}
	}
}

// statRing stats names through the ring; a file whose statx failed or
// lacks a field is stat'ed again with fstatat, for its exact error. It
// returns false, having done nothing, when the ring itself failed: the
// walk then stats with system calls from here on.
func (s *folderStatter) statRing(fd int, names []string, sts []unix.Stat_t, errs []error) bool {
	s.names = s.names[:0]
	for _, n := range names {
		s.names = append(append(s.names, n...), 0)
	}
	off := 0
	for i, n := range names {
		s.res[i] = 1 // not completed
		s.ring.Statx(fd, s.names[off:off+len(n)+1], unix.AT_SYMLINK_NOFOLLOW, statFields, &s.sts[i], uint64(i))
		off += len(n) + 1
	}
	err := s.ring.Submit(len(names))
	s.ring.Reap(func(u uint64, res int32) {
		if int(u) < len(names) {
			s.res[u] = res
		}
	})
	runtime.KeepAlive(s.names)
	if err != nil {
		s.broken = true
		return false
	}
	for i, n := range names {
		x := &s.sts[i]
		if s.res[i] != 0 || x.Mask&statFields != statFields {
			errs[i] = statAt(fd, n, &sts[i])
			continue
		}
		sts[i] = unix.Stat_t{
			Ino: x.Ino, Size: int64(x.Size), Mode: uint32(x.Mode),
			Atim: unix.Timespec{Sec: x.Atime.Sec, Nsec: int64(x.Atime.Nsec)},
			Mtim: unix.Timespec{Sec: x.Mtime.Sec, Nsec: int64(x.Mtime.Nsec)},
			Ctim: unix.Timespec{Sec: x.Ctime.Sec, Nsec: int64(x.Ctime.Nsec)},
		}
		errs[i] = nil
	}
	return true
}
