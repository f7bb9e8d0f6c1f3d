package evidence

import (
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// hostEntry builds an Entry for a file of the examiner's own filesystem
// from what a stat said of it.
func hostEntry(abs, rel string, size int64, ino uint64, mtime, atime, ctime time.Time) Entry {
	return Entry{
		Path: rel, Size: size, Inode: ino, Mtime: mtime, Atime: atime, Ctime: ctime,
		Open: func() (Content, error) { return openReadOnly(abs) },
	}
}

// hostEntryInfo is hostEntry from an os.FileInfo.
func hostEntryInfo(abs, rel string, fi os.FileInfo) Entry {
	var ino uint64
	var atime, ctime time.Time
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = st.Ino
		atime = time.Unix(st.Atim.Sec, st.Atim.Nsec).UTC()
		ctime = time.Unix(st.Ctim.Sec, st.Ctim.Nsec).UTC()
	}
	return hostEntry(abs, rel, fi.Size(), ino, fi.ModTime().UTC(), atime, ctime)
}

// hostFile reads a file through a bare descriptor with pread. An os.File
// would register every descriptor with the network poller (four fcntl and
// a failed epoll_ctl per open), which on a million small files costs more
// than reading them.
type hostFile struct {
	fd   int
	path string
}

// openReadOnly opens a file for reading only; O_NOATIME (where permitted)
// keeps the evidence's access times as they were.
func openReadOnly(path string) (*hostFile, error) {
	fd, err := openFD(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOATIME)
	if err == syscall.EPERM {
		// O_NOATIME is refused on files we do not own unless privileged.
		fd, err = openFD(path, syscall.O_RDONLY|syscall.O_CLOEXEC)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return &hostFile{fd: fd, path: path}, nil
}

func openFD(path string, flags int) (int, error) {
	for {
		fd, err := syscall.Open(path, flags, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// ReadAt fills p from off like os.File.ReadAt: a short read is io.EOF.
func (f *hostFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &os.PathError{Op: "read", Path: f.path, Err: fmt.Errorf("negative offset %d", off)}
	}
	n := 0
	for n < len(p) {
		k, err := syscall.Pread(f.fd, p[n:], off+int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, &os.PathError{Op: "read", Path: f.path, Err: err}
		}
		if k == 0 {
			return n, io.EOF
		}
		n += k
	}
	return n, nil
}

// Close releases the descriptor; a second Close is an error, not a close
// of whatever file reused the number.
func (f *hostFile) Close() error {
	if f.fd < 0 {
		return &os.PathError{Op: "close", Path: f.path, Err: os.ErrClosed}
	}
	err := syscall.Close(f.fd)
	f.fd = -1
	if err != nil {
		return &os.PathError{Op: "close", Path: f.path, Err: err}
	}
	return nil
}
