package picture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/rand"
	"sync"
	"testing"
	"time"
)

// pngBomb is a 57-byte PNG whose header claims w×h pixels.
func pngBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00})
	chunk("IEND", nil)
	return b.Bytes()
}

// jpegBomb is a JFIF baseline JPEG header claiming w×h with no tables or
// scan data.
func jpegBomb(w, h uint16) []byte {
	return []byte{0xFF, 0xD8,
		0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
		0xFF, 0xC0, 0, 11, 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0,
		0xFF, 0xD9}
}

func TestHostile(t *testing.T) {
	src := photo(800, 600, 7)
	jpg, png := encJPEG(t, src, 90), encPNG(t, src)
	rng := rand.New(rand.NewSource(1))
	garbage := func(magic string) []byte {
		b := make([]byte, 4096)
		rng.Read(b)
		return append([]byte(magic), b...)
	}
	cases := []struct {
		name, typ string
		data      []byte
		w, h      int // expected declared size, 0 if the header is unreadable
		tooLarge  bool
	}{
		{"truncated jpeg", "jpeg", jpg[:len(jpg)/2], 800, 600, false},
		{"truncated png", "png", png[:len(png)/2], 800, 600, false},
		{"garbage jpeg", "jpeg", garbage("\xFF\xD8\xFF\xE0"), 0, 0, false},
		{"garbage png", "png", garbage("\x89PNG\r\n\x1a\n"), 0, 0, false},
		{"empty jpeg", "jpeg", nil, 0, 0, false},
		{"empty png", "png", []byte{}, 0, 0, false},
		{"empty heic", "heic", []byte{}, 0, 0, false},
		{"garbage heic", "heic", garbage("\x00\x00\x00\x18ftypheic"), 0, 0, false},
		{"garbage avif", "avif", garbage("\x00\x00\x00\x1cftypavif"), 0, 0, false},
		{"garbage webp", "webp", garbage("RIFF\x00\x10\x00\x00WEBPVP8 "), 0, 0, false},
		{"garbage tiff", "tiff", garbage("II*\x00"), 0, 0, false},
		{"png bomb", "png", pngBomb(100000, 100000), 100000, 100000, true},
		{"jpeg bomb", "jpeg", jpegBomb(65000, 65000), 65000, 65000, true},
		{"jpeg header only", "jpeg", jpegBomb(8000, 8000), 8000, 8000, false},
	}
	a := NewAnalyzer(Options{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			res, err := a.Analyze(c.data, c.typ)
			took := time.Since(start)
			t.Logf("%d bytes -> %v in %v (decoder %q)", len(c.data), err, took.Round(time.Millisecond), res.Decoder)
			if err == nil {
				t.Fatal("no error")
			}
			if res.Width != c.w || res.Height != c.h {
				t.Errorf("size %dx%d, want %dx%d", res.Width, res.Height, c.w, c.h)
			}
			if got := errors.Is(err, ErrTooLarge); got != c.tooLarge {
				t.Errorf("errors.Is(err, ErrTooLarge) = %v, want %v", got, c.tooLarge)
			}
			if took > time.Second && c.typ != "heic" && c.typ != "avif" {
				// heic and avif pay a one-off WASM compile on first use.
				t.Errorf("took %v, want < 1s", took)
			}
		})
	}
}

func TestBudgetRefuses(t *testing.T) {
	a := NewAnalyzer(Options{MemoryBudget: 1 << 20})
	data := encPNG(t, photo(1000, 1000, 8))
	res, err := a.Analyze(data, "png")
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if res.Width != 1000 || res.Height != 1000 {
		t.Errorf("size %dx%d, want 1000x1000", res.Width, res.Height)
	}
	t.Log(err)
	_, err = NewAnalyzer(Options{MaxPixels: 1000}).Analyze(data, "png")
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("MaxPixels: err = %v, want ErrTooLarge", err)
	}
	t.Log(err)
}

// TestBudgetWaits: acquire blocks while the budget is spent and resumes on
// release, in arrival order. Acquire 2 would fit beside the 4 taken but
// queues behind acquire 1, and does not fit beside acquire 1's 7, so the
// order they return in is fixed (beside 8 taken, 5 and 1 both fitted after
// the release, and came back 2,1 in 1 of 50 runs at load 11).
func TestBudgetWaits(t *testing.T) {
	b := newBudget(10)
	b.acquire(4)
	got := make(chan int, 2)
	var wg sync.WaitGroup
	wg.Go(func() { b.acquire(7); got <- 1; b.release(7) })
	// Ticket by ticket, not by sleeping: on a loaded machine the first
	// goroutine may not have queued 20 ms later, and the second then fits.
	waitTickets(t, b, 2)
	wg.Go(func() { b.acquire(5); got <- 2; b.release(5) }) // fits, but must queue behind 1
	waitTickets(t, b, 3)
	select {
	case v := <-got:
		t.Fatalf("acquire %d returned while the budget was spent", v)
	case <-time.After(50 * time.Millisecond):
	}
	b.release(4)
	if first, second := <-got, <-got; first != 1 || second != 2 {
		t.Fatalf("order %d,%d, want 1,2", first, second)
	}
	wg.Wait() // each releases after it sent (used was 5 here in 1 of 5 -race runs)
	if b.inUse() != 0 {
		t.Fatalf("used = %d after all releases", b.inUse())
	}
}

// waitTickets waits until n acquires have taken their place in the queue.
func waitTickets(t *testing.T, b *budget, n uint64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		b.mu.Lock()
		taken := b.next
		b.mu.Unlock()
		if taken >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acquires queued after 10 s", taken, n)
		}
	}
}
