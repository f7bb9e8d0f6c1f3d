package digest

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func TestSumMatchesStdlib(t *testing.T) {
	h := NewHasher()
	defer h.Close()
	for _, n := range []int{0, 1, 63, 64, ChunkSize - 1, ChunkSize, ChunkSize + 1, parallelThreshold, 3*parallelThreshold + 17} {
		data := randomBytes(n, uint64(n))
		for _, hint := range []int64{int64(n), -1} {
			var tee []byte
			s, err := h.Sum(bytes.NewReader(data), hint, &tee)
			if err != nil {
				t.Fatal(err)
			}
			if s.MD5 != md5.Sum(data) || s.SHA1 != sha1.Sum(data) || s.SHA256 != sha256.Sum256(data) || s.Size != int64(n) {
				t.Fatalf("size %d hint %d: digests differ from crypto/*", n, hint)
			}
			if !bytes.Equal(tee, data) {
				t.Fatalf("size %d: tee copy differs", n)
			}
		}
	}
}

// TestSumMatchesCoreutils checks against tools nobody here wrote.
func TestSumMatchesCoreutils(t *testing.T) {
	data := randomBytes(5*ChunkSize+123, 7)
	h := NewHasher()
	defer h.Close()
	s, err := h.Sum(bytes.NewReader(data), -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, s1, s256 := s.Hex()
	for tool, want := range map[string]string{"md5sum": m, "sha1sum": s1, "sha256sum": s256} {
		cmd := exec.Command(tool)
		cmd.Stdin = bytes.NewReader(data)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		if got := strings.Fields(string(out))[0]; got != want {
			t.Errorf("%s says %s, we say %s", tool, got, want)
		}
	}
}

type failingReader struct{ left int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, errors.New("device error")
	}
	n := min(len(p), f.left)
	f.left -= n
	return n, nil
}

func TestReadErrorIsReported(t *testing.T) {
	h := NewHasher()
	defer h.Close()
	for _, hint := range []int64{10, -1} {
		_, err := h.Sum(&failingReader{left: 3*ChunkSize + 5}, hint, nil)
		if err == nil || !strings.Contains(err.Error(), "device error") {
			t.Fatalf("hint %d: want the read error, got %v", hint, err)
		}
	}
	// The hasher is still usable afterwards.
	s, err := h.Sum(strings.NewReader("abc"), 3, nil)
	if err != nil || s.MD5 != md5.Sum([]byte("abc")) {
		t.Fatalf("hasher broken after error: %v", err)
	}
}

var _ io.Reader = (*failingReader)(nil)

// TestSumWithMD5 checks the digests of a stream whose MD5 was computed
// ahead: all of it, its start only (MD5 run again), and a stream longer
// than its buffer, refused.
func TestSumWithMD5(t *testing.T) {
	h := NewHasher()
	defer h.Close()
	whole := randomBytes(3000, 11)
	ahead := md5.Sum(whole)
	for _, n := range []int{3000, 2999, 64, 0} {
		var tee []byte
		s, err := h.SumWithMD5(bytes.NewReader(whole[:n]), whole, ahead, &tee)
		if err != nil {
			t.Fatal(err)
		}
		data := whole[:n]
		if s.MD5 != md5.Sum(data) || s.SHA1 != sha1.Sum(data) || s.SHA256 != sha256.Sum256(data) || s.Size != int64(n) {
			t.Fatalf("%d of %d bytes: digests differ from crypto/*", n, len(whole))
		}
		if !bytes.Equal(tee, data) {
			t.Fatalf("%d bytes: tee copy differs", n)
		}
	}
	if _, err := h.SumWithMD5(bytes.NewReader(append(whole, 1)), whole, ahead, nil); err == nil {
		t.Fatal("a stream longer than its buffer was hashed")
	}
	// The Hasher's MD5 is untouched by SumWithMD5: Sum after it is right.
	if s, err := h.Sum(bytes.NewReader(whole), int64(len(whole)), nil); err != nil || s.MD5 != ahead {
		t.Fatalf("Sum after SumWithMD5: %x, %v", s.MD5, err)
	}
}
