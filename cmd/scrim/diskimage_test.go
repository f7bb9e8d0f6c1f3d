package main

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"scrim/export"
	"scrim/testdata/demo"
)

// tskPartition is one partition as mmls lists it.
type tskPartition struct{ start int64 }

func mmlsPartitions(t *testing.T, img string) []tskPartition {
	t.Helper()
	out, err := exec.Command("mmls", img).Output()
	if err != nil {
		return []tskPartition{{0}} // no partition table: the filesystem starts at 0
	}
	var parts []tskPartition
	re := regexp.MustCompile(`^\d+:\s+(?:\d+:)?\d+\s+(\d+)\s+\d+\s+\d+\s+(.*)$`)
	for _, line := range strings.Split(string(out), "\n") {
		m := re.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil || strings.Contains(m[2], "Extended") {
			continue
		}
		start, _ := strconv.ParseInt(m[1], 10, 64)
		parts = append(parts, tskPartition{start})
	}
	return parts
}

// tskFile is a regular file fls lists, with the content icat gives.
type tskFile struct {
	path    string
	deleted bool
	data    []byte
}

func tskFiles(t *testing.T, img string, sector int64) []tskFile {
	t.Helper()
	out, err := exec.Command("fls", "-r", "-p", "-o", strconv.FormatInt(sector, 10), img).Output()
	if err != nil {
		t.Fatalf("fls on %s at sector %d: %v", img, sector, err)
	}
	var files []tskFile
	re := regexp.MustCompile(`^[-r]/r (\* )?(\d+(?:-\d+-\d+)?)(?:\(realloc\))?:\t(.*)$`)
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		if m == nil || strings.HasPrefix(m[3], "$") || strings.Contains(m[3], "/$") || strings.HasSuffix(m[3], "(Volume Label Entry)") {
			continue // not a regular file, or one of TSK's virtual or metadata files
		}
		data, err := exec.Command("icat", "-o", strconv.FormatInt(sector, 10), img, m[2]).Output()
		if err != nil {
			t.Fatalf("icat %s: %v", m[2], err)
		}
		files = append(files, tskFile{path: "/" + m[3], deleted: m[1] != "", data: data})
	}
	return files
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// crossCheckTSK requires scrim's listing of a disk image to agree with The
// Sleuth Kit on the raw form of the same disk: every allocated regular file
// TSK lists is found with the same path, size and MD5; every deleted file
// whose content TSK recovers intact (equal to the original in src) is found
// as deleted with the same path and MD5, and carved from unallocated space.
func crossCheckTSK(t *testing.T, rawImg string, rows []export.FileRow, src string) {
	t.Helper()
	type key struct {
		off  int64
		path string
	}
	live, deleted := map[key]export.FileRow{}, map[key]export.FileRow{}
	carved := map[string]bool{}
	for _, r := range rows {
		switch {
		case r.Carved:
			carved[r.MD5] = true
		case r.Deleted:
			deleted[key{r.VolumeOffset, r.Path}] = r
		default:
			live[key{r.VolumeOffset, r.Path}] = r
		}
	}
	var nLive, nDeleted int
	for _, p := range mmlsPartitions(t, rawImg) {
		for _, f := range tskFiles(t, rawImg, p.start) {
			k := key{p.start * 512, f.path}
			if !f.deleted {
				nLive++
				r, ok := live[k]
				if !ok {
					t.Errorf("TSK lists %s at sector %d; scrim does not", f.path, p.start)
				} else if r.Size != int64(len(f.data)) || r.MD5 != md5hex(f.data) {
					t.Errorf("%s: scrim size %d md5 %s, TSK %d %s", f.path, r.Size, r.MD5, len(f.data), md5hex(f.data))
				}
				continue
			}
			orig, err := os.ReadFile(filepath.Join(src, f.path))
			if err != nil || !bytes.Equal(orig, f.data) || len(orig) == 0 {
				continue // not intact: TSK's recovery is not the original either
			}
			nDeleted++
			r, ok := deleted[k]
			if !ok {
				t.Errorf("TSK recovers deleted %s intact at sector %d; scrim does not list it as deleted", f.path, p.start)
				continue
			}
			if r.MD5 != md5hex(orig) {
				t.Errorf("deleted %s: scrim md5 %s, original %s", f.path, r.MD5, md5hex(orig))
			}
			if r.Kind == "picture" && r.Error == "" && !carved[r.MD5] {
				t.Errorf("deleted picture %s was not also carved from unallocated space", f.path)
			}
		}
	}
	if nLive < 20 || nDeleted < 2 {
		t.Fatalf("fixture too thin: %d live and %d intact deleted files", nLive, nDeleted)
	}
	t.Logf("agreed with TSK on %d live and %d intact deleted files", nLive, nDeleted)
}

