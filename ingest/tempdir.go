package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// videoTempPrefix names the private directories that hold copies of videos
// for ffmpeg; the owner's process ID follows, so a later run can tell the
// copies a killed run left behind (they hold evidence and must not linger).
const videoTempPrefix = "scrim-video-"

func videoTempDir() (string, error) {
	removeOrphanTemps(os.TempDir())
	return os.MkdirTemp("", fmt.Sprintf("%s%d-", videoTempPrefix, os.Getpid()))
}

// removeOrphanTemps deletes video directories whose process is gone.
func removeOrphanTemps(root string) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), videoTempPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || alive(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(root, e.Name()))
	}
}

// alive: signal 0 checks a process exists without touching it (EPERM means
// it exists under another user).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
