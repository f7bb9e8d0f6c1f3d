package hashset

import (
	"fmt"
	"io"
	"runtime"
	"testing"
)

// vicsGenerator produces a VICS 2.0 case file with one case holding n Media,
// record by record, so the test never holds the file in memory either.
type vicsGenerator struct {
	n, i   int
	buf    []byte
	footer bool
	size   int64
}

func (g *vicsGenerator) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		switch {
		case g.i == 0 && g.size == 0:
			g.buf = append(g.buf, bom+`{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases",`+
				`"value":[{"CaseID":"{6F9619FF-8B86-D011-B42D-00C04FC964FF}","SourceApplicationName":"gen","Media":[`...)
		case g.i < g.n:
			if g.i > 0 {
				g.buf = append(g.buf, ",\r\n"...)
			}
			g.buf = fmt.Appendf(g.buf, `{"MediaID":%d,"Category":"%d","MD5":"%032X","SHA1":"%040x","MediaSize":"%d",`+
				`"DateUpdated":"/Date(1234567890000)/","IsDistributed":"true","VictimIdentified":false,`+
				`"MediaFiles":[{"FileName":"IMG_%06d.JPG","FilePath":"C:\\Users\\seized\\Pictures\\IMG_%06d.JPG"}]}`,
				g.i, g.i%5, g.i, g.i, 1000+g.i, g.i, g.i)
			g.i++
		case !g.footer:
			g.buf = append(g.buf, "]}]}\r\n"...)
			g.footer = true
		default:
			return 0, io.EOF
		}
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	if len(g.buf) == 0 {
		g.buf = g.buf[:0:cap(g.buf)]
	}
	g.size += int64(n)
	return n, nil
}

// TestVICSStreamsLargeFile pushes ~200 MB through ReadVICS and checks the
// heap never holds more than a small, fixed amount.
func TestVICSStreamsLargeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MB stream skipped in -short mode")
	}
	const records = 600_000 // ≈ 336 bytes each: ≈ 200 MB
	const limit = 64 << 20
	g := &vicsGenerator{n: records}
	runtime.GC()
	var ms runtime.MemStats
	var peak uint64
	sum, err := ReadVICS(g, Options{}, func(e Entry) error {
		if e.Line%50_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapInuse)
	t.Logf("streamed %.0f MB, %d records, peak HeapInuse %.1f MiB", float64(g.size)/1e6, sum.Records, float64(peak)/(1<<20))
	if sum.Entries != records || sum.Bad != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if g.size < 190e6 {
		t.Fatalf("generated only %d bytes", g.size)
	}
	if peak > limit {
		t.Fatalf("peak HeapInuse %d bytes, want below %d", peak, limit)
	}
}