func fileSHA256(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fatDisk builds the MBR + FAT32 + FAT16 fixture from a demo tree.
// fatDiskFixture is fatDisk's disk and the folder it was filled from, made
// once per test binary beside scrim (removed by TestMain): four tests read
// the same disk.
var fatDiskFixture struct {
	once     sync.Once
	img, src string
	err      error
}

// fatDisk returns a copy of the MBR disk (FAT32 + FAT16, some files deleted)
// of its own, so a test that checks its evidence is left unchanged checks
// only what its own ingest did, and the shared folder it was filled from
// (read only).
func fatDisk(t *testing.T) (img, src string) {
	t.Helper()
	needTool(t, "mmls", "sleuthkit")
	needTool(t, "mcopy", "mtools")
	needTool(t, "sfdisk", "fdisk")
	f := &fatDiskFixture
	f.once.Do(func() {
		dir := filepath.Join(filepath.Dir(scrimBin), "fat-disk")
		src := filepath.Join(dir, "src")
		if _, err := demo.Generate(src, demo.Options{Seed: 2}); err != nil {
			f.err = err
			return
		}
		img := filepath.Join(dir, "disk.raw")
		script, _ := filepath.Abs("../../testdata/disks/fat-mbr.sh")
		if out, err := exec.Command("bash", script, img, src).CombinedOutput(); err != nil {
			f.err = fmt.Errorf("fat-mbr.sh: %v\n%s", err, out)
			return
		}
		f.img, f.src = img, src
	})
	if f.err != nil {
		t.Fatalf("FAT disk fixture: %v", f.err)
	}
	img = filepath.Join(t.TempDir(), "disk.raw")
	copyFile(t, f.img, img)
	return img, f.src
}

func TestRawDiskAgainstTSK(t *testing.T) {
	img, src := fatDisk(t)
	before := fileSHA256(t, img)
	caseDir := filepath.Join(t.TempDir(), "case")
	mustScrim(t, "ingest", "--case", caseDir, "--evidence", "EXH-1", img)
	if fileSHA256(t, img) != before {
		t.Fatal("ingest changed the evidence image")
	}
	rows := readRows(t, caseDir)
	crossCheckTSK(t, img, rows, src)
	s := readStats(t, caseDir)
	if len(s.Evidence) != 1 || s.Evidence[0].Format != "raw" || s.Evidence[0].Status != "complete" {
		t.Fatalf("evidence %+v", s.Evidence)
	}
	vols := map[string]bool{}
	for _, r := range rows {
		vols[fmt.Sprintf("%s@%d %s %s", r.Volume, r.VolumeOffset, r.VolumeType, r.FS)] = true
	}
	if !vols["1@1048576 0x0c fat32"] || !vols["2@63963136 0x06 fat16"] {
		t.Errorf("volumes seen: %v", vols)
	}
}

// gptDisk builds the GPT + NTFS + ext4 fixture; NTFS is filled through a
// FUSE mount, which some sandboxes refuse.
func gptDisk(t *testing.T) (img, src string) {
	t.Helper()
	needTool(t, "mmls", "sleuthkit")
	needTool(t, "ntfs-3g", "ntfs-3g")
	needTool(t, "sgdisk", "gdisk")
	dir := t.TempDir()
	src = filepath.Join(dir, "src")
	if _, err := demo.Generate(src, demo.Options{Seed: 4}); err != nil {
		t.Fatal(err)
	}
	img = filepath.Join(dir, "gpt.raw")
	script, _ := filepath.Abs("../../testdata/disks/gpt-ntfs-ext4.sh")
	out, err := exec.Command("bash", script, img, src).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 77 {
		if os.Getenv("CI") != "" {
			t.Fatal("FUSE is not usable: the NTFS fixture needs ntfs-3g to mount")
		}
		t.Skip("FUSE is not usable here")
	}
	if err != nil {
		t.Fatalf("gpt-ntfs-ext4.sh: %v\n%s", err, out)
	}
	return img, src
}

func TestGPTDiskAgainstTSK(t *testing.T) {
	img, src := gptDisk(t)
	caseDir := filepath.Join(t.TempDir(), "case")
	mustScrim(t, "ingest", "--case", caseDir, img)
	rows := readRows(t, caseDir)
	crossCheckTSK(t, img, rows, src)
	fs := map[string]bool{}
	for _, r := range rows {
		fs[r.Volume+" "+r.FS] = true
	}
	if !fs["1 ntfs"] || !fs["2 ext4"] {
		t.Errorf("volumes and filesystems seen: %v", fs)
	}
}

// TestISOAgainstTSK: an optical disc image is a bare ISO 9660 volume.
func TestISOAgainstTSK(t *testing.T) {
	needTool(t, "genisoimage", "genisoimage")
	needTool(t, "fls", "sleuthkit")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if _, err := demo.Generate(src, demo.Options{Seed: 6}); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "disc.iso")
	if out, err := exec.Command("genisoimage", "-quiet", "-J", "-R", "-o", img, src).CombinedOutput(); err != nil {
		t.Fatalf("genisoimage: %v %s", err, out)
	}
	caseDir := filepath.Join(t.TempDir(), "case")
	mustScrim(t, "ingest", "--case", caseDir, img)
	rows := readRows(t, caseDir)
	live := map[string]export.FileRow{}
	for _, r := range rows {
		if r.FS != "iso9660" || r.Deleted || r.Carved {
			t.Errorf("unexpected row on a disc: %+v", r)
		}
		live[r.Path] = r
	}
	files := tskFiles(t, img, 0)
	for _, f := range files {
		r, ok := live[f.path]
		if !ok || r.MD5 != md5hex(f.data) || r.Size != int64(len(f.data)) {
			t.Errorf("%s: TSK size %d md5 %s; scrim %+v", f.path, len(f.data), md5hex(f.data), r)
		}
	}
	if len(files) < 40 || len(rows) != len(files) {
		t.Fatalf("TSK lists %d files, scrim %d", len(files), len(rows))
	}
}

