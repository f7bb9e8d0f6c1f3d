package export

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"scrim/internal/benchrow"
	"scrim/store"
)

// BenchmarkMediaTableFind joins a million media in random order with a
// row, as a listing in path order does, from the media table and, as the
// baseline in the same run, from a Go map of the media records keyed by
// SHA-256. Both are bound by memory latency: on this machine kind the
// first touch of a page costs microseconds, and each row lands on new
// pages. (A table of one record per media with its fields and digests
// inline, meant to touch fewer pages, measured 0.8x this one: kept out.)
func BenchmarkMediaTableFind(b *testing.B) {
	const n = 1_000_000
	rng := rand.New(rand.NewPCG(16, 3))
	shas := make([]string, n)
	for i := range shas {
		var k [32]byte
		for j := range k {
			k[j] = byte(rng.Uint32())
		}
		shas[i] = hex.EncodeToString(k[:])
	}
	slices.Sort(shas)
	t := &mediaTable{index: map[string]uint32{}, bucket: make([]uint32, 1<<16+1)}
	t.intern("")
	byString := make(map[string]*store.Media, n)
	for i, sha := range shas {
		m := &store.Media{SHA256: sha, MD5: sha[:32], SHA1: sha[:40], PHash: sha[:16], DHash: sha[16:32],
			Type: "png", Kind: "picture", MIME: "image/png", Width: i % 4000, Height: i % 3000}
		byString[sha] = m
		var k [32]byte
		hex.Decode(k[:], []byte(sha))
		t.shas = append(t.shas, k)
		t.entries = append(t.entries, compactMedia{hexes: m.MD5 + m.SHA1 + m.PHash + m.DHash,
			md5: uint16(len(m.MD5)), sha1: uint16(len(m.SHA1)), phash: uint16(len(m.PHash)),
			width: int32(m.Width), height: int32(m.Height), typ: t.intern(m.Type), kind: t.intern(m.Kind), mime: t.intern(m.MIME)})
		t.bucket[(int(k[0])<<8|int(k[1]))+1]++
	}
	for p := 1; p < len(t.bucket); p++ {
		t.bucket[p] += t.bucket[p-1]
	}
	order := rng.Perm(n)
	row := benchrow.Start("export/media-table-find")
	var r FileRow
	// CPU time of this thread: the machine is shared, and waiting for a
	// core is not the join's cost.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for b.Loop() {
		runtime.GC() // the tables just built are not marked while timed
		t0 := threadCPU()
		for _, i := range order {
			if !t.fill(shas[i], &r) || r.MD5 != shas[i][:32] {
				b.Fatalf("media %d: not found or wrong", i)
			}
		}
		table := threadCPU() - t0
		t0 = threadCPU()
		for _, i := range order {
			m, ok := byString[shas[i]]
			if !ok {
				b.Fatalf("map: media %d not found", i)
			}
			r.MD5, r.SHA1, r.PHash, r.DHash, r.Type, r.Kind, r.MIME = m.MD5, m.SHA1, m.PHash, m.DHash, m.Type, m.Kind, m.MIME
			r.Width, r.Height, r.Duration, r.Codec, r.Frames = m.Width, m.Height, m.Duration, m.Codec, len(m.Frames)
		}
		base := threadCPU() - t0
		b.ReportMetric(float64(table.Nanoseconds())/n, "ns/join")
		b.ReportMetric(float64(base.Nanoseconds())/n, "map-ns/join")
		row.Log(b, "1 M media joined with rows in random order (a listing's join)",
			fmt.Sprintf("%.0f CPU-ns per row", float64(table.Nanoseconds())/n),
			fmt.Sprintf("Go map of media records by SHA-256 %.0f CPU-ns", float64(base.Nanoseconds())/n), base.Seconds()/table.Seconds())
	}
}

// appendJSONStringBytewise is appendJSONString as it was, a byte at a
// time: the baseline of BenchmarkAppendJSONString.
func appendJSONStringBytewise(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// threadCPU is the CPU time of the calling thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAppendJSONString quotes paths and digests as a listing does,
// beside the byte-at-a-time loop it replaced (the baseline), in CPU time.
func BenchmarkAppendJSONString(b *testing.B) {
	strs := []string{"ev10m", "/part017.tar/dir0042/picture-0000123456.png", "d41d8cd98f00b204e9800998ecf8427e",
		"da39a3ee5e6b4b0d3255bfef95601890afd80709", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"image/png", "2024-03-01T12:34:56Z", "/Users/Ana/Pictures/été & <vacances>/IMG_0001.JPG"}
	total := 0
	for _, s := range strs {
		total += len(s)
	}
	const rounds = 200_000
	row := benchrow.Start("export/json-string")
	var buf []byte
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for b.Loop() {
		t0 := threadCPU()
		for range rounds {
			buf = buf[:0]
			for _, s := range strs {
				buf = appendJSONString(buf, s)
			}
		}
		ours := threadCPU() - t0
		t0 = threadCPU()
		for range rounds {
			buf = buf[:0]
			for _, s := range strs {
				buf = appendJSONStringBytewise(buf, s)
			}
		}
		base := threadCPU() - t0
		mb := float64(total*rounds) / 1e6
		row.Log(b, "JSON string quoting of listing fields (paths, digests, types)",
			fmt.Sprintf("%.0f MB/s", mb/ours.Seconds()), fmt.Sprintf("byte at a time %.0f MB/s", mb/base.Seconds()), base.Seconds()/ours.Seconds())
	}
}
