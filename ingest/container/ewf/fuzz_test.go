package ewf

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// smallMedia is three 32 KiB chunks that compress well but not all the
// same way (text, zeros, text with a random tail), so that the seeds stay
// a few KiB and the fuzzer's minimisation of new inputs stays quick.
func smallMedia(t testing.TB, dir string) string {
	b := make([]byte, 96<<10)
	text := []byte("scrim fuzz seed DCIM/IMG_0001.JPG\n")
	for i := range 32 << 10 {
		b[i] = text[i%len(text)]
		b[64<<10+i] = text[i%len(text)]
	}
	r := rand.New(rand.NewPCG(4, 4))
	for i := len(b) - 600; i < len(b); i++ {
		b[i] = byte(r.Uint32())
	}
	path := filepath.Join(dir, "media.raw")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// FuzzOpen opens fuzzed bytes as a one-segment image and reads from it:
// no panic, no hang, errors only. Seeds are small real images made by
// ewfacquire in several formats, built here rather than committed.
func FuzzOpen(f *testing.F) {
	f.Add(append(append([]byte{}, sigEVF...), 1, 1, 0, 0, 0))
	if _, err := exec.LookPath("ewfacquire"); err == nil {
		dir := f.TempDir()
		raw := smallMedia(f, dir)
		for _, format := range []string{"encase6", "smart", "encase1", "ftk"} {
			out := filepath.Join(dir, format)
			os.Mkdir(out, 0o755)
			first := acquire(f, raw, out, format, "deflate:fast", 1<<20)
			if b, err := os.ReadFile(first); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.E01")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		im, err := Open(path)
		if err != nil {
			return
		}
		defer im.Close()
		im.Metadata()
		im.Problems()
		im.StoredHashes()
		buf := make([]byte, 256<<10)
		for _, off := range []int64{0, im.Size() / 2, im.Size() - 1, im.Size() - 100} {
			if off >= 0 {
				im.ReadAt(buf, off)
			}
		}
		if im.Size() <= 4<<20 {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			im.Verify(ctx, nil)
		}
	})
}
