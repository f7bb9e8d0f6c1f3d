package export

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"testing"
)

// csvRecord is the row as `scrim files --format csv` wrote it through
// encoding/csv before appendCSV: the reference appendCSV must match.
func (r FileRow) csvRecord() []string {
	return append([]string{r.Evidence, r.Volume, r.FS, r.Path, strconv.FormatBool(r.Deleted), strconv.FormatBool(r.Carved),
		strconv.FormatInt(r.Offset, 10), strconv.FormatInt(r.Size, 10), r.MD5, r.SHA1, r.SHA256, r.Type,
		strconv.Itoa(r.Width), strconv.Itoa(r.Height), r.PHash, r.DHash, r.Category, r.CategorySource,
		r.Kind, r.MIME, strconv.FormatUint(r.Inode, 10), r.Mtime, r.Atime, r.Ctime, r.Btime, r.Error,
		strconv.FormatInt(r.VolumeOffset, 10), r.VolumeType,
		strconv.FormatFloat(r.Duration, 'f', -1, 64), r.Codec, strconv.Itoa(r.Frames),
		strconv.FormatBool(r.Embedded), r.Parent, r.ContainerPath, r.DevicePath}, r.signalsCSV()...)
}

func (r *FileRow) signalsCSV() []string {
	return []string{optInt(r.Faces), optFloat(r.MinFaceAge), optFloat(r.MaxFaceAge), optFloat(r.NudityPorn),
		optFloat(r.NuditySexy), optFloat(r.NudityHentai), optFloat(r.NudityNeutral), optFloat(r.NudityDrawing), r.SignalsModel}
}

func optInt(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

func optFloat(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func checkRowCSV(t *testing.T, r FileRow) {
	t.Helper()
	var want bytes.Buffer
	cw := csv.NewWriter(&want)
	if err := cw.Write(r.csvRecord()); err != nil {
		t.Fatal(err)
	}
	cw.Flush()
	if got := string(r.appendCSV(nil)); got != want.String() {
		t.Fatalf("row CSV differs from encoding/csv\n got %q\nwant %q", got, want.String())
	}
}

// TestFileRowCSVMatchesEncodingCSV: the fast CSV writer of `scrim files`
// writes byte for byte what encoding/csv wrote, header included.
func TestFileRowCSVMatchesEncodingCSV(t *testing.T) {
	checkRowCSV(t, FileRow{})
	for _, s := range []string{"plain/", "a,b", `q"uo"te`, " lead space", "\tlead tab", "nl\n cr\r", `\.`, "\u00a0nbsp", "\u3000ideo", "bad \xff utf8", "/path/ä » member.jpg"} {
		for _, f := range []float64{0, 1.5, 12.345678, 1e-7, 3e21, -2.25, math.NaN(), math.Inf(-1)} {
			checkRowCSV(t, everyField(s, -5, f))
			checkRowCSV(t, everyField(s, math.MaxInt64-100, f))
			r := everyField(s, 3, f)
			r.Evidence = s // a field that is only s
			checkRowCSV(t, r)
		}
	}
	var got, want bytes.Buffer
	w, err := NewRowWriter(&got, "csv")
	if err != nil {
		t.Fatal(err)
	}
	cw := csv.NewWriter(&want)
	for _, r := range []FileRow{{}, everyField("x,\"y\"", 1, 2.5)} {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	cw.Write(FileColumns)
	cw.Write(FileRow{}.csvRecord())
	cw.Write(everyField("x,\"y\"", 1, 2.5).csvRecord())
	cw.Flush()
	if err := w.Close(); err != nil || got.String() != want.String() {
		t.Fatalf("csv writer (%v)\n got %q\nwant %q", err, got.String(), want.String())
	}
}

func FuzzFileRowCSV(f *testing.F) {
	f.Add(" a,\"b\"\r\n", int64(7), 1.25)
	f.Add("\\.", int64(-1), math.Inf(1))
	f.Fuzz(func(t *testing.T, s string, n int64, d float64) {
		if n < 0 {
			n = -n
		}
		r := everyField(s, n/2, d)
		checkRowCSV(t, r)
		r.Path = s
		checkRowCSV(t, r)
	})
}
