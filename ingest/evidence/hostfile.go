package evidence

import (
	"os"
	"syscall"
	"time"
)

// hostEntry builds an Entry for a file of the examiner's own filesystem.
func hostEntry(abs, rel string, fi os.FileInfo) Entry {
	e := Entry{
		Path:  rel,
		Size:  fi.Size(),
		Mtime: fi.ModTime().UTC(),
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		e.Inode = st.Ino
		e.Atime = time.Unix(st.Atim.Sec, st.Atim.Nsec).UTC()
		e.Ctime = time.Unix(st.Ctim.Sec, st.Ctim.Nsec).UTC()
	}
	e.Open = func() (Content, error) { return openReadOnly(abs) }
	return e
}

// openReadOnly opens a file for reading only; O_NOATIME (where permitted)
// keeps the evidence's access times as they were.
func openReadOnly(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOATIME, 0)
	if err != nil {
		// O_NOATIME is refused on files we do not own unless privileged.
		f, err = os.OpenFile(path, os.O_RDONLY, 0)
	}
	return f, err
}
