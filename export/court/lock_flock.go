//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package court

import (
	"os"
	"syscall"
)

// lockAppend serialises appenders across processes (two viewers of one file).
func lockAppend(f *os.File) (unlock func(), err error) {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }, nil
}
