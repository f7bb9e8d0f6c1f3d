package volume

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tool finds an external program. Missing tools skip the test on a
// developer machine but fail under CI, naming the Debian package.
func tool(t testing.TB, name, debPkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found: apt-get install %s", name, debPkg)
	}
	t.Skipf("%s not found (apt-get install %s)", name, debPkg)
	return ""
}

func run(t testing.TB, stdin string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, errb.String())
	}
	return out.String()
}

// sparse makes an empty sparse file of size bytes in a temp dir.
func sparse(t testing.TB, name string, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

// mbrFixture: three primaries, then an extended partition holding three
// logicals, made by sfdisk.
func mbrFixture(t testing.TB) string {
	sfdisk := tool(t, "sfdisk", "fdisk")
	p := sparse(t, "mbr.img", 64<<20)
	run(t, `label: dos
start=2048, size=8192, type=83
start=10240, size=8192, type=7
start=18432, size=8192, type=c
start=26624, size=100000, type=5
start=28672, size=8192, type=83
start=38912, size=8192, type=b
start=49152, size=8192, type=7
`, sfdisk, p)
	return p
}

// gptFixture: four named partitions made by sgdisk.
func gptFixture(t testing.TB) string {
	sgdisk := tool(t, "sgdisk", "gdisk")
	p := sparse(t, "gpt.img", 64<<20)
	run(t, "", sgdisk, "-n1:2048:+4M", "-c1:EFI System", "-t1:ef00",
		"-n2:0:+8M", "-c2:data one", "-t2:0700",
		"-n3:0:+8M", "-c3:linux", "-t3:8300",
		"-n4:0:+4M", "-c4:Ünïcode", "-t4:8200", p)
	return p
}

// mmlsPart is one data row of `mmls` output.
type mmlsPart struct {
	start, length int64 // sectors
	desc          string
}

// mmls runs TSK's mmls and keeps the rows that are partitions (not Meta,
// not unallocated gaps), in printed order.
func mmls(t testing.TB, img string) []mmlsPart {
	out := run(t, "", tool(t, "mmls", "sleuthkit"), img)
	var parts []mmlsPart
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || !strings.HasSuffix(f[0], ":") || f[1] == "Meta" || f[1] == "-------" {
			continue
		}
		start, err1 := strconv.ParseInt(f[2], 10, 64)
		length, err2 := strconv.ParseInt(f[4], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		parts = append(parts, mmlsPart{start, length, strings.Join(f[5:], " ")})
	}
	return parts
}

func openImg(t testing.TB, p string) (*os.File, int64) {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return f, st.Size()
}
