package volume

import (
	"bytes"
	"os/exec"
	"testing"
)

// FuzzList feeds arbitrary disks to List. Seeds are whole miniature disks
// made by sfdisk (20 KiB: primaries, extended chain of three) and sgdisk
// (40 KiB: four-entry table, both headers): small seeds keep the fuzzer's
// minimisation fast. A declared size beyond the bytes exercises reads past
// the end.
func FuzzList(f *testing.F) {
	if _, err := exec.LookPath("sfdisk"); err == nil {
		p := sparse(f, "mbr.img", 20<<10)
		run(f, "label: dos\nstart=2, size=4, type=83\nstart=6, size=2, type=7\nstart=8, size=2, type=c\n"+
			"start=10, size=30, type=5\nstart=12, size=4, type=83\nstart=18, size=4, type=b\nstart=26, size=4, type=7\n", "sfdisk", p)
		f.Add(mustRead(f, p), uint32(0))
	}
	if _, err := exec.LookPath("sgdisk"); err == nil {
		p := sparse(f, "gpt.img", 40<<10)
		run(f, "", "sgdisk", "-S", "4", "-a", "1", "-n1:4:5", "-c1:one", "-n2:6:7", "-c2:two",
			"-n3:8:9", "-t3:8300", "-n4:10:11", "-c4:Ünï", p)
		f.Add(mustRead(f, p), uint32(0))
	}
	f.Add(make([]byte, 512), uint32(1<<20))
	f.Fuzz(func(t *testing.T, disk []byte, extra uint32) {
		size := int64(len(disk)) + int64(extra%(1<<24))
		vols, _, err := List(bytes.NewReader(disk), size)
		if err != nil {
			return
		}
		for _, v := range vols {
			if v.Offset < 0 || v.Size < 0 || v.Offset+v.Size > size {
				t.Fatalf("volume outside the disk: %+v (size %d)", v, size)
			}
		}
	})
}
