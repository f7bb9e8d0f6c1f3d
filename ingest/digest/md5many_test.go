package digest

import (
	"bytes"
	"crypto/md5"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// checkMD5Many compares every digest MD5Many gives with crypto/md5's.
func checkMD5Many(t testing.TB, msgs [][]byte) {
	t.Helper()
	sums := make([][md5.Size]byte, len(msgs))
	MD5Many(msgs, sums)
	for i, m := range msgs {
		if want := md5.Sum(m); sums[i] != want {
			t.Fatalf("message %d of %d (%d bytes): MD5 %x, crypto/md5 %x", i, len(msgs), len(m), sums[i], want)
		}
	}
}

// TestMD5ManyMatchesStdlib runs every length around the padding's edges
// (55/56 bytes: one padding block or two) and batches of every size from
// none to past eight lanes, and batches of mixed lengths so that lanes
// finish at different blocks and take new messages mid-run.
func TestMD5ManyMatchesStdlib(t *testing.T) {
	if !haveBlocks8() {
		t.Log("no AVX2 here: this checks the crypto/md5 fallback only")
	}
	data := randomBytes(1<<20, 3)
	var lengths []int
	for n := 0; n <= 4*md5.BlockSize+1; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 1000, 4095, 4096, 65537, 300_000)
	for count := 0; count <= 17; count++ {
		for _, n := range lengths {
			msgs := make([][]byte, count)
			for i := range msgs {
				// Each lane reads its own place in data, so a lane reading
				// another's bytes shows as a wrong digest.
				off := (i * 7919) % (len(data) - n)
				msgs[i] = data[off : off+n]
			}
			checkMD5Many(t, msgs)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for round := range 300 {
		msgs := make([][]byte, 1+r.IntN(70))
		for i := range msgs {
			n := r.IntN(3 << 10)
			if r.IntN(20) == 0 {
				n = r.IntN(40 << 10)
			}
			off := r.IntN(len(data) - n)
			msgs[i] = data[off : off+n]
		}
		if round%10 == 0 {
			msgs[r.IntN(len(msgs))] = nil
		}
		checkMD5Many(t, msgs)
	}
}

// TestMD5ManyMatchesMd5sum checks a batch against a tool nobody here wrote.
func TestMD5ManyMatchesMd5sum(t *testing.T) {
	dir := t.TempDir()
	var msgs [][]byte
	var names []string
	for i, n := range []int{0, 1, 55, 56, 64, 200, 3000, 9, 120, 4097} {
		m := randomBytes(n, uint64(100+i))
		name := filepath.Join(dir, string(rune('a'+i)))
		if err := os.WriteFile(name, m, 0o600); err != nil {
			t.Fatal(err)
		}
		msgs, names = append(msgs, m), append(names, name)
	}
	sums := make([][md5.Size]byte, len(msgs))
	MD5Many(msgs, sums)
	out, err := exec.Command("md5sum", names...).Output()
	if err != nil {
		t.Skipf("md5sum: %v", err)
	}
	for i, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		if got := bytes.Fields(line)[0]; string(got) != hexString(sums[i][:]) {
			t.Fatalf("%s: md5sum %s, MD5Many %x", names[i], got, sums[i])
		}
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	s := make([]byte, 0, 2*len(b))
	for _, c := range b {
		s = append(s, digits[c>>4], digits[c&15])
	}
	return string(s)
}

// TestGeneratedAssemblyIsCurrent regenerates md5x8_amd64.s and compares.
func TestGeneratedAssemblyIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	out := filepath.Join(t.TempDir(), "md5x8_amd64.s")
	cmd := exec.Command("go", "run", "gen_md5x8.go", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen_md5x8.go: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("md5x8_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("md5x8_amd64.s differs from what gen_md5x8.go writes: run go generate ./ingest/digest")
	}
}

// FuzzMD5Many cuts data into messages at the lengths cuts gives, so the
// fuzzer reaches any mix of lengths and batch sizes.
func FuzzMD5Many(f *testing.F) {
	f.Add(randomBytes(4000, 9), []byte{0, 55, 56, 64, 255, 1, 2, 3, 120})
	f.Add([]byte{}, []byte{0, 0})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		var msgs [][]byte
		for i, c := range cuts {
			n := min(int(c)*(1+i%5), len(data))
			msgs = append(msgs, data[:n])
			data = data[n:]
		}
		checkMD5Many(t, msgs)
	})
}
