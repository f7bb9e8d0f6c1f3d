package evidence

import (
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// openFolder is a folder of a folder evidence kept open after its walk, so
// that its files are opened by name inside it (openat) rather than by their
// whole path from the root: on a million small files the kernel's path
// walk was a third of each open. Once retired (the walk has moved far on),
// its files are opened by their whole path again, with the same errors.
type openFolder struct {
	mu      sync.Mutex
	dir     *os.File
	fd      int
	users   int  // opens running in it
	retired bool // closed, or closing once its users are done
}

// open opens the file name of the folder, whose whole path is abs.
func (f *openFolder) open(name, abs string) (*hostFile, error) {
	f.mu.Lock()
	if f.retired {
		f.mu.Unlock()
		return openReadOnly(abs)
	}
	f.users++
	f.mu.Unlock()
	h, err := openReadOnlyAt(f.fd, name, abs)
	f.mu.Lock()
	if f.users--; f.retired && f.users == 0 {
		f.dir.Close()
	}
	f.mu.Unlock()
	return h, err
}

// retire closes the folder once no open runs in it.
func (f *openFolder) retire() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.retired {
		return
	}
	f.retired = true
	if f.users == 0 {
		f.dir.Close()
	}
}

// keptFoldersMax is how many walked folders stay open: the workers open a
// file a few dozen entries after the walk handed it out, so a few folders
// cover even a tree of one file per folder, and bound the descriptors.
const keptFoldersMax = 8

// keptFolders are the folders a walk left last, oldest first.
type keptFolders struct{ list []*openFolder }

// add keeps f, retiring the oldest folder kept beyond keptFoldersMax.
func (k *keptFolders) add(f *openFolder) {
	k.list = append(k.list, f)
	if len(k.list) > keptFoldersMax {
		k.list[0].retire()
		k.list = append(k.list[:0], k.list[1:]...)
	}
}

// retireAll retires every kept folder, at the end of the walk: files handed
// out and opened later are opened by their whole path.
func (k *keptFolders) retireAll() {
	for _, f := range k.list {
		f.retire()
	}
	k.list = nil
}

// folderEntry is hostEntry of the file name in folder, opened there.
func folderEntry(folder *openFolder, name, abs, rel string, st *unix.Stat_t) Entry {
	e := Entry{Path: rel, Size: st.Size, Inode: st.Ino, Mtime: timespec(st.Mtim), Atime: timespec(st.Atim), Ctime: timespec(st.Ctim)}
	e.Open = func() (Content, error) { return folder.open(name, abs) }
	e.folder, e.name = folder, name
	return e
}

// openReadOnlyAt is openReadOnly of name inside the folder dirfd; path is
// the file's whole path, for errors.
func openReadOnlyAt(dirfd int, name, path string) (*hostFile, error) {
	fd, err := openAt(dirfd, name, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOATIME)
	if err == syscall.EPERM {
		// O_NOATIME is refused on files we do not own unless privileged.
		fd, err = openAt(dirfd, name, syscall.O_RDONLY|syscall.O_CLOEXEC)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return &hostFile{fd: fd, path: path}, nil
}

func openAt(dirfd int, name string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}
