package exfat

import (
	"encoding/binary"
	"testing"
	"time"
)

// TestStamp: the 10 ms increment adds up to 1.99 s to the 2-second stamp,
// a valid UTC offset (bit 7) is taken off the local time, east or west, and
// an offset without its valid bit is ignored.
func TestStamp(t *testing.T) {
	file := make([]byte, 32)
	// 2024-02-29 23:59:58 local: date (44<<9 | 2<<5 | 29), time (23<<11 | 59<<5 | 29).
	binary.LittleEndian.PutUint32(file[modStamp:], uint32(44<<9|2<<5|29)<<16|uint32(23<<11|59<<5|29))
	for _, c := range []struct {
		inc, utc byte
		want     time.Time
	}{
		{0, 0, time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)},
		{150, 0, time.Date(2024, 2, 29, 23, 59, 59, 500_000_000, time.UTC)},
		{0, 0x80 | 22, time.Date(2024, 2, 29, 18, 29, 58, 0, time.UTC)}, // +05:30
		{0, 0x80 | 0x60, time.Date(2024, 3, 1, 7, 59, 58, 0, time.UTC)}, // -08:00 (-32 steps)
		{0, 0x7F, time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)},      // no valid bit
		{250, 0, time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)},       // increment out of range
	} {
		file[modInc], file[modUTC] = c.inc, c.utc
		if got := stamp(file, modStamp, modInc, modUTC); !got.Equal(c.want) {
			t.Errorf("inc %d utc %#x: %v, want %v", c.inc, c.utc, got, c.want)
		}
	}
	binary.LittleEndian.PutUint32(file[modStamp:], 0)
	if got := stamp(file, modStamp, modInc, modUTC); !got.IsZero() {
		t.Errorf("zero stamp gives %v", got)
	}
}
