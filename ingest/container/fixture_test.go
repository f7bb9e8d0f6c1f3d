package container

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needTool skips (or, with CI set, fails) when a fixture-making tool is
// missing; pkg names the Debian package that provides it.
func needTool(tb testing.TB, tool, pkg string) {
	tb.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s not found (Debian package %s)", tool, pkg)
		}
		tb.Skipf("%s not found: install the Debian package %s", tool, pkg)
	}
}

// run runs a fixture command in dir and fails the test on error.
func run(tb testing.TB, dir string, name string, args ...string) {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// fixtureSize is deliberately not a multiple of any block or grain size, so
// every format has a partial last block.
const fixtureSize = 8<<20 + 64<<10 + 3*512

// makeRaw writes a seeded image of size bytes to path: 64 KiB chunks that are
// random, zero or half of each, with [2 MiB, 4 MiB) all zeros so sparse
// formats leave whole blocks unallocated. It returns the bytes.
func makeRaw(tb testing.TB, path string, size int64, seed uint64) []byte {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 0x5c41))
	b := make([]byte, size)
	for off := int64(0); off < size; off += 64 << 10 {
		end := min(off+64<<10, size)
		if off >= 2<<20 && off < 4<<20 {
			continue
		}
		switch k := rng.IntN(10); {
		case k < 3:
			continue // zeros
		case k < 8:
			fillRandom(rng, b[off:end])
		default:
			fillRandom(rng, b[off:off+(end-off)/2])
		}
	}
	fillRandom(rng, b[size-700:]) // the partial tail always holds data
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return b
}

func fillRandom(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}

// dirDigest hashes every file in dir (name → sha256), to prove the
// evidence was not modified by opening and reading it.
func dirDigest(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			tb.Fatal(err)
		}
		fi, _ := e.Info()
		out[e.Name()] = hex.EncodeToString(h.Sum(nil)) + " " + fi.ModTime().String()
	}
	return out
}
