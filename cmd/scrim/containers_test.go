package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"scrim/export"
)

// placeSet renders what a disk holds, independent of the container.
func placeSet(rows []export.FileRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%s@%d %s %s del=%v carved=%v off=%d %s %s", r.Volume, r.VolumeOffset, r.FS, r.Path, r.Deleted, r.Carved, r.Offset, r.MD5, r.Error))
	}
	sort.Strings(out)
	return out
}

func runFixtureTool(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// TestContainersMatchRaw converts one disk to every container format with
// the tools that define them and requires scrim to find exactly what it
// finds in the raw disk, with E01 acquisition hashes verified.
func TestContainersMatchRaw(t *testing.T) {
	needTool(t, "ewfacquire", "ewf-tools")
	needTool(t, "qemu-img", "qemu-utils")
	raw, _ := fatDisk(t)
	rawCase := filepath.Join(t.TempDir(), "raw")
	mustScrim(t, "ingest", "--case", rawCase, raw)
	want := placeSet(readRows(t, rawCase))
	rawMD5 := md5hex(mustRead(t, raw))

	dir := t.TempDir()
	runFixtureTool(t, "ewfacquire", "-u", "-q", "-t", filepath.Join(dir, "disk"), "-f", "encase6", "-c", "deflate:fast",
		"-S", "4MiB", "-d", "sha1", "-C", "CASE-7", "-E", "EXH-1", "-e", "examiner", "-D", "fixture", "-N", "none", "-m", "fixed", "-M", "physical", raw)
	runFixtureTool(t, "qemu-img", "convert", "-f", "raw", "-O", "vmdk", raw, filepath.Join(dir, "disk.vmdk"))
	runFixtureTool(t, "qemu-img", "convert", "-f", "raw", "-O", "vpc", raw, filepath.Join(dir, "disk.vhd"))
	runFixtureTool(t, "qemu-img", "convert", "-f", "raw", "-O", "vhdx", raw, filepath.Join(dir, "disk.vhdx"))
	runFixtureTool(t, "qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", raw, filepath.Join(dir, "disk.qcow2"))
	// No Linux tool writes DMGs: testdata/mkdmg does, from libyal's layout.
	runFixtureTool(t, "go", "run", "scrim/testdata/mkdmg", "-in", raw, "-out", filepath.Join(dir, "disk.dmg"), "-methods", "zlib,raw,adc")
	runFixtureTool(t, "split", "-b", "16M", "-d", "-a", "3", "--numeric-suffixes=1", raw, filepath.Join(dir, "disk.raw."))

	for _, c := range []struct{ path, format string }{
		{"disk.E01", "ewf"}, {"disk.vmdk", "vmdk"}, {"disk.vhd", "vhd"}, {"disk.vhdx", "vhdx"}, {"disk.qcow2", "qcow2"}, {"disk.dmg", "dmg"},
		{"disk.raw.001", "split-raw"},
	} {
		t.Run(c.format, func(t *testing.T) {
			caseDir := filepath.Join(t.TempDir(), "case")
			var sums []map[string]any
			json.Unmarshal([]byte(mustScrim(t, "ingest", "--case", caseDir, "--verify", "--json", filepath.Join(dir, c.path))), &sums)
			got := placeSet(readRows(t, caseDir))
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("%s differs from the raw disk:\n%s", c.format, firstDiff(strings.Join(got, "\n"), strings.Join(want, "\n")))
			}
			s := readStats(t, caseDir)
			ev := s.Evidence[0]
			if ev.Format != c.format {
				t.Errorf("format %q", ev.Format)
			}
			v := ev.Verification
			switch {
			case c.format == "ewf":
				if v == nil || v.Status != "verified" || v.Computed["md5"] != rawMD5 || ev.StoredHashes["md5"] != rawMD5 || len(ev.Segments) < 3 {
					t.Errorf("E01 evidence record: %+v", ev.Evidence)
				}
			case c.format == "vhd" || c.format == "vhdx":
				// qemu rounds these up to a disk geometry: only the status is fixed.
				if v == nil || v.Status != "no stored hash" {
					t.Errorf("verification %+v", v)
				}
			default:
				if v == nil || v.Status != "no stored hash" || v.Computed["md5"] != rawMD5 {
					t.Errorf("verification %+v (raw md5 %s)", v, rawMD5)
				}
			}
		})
	}

	// A missing middle segment is named; what can be read is still ingested.
	broken := t.TempDir()
	segs, _ := filepath.Glob(filepath.Join(dir, "disk.E*"))
	for _, seg := range segs {
		if filepath.Base(seg) != "disk.E02" {
			os.WriteFile(filepath.Join(broken, filepath.Base(seg)), mustRead(t, seg), 0o444)
		}
	}
	caseDir := filepath.Join(t.TempDir(), "broken")
	mustScrim(t, "ingest", "--case", caseDir, filepath.Join(broken, "disk.E01"))
	s := readStats(t, caseDir)
	notes := strings.Join(s.Evidence[0].Notes, "; ")
	if !strings.Contains(notes, "disk.E02") {
		t.Errorf("notes do not name the missing segment: %q", notes)
	}
	rows := readRows(t, caseDir)
	var ok, failed int
	for _, r := range rows {
		if r.Error != "" && strings.Contains(r.Error, "E02") {
			failed++
		} else if r.MD5 != "" {
			ok++
		}
	}
	if ok < 20 || failed == 0 {
		t.Errorf("with E02 missing: %d files read, %d errors naming E02 (of %d rows)", ok, failed, len(rows))
	}
	t.Logf("with E02 missing: %d files read, %d errors naming E02; notes: %s", ok, failed, notes)
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