// exfatDisk builds an MBR disk whose partition 1 is an exFAT card filled
// from a demo tree through exfat-fuse on a loop device, which some
// sandboxes refuse.
func exfatDisk(t *testing.T) (img, src string) {
	t.Helper()
	needTool(t, "mmls", "sleuthkit")
	needTool(t, "mkfs.exfat", "exfatprogs")
	needTool(t, "mount.exfat-fuse", "exfat-fuse")
	needTool(t, "sfdisk", "fdisk")
	dir := t.TempDir()
	src = filepath.Join(dir, "src")
	if _, err := demo.Generate(src, demo.Options{Seed: 8}); err != nil {
		t.Fatal(err)
	}
	img = filepath.Join(dir, "card.raw")
	script, _ := filepath.Abs("../../testdata/disks/exfat-card.sh")
	out, err := exec.Command("bash", script, img, src, "mbr").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 77 {
		if os.Getenv("CI") != "" {
			t.Fatal("loop devices or FUSE are not usable: the exFAT fixture needs exfat-fuse to mount")
		}
		t.Skip("loop devices or FUSE are not usable here")
	}
	if err != nil {
		t.Fatalf("exfat-card.sh: %v\n%s", err, out)
	}
	return img, src
}

// TestExFATDiskAgainstTSK: an exFAT partition is read, not only carved: its
// pictures, live and deleted, agree with TSK.
func TestExFATDiskAgainstTSK(t *testing.T) {
	img, src := exfatDisk(t)
	caseDir := filepath.Join(t.TempDir(), "case")
	mustScrim(t, "ingest", "--case", caseDir, img)
	rows := readRows(t, caseDir)
	crossCheckTSK(t, img, rows, src)
	var pictures, deleted int
	for _, r := range rows {
		if r.Carved {
			continue
		}
		if r.Volume != "1" || r.VolumeOffset != 1<<20 || r.VolumeType != "0x07" || r.FS != "exfat" {
			t.Errorf("row outside the exFAT partition: %+v", r)
		}
		if r.Kind == "picture" {
			pictures++
			if r.Deleted {
				deleted++
			}
		}
	}
	if pictures < 10 || deleted < 2 {
		t.Errorf("%d pictures (%d deleted) read from the exFAT partition", pictures, deleted)
	}
}

// TestDamagedExFATStillCarved: an exFAT partition whose boot regions both
// fail their checksums is reported as an error naming exFAT, and its
// pictures are still carved from the volume.
func TestDamagedExFATStillCarved(t *testing.T) {
	img, _ := exfatDisk(t)
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Flip a byte of the serial number, main and backup: a fixed byte
	// written there changed nothing when the random serial held it.
	for _, off := range []int64{1<<20 + 100, 1<<20 + 12*512 + 100} {
		b := make([]byte, 1)
		if _, err := f.ReadAt(b, off); err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt([]byte{^b[0]}, off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	caseDir := filepath.Join(t.TempDir(), "case")
	mustScrim(t, "ingest", "--case", caseDir, img)
	var errRows, carved int
	for _, r := range readRows(t, caseDir) {
		switch {
		case r.Carved && r.Kind == "picture":
			carved++
		case !r.Carved && r.FS == "exfat":
			t.Errorf("file read from a volume that failed its checks: %+v", r)
		case strings.Contains(r.Error, "exfat") && strings.Contains(r.Error, "checksum"):
			errRows++
		}
	}
	if errRows != 1 || carved < 10 {
		t.Errorf("%d error rows naming exFAT's checksum, %d carved pictures", errRows, carved)
	}
}
