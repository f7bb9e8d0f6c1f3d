package expand

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tool runs a real archiver in dir, skipping when it is not installed
// (make deps installs it) unless CI is set.
func tool(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing", name)
		}
		t.Skipf("%s missing (make deps installs APT_TEST)", name)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// writeTree writes files (slash paths) under dir.
func writeTree(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func hexMD5(b []byte) string    { s := md5.Sum(b); return hex.EncodeToString(s[:]) }
func hexSHA256(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// ufdrReportXML is a report.xml in the layout Cellebrite Reader writes
// (see ufdr.go): a decodedData model, then taggedFiles with Local Path
// items in backslashes and MD5/SHA256 items.
func ufdrReportXML(pic1, pic2 []byte, wrongSHA bool) string {
	sha2 := hexSHA256(pic2)
	if wrongSHA {
		sha2 = strings.Repeat("ab", 32)
	}
	return `<?xml version="1.0" encoding="utf-8"?>
<project id="0f3c" name="Extraction" reportVersion="7.60.0.120" licenseID="x" containsGarbage="False" extractionType="AdvancedLogical" xmlns="http://pa.cellebrite.com/report/2.0">
  <sourceExtractions><extractionInfo id="0" name="Advanced Logical" type="AdvancedLogical" deviceName="iPhone" fullName="Apple iPhone 12" index="0" IsPartialData="False" /></sourceExtractions>
  <metadata section="Extraction Data"><item name="DeviceInfoExtractionStartDateTime"><![CDATA[03/12/2026 10:00:00(UTC+0)]]></item></metadata>
  <decodedData>
    <modelType type="Chat"><model type="Chat" id="c1"><field name="Source" type="String"><value type="String"><![CDATA[WhatsApp]]></value></field></model></modelType>
  </decodedData>
  <taggedFiles>
    <file fs="Apple iPhone 12 (Advanced Logical)" fsid="fs0" path="/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG" size="` + strconv.Itoa(len(pic1)) + `" id="f1" extractionId="0" deleted="Intact" embedded="false" isrelated="False" source_index="0">
      <accessInfo><timestamp name="CreationTime">2025-06-01T10:00:00+00:00</timestamp></accessInfo>
      <metadata section="File">
        <item name="Local Path"><![CDATA[files\Image\IMG_0001.JPG]]></item>
        <item name="SHA256"><![CDATA[` + hexSHA256(pic1) + `]]></item>
        <item name="MD5"><![CDATA[` + hexMD5(pic1) + `]]></item>
        <item name="Tags"><![CDATA[Image]]></item>
      </metadata>
      <metadata section="MetaData"><item name="ExifEnumPixelXDimension"><![CDATA[48]]></item></metadata>
    </file>
    <file fs="Apple iPhone 12 (Advanced Logical)" fsid="fs0" path="private/var/mobile/Containers/Data/Application/AB12/Library/Caches/snap.jpg" size="` + strconv.Itoa(len(pic2)) + `" id="f2" extractionId="0" deleted="Deleted">
      <metadata section="File">
        <item name="Local Path"><![CDATA[files\Image\snap.jpg]]></item>
        <item name="SHA256"><![CDATA[` + sha2 + `]]></item>
      </metadata>
    </file>
    <file fs="Apple iPhone 12 (Advanced Logical)" fsid="fs0" path="/private/var/mobile/Library/SMS/sms.db" size="3" id="f3" extractionId="0" deleted="Intact">
      <metadata section="File"><item name="Local Path"><![CDATA[files\Database\sms.db]]></item><item name="MD5"><![CDATA[not a digest]]></item></metadata>
    </file>
  </taggedFiles>
</project>
`
}

// ufdrFixture zips a UFDR layout with the zip tool and returns its bytes.
func ufdrFixture(t *testing.T, report string, pic1, pic2 []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string][]byte{
		"report.xml":               []byte(report),
		"Report.pdf":               []byte("%PDF-1.4\n% not a real report\n"),
		"files/Image/IMG_0001.JPG": pic1,
		"files/Image/snap.jpg":     pic2,
		"files/Database/sms.db":    []byte("sms"),
		"files/Image/untagged.png": sqlitePicture(t, true, 3),
	})
	tool(t, dir, "zip", "-q", "-r", "x.ufdr", "report.xml", "Report.pdf", "files")
	b, err := os.ReadFile(filepath.Join(dir, "x.ufdr"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func walkMembers(t *testing.T, f Format, b []byte) (map[string]Member, error) {
	t.Helper()
	got := map[string]Member{}
	err := f.Walk(context.Background(), bytes.NewReader(b), int64(len(b)), func(m Member) error {
		m.Open = nil
		got[m.Name] = m
		return nil
	})
	return got, err
}

// TestUFDR: every member of a UFDR the report lists carries the device
// path the report gives (with the leading slash the report sometimes
// leaves out), its deleted flag and the digests to check; the rest keep
// only their names.
func TestUFDR(t *testing.T) {
	pic1, pic2 := sqlitePicture(t, false, 1), sqlitePicture(t, false, 2)
	b := ufdrFixture(t, ufdrReportXML(pic1, pic2, false), pic1, pic2)
	got, err := walkMembers(t, zipFormat{}, b)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"files/Image/IMG_0001.JPG": "/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG",
		"files/Image/snap.jpg":     "/private/var/mobile/Containers/Data/Application/AB12/Library/Caches/snap.jpg",
		"files/Database/sms.db":    "/private/var/mobile/Library/SMS/sms.db",
		"files/Image/untagged.png": "",
		"report.xml":               "",
		"Report.pdf":               "",
	}
	for name, dev := range want {
		m, ok := got[name]
		if !ok {
			t.Errorf("member %s missing: %v", name, got)
			continue
		}
		if m.DevicePath != dev {
			t.Errorf("%s: device path %q, want %q", name, m.DevicePath, dev)
		}
		if m.Note != "" {
			t.Errorf("%s: note %q on a sound report", name, m.Note)
		}
	}
	if m := got["files/Image/snap.jpg"]; !m.Deleted || m.Expect["sha256"] != hexSHA256(pic2) || m.Expect["md5"] != "" {
		t.Errorf("snap.jpg: %+v", m)
	}
	if m := got["files/Image/IMG_0001.JPG"]; m.Deleted || m.Expect["md5"] != hexMD5(pic1) || m.Expect["sha256"] != hexSHA256(pic1) {
		t.Errorf("IMG_0001.JPG: %+v", m)
	}
	// A file the report lists and the UFDR lacks is said once.
	b = ufdrFixture(t, strings.Replace(ufdrReportXML(pic1, pic2, false), `files\Database\sms.db`, `files\Database\gone.db`, 1), pic1, pic2)
	lost, err := walkNotes(t, b)
	if err != nil || len(lost) != 1 || lost[0] != "UFDR report.xml lists 1 files the UFDR does not hold (/private/var/mobile/Library/SMS/sms.db…)" {
		t.Errorf("notes %q, err %v", lost, err)
	}
	if m := got["files/Database/sms.db"]; m.Expect != nil {
		t.Errorf("sms.db: a non-digest MD5 kept: %+v", m.Expect)
	}
}

// TestUFDRDamagedReport: a report.xml cut short keeps the device paths of
// the files before the cut and says so, once, naming report.xml.
func TestUFDRDamagedReport(t *testing.T) {
	pic1, pic2 := sqlitePicture(t, false, 1), sqlitePicture(t, false, 2)
	full := ufdrReportXML(pic1, pic2, false)
	cut := full[:strings.Index(full, `<file fs="Apple iPhone 12 (Advanced Logical)" fsid="fs0" path="private`)+40]
	b := ufdrFixture(t, cut, pic1, pic2)
	notes, err := walkNotes(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "UFDR report.xml: damaged at line") || !strings.Contains(notes[0], "1 files read before it") {
		t.Fatalf("notes %q", notes)
	}
	got, _ := walkMembers(t, zipFormat{}, b)
	if got["files/Image/IMG_0001.JPG"].DevicePath == "" || got["files/Image/snap.jpg"].DevicePath != "" {
		t.Errorf("device paths after a cut report: %q %q", got["files/Image/IMG_0001.JPG"].DevicePath, got["files/Image/snap.jpg"].DevicePath)
	}
}

// TestUFDRReportCap: a report larger than the memory allowed stops with a
// named error, keeping what fit.
func TestUFDRReportCap(t *testing.T) {
	var x strings.Builder
	x.WriteString(`<project><taggedFiles>`)
	for i := range 1000 {
		x.WriteString(`<file path="/sdcard/DCIM/` + strconv.Itoa(i) + `.jpg"><metadata section="File"><item name="Local Path">files\Image\` + strconv.Itoa(i) + `.jpg</item></metadata></file>`)
	}
	x.WriteString(`</taggedFiles></project>`)
	rep := &ufdrReport{files: map[string]ufdrFile{}}
	err := readUFDRReport(context.Background(), strings.NewReader(x.String()), 10000, rep)
	if !errors.Is(err, errUFDRCapped) || len(rep.files) == 0 || len(rep.files) >= 1000 {
		t.Fatalf("err %v, %d kept", err, len(rep.files))
	}
	if rep.files["files/Image/0.jpg"].device != "/sdcard/DCIM/0.jpg" {
		t.Errorf("first file: %+v", rep.files["files/Image/0.jpg"])
	}
	rep = &ufdrReport{files: map[string]ufdrFile{}}
	if err := readUFDRReport(context.Background(), strings.NewReader(x.String()), ufdrReportMax, rep); err != nil || len(rep.files) != 1000 {
		t.Fatalf("uncapped: %v, %d kept", err, len(rep.files))
	}
}

// TestPhoneTrees: Android and GrayKey extractions in TAR (made by tar) and
// ZIP (made by zip) keep their inner paths, and the members under a
// phone's file-system root carry that path, with a leading slash, as
// device path; an ordinary archive's members carry none.
func TestPhoneTrees(t *testing.T) {
	dir := t.TempDir()
	pic := sqlitePicture(t, false, 4)
	writeTree(t, dir, map[string][]byte{
		"data/media/0/DCIM/Camera/IMG_1.jpg":                  pic,
		"data/data/com.whatsapp/files/Avatars/x.j":            pic,
		"private/var/mobile/Media/DCIM/100APPLE/IMG_0002.JPG": pic,
		"holiday/beach.jpg":                                   pic,
	})
	tool(t, dir, "tar", "-cf", "android.tar", "data", "holiday")
	tool(t, dir, "zip", "-q", "-r", "graykey.zip", "private", "holiday")
	for _, c := range []struct {
		file string
		f    Format
		want map[string]string
	}{
		{"android.tar", tarFormat{}, map[string]string{
			"data/media/0/DCIM/Camera/IMG_1.jpg":       "/data/media/0/DCIM/Camera/IMG_1.jpg",
			"data/data/com.whatsapp/files/Avatars/x.j": "/data/data/com.whatsapp/files/Avatars/x.j",
			"holiday/beach.jpg":                        "",
		}},
		{"graykey.zip", zipFormat{}, map[string]string{
			"private/var/mobile/Media/DCIM/100APPLE/IMG_0002.JPG": "/private/var/mobile/Media/DCIM/100APPLE/IMG_0002.JPG",
			"holiday/beach.jpg": "",
		}},
	} {
		b, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := walkMembers(t, c.f, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: members %v", c.file, got)
		}
		for name, dev := range c.want {
			if m, ok := got[name]; !ok || m.DevicePath != dev {
				t.Errorf("%s: %s: device path %q (listed %v), want %q", c.file, name, m.DevicePath, ok, dev)
			}
		}
	}
	if p := phoneTreePath("./sdcard/DCIM/a.jpg"); p != "/sdcard/DCIM/a.jpg" {
		t.Errorf("./sdcard: %q", p)
	}
}

// TestTakeoutSidecar: in a Google Takeout ZIP or TAR each picture takes the
// photoTakenTime of its JSON sidecar (old and new sidecar names) as its
// time; a picture without one keeps the archive's time.
func TestTakeoutSidecar(t *testing.T) {
	dir := t.TempDir()
	pic := sqlitePicture(t, false, 5)
	writeTree(t, dir, map[string][]byte{
		"Takeout/Google Photos/Photos from 2020/IMG_20200101.jpg":                     pic,
		"Takeout/Google Photos/Photos from 2020/IMG_20200101.jpg.json":                []byte(`{"title": "IMG_20200101.jpg", "description": "", "creationTime": {"timestamp": "1600000000", "formatted": "13 Sep 2020, 12:26:40 UTC"}, "photoTakenTime": {"timestamp": "1577880000", "formatted": "1 Jan 2020, 12:00:00 UTC"}, "geoData": {"latitude": 0.0, "longitude": 0.0}}`),
		"Takeout/Google Photos/Photos from 2021/PXL_1.jpg":                            pic,
		"Takeout/Google Photos/Photos from 2021/PXL_1.jpg.supplemental-metadata.json": []byte(`{"title":"PXL_1.jpg","photoTakenTime":{"timestamp":"1612137600"}}`),
		"Takeout/Google Photos/Photos from 2021/nosidecar.jpg":                        pic,
		"Takeout/Google Photos/Photos from 2021/bad.jpg":                              pic,
		"Takeout/Google Photos/Photos from 2021/bad.jpg.json":                         []byte(`{"photoTakenTime": {"timestamp": "0"}}`),
	})
	tool(t, dir, "zip", "-q", "-r", "takeout.zip", "Takeout")
	tool(t, dir, "tar", "-cf", "takeout.tar", "Takeout")
	tb, err := os.ReadFile(filepath.Join(dir, "takeout.tar"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "takeout.zip"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := walkMembers(t, zipFormat{}, b)
	if err != nil {
		t.Fatal(err)
	}
	// The TAR form (Takeout also exports .tgz) gives the same times.
	fromTar, err := walkMembers(t, tarFormat{}, tb)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"2020/IMG_20200101.jpg", "2021/PXL_1.jpg"} {
		n = "Takeout/Google Photos/Photos from " + n
		if !fromTar[n].Mtime.Equal(got[n].Mtime) {
			t.Errorf("tar %s: mtime %v, zip %v", n, fromTar[n].Mtime, got[n].Mtime)
		}
	}
	if m := fromTar["Takeout/Google Photos/Photos from 2021/nosidecar.jpg"]; m.Mtime.Equal(time.Unix(1612137600, 0)) || m.Mtime.IsZero() {
		t.Errorf("tar nosidecar.jpg: mtime %v", m.Mtime)
	}
	base := "Takeout/Google Photos/Photos from "
	if m := got[base+"2020/IMG_20200101.jpg"]; !m.Mtime.Equal(time.Unix(1577880000, 0)) || m.DevicePath != "" {
		t.Errorf("IMG_20200101.jpg: mtime %v, device path %q", m.Mtime, m.DevicePath)
	}
	if m := got[base+"2021/PXL_1.jpg"]; !m.Mtime.Equal(time.Unix(1612137600, 0)) {
		t.Errorf("PXL_1.jpg: mtime %v", m.Mtime)
	}
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	stored := map[string]time.Time{}
	for _, f := range zr.File {
		stored[f.Name] = f.Modified
	}
	for _, n := range []string{"2021/nosidecar.jpg", "2021/bad.jpg"} {
		if m := got[base+n]; !m.Mtime.Equal(stored[base+n]) {
			t.Errorf("%s: mtime %v, want the archive's %v", n, m.Mtime, stored[base+n])
		}
	}
}

// walkNotes lists the notes a ZIP walk hands out with its members.
func walkNotes(t *testing.T, b []byte) ([]string, error) {
	t.Helper()
	var notes []string
	err := zipFormat{}.Walk(context.Background(), bytes.NewReader(b), int64(len(b)), func(m Member) error {
		if m.Note != "" {
			notes = append(notes, m.Note)
		}
		return nil
	})
	return notes, err
}

// TestUFDRHostileReport: a report.xml that is one huge text node is cut
// short with a note, the members still walked; one that expands past its
// read limit (a ratio bomb of valid XML) stops there.
func TestUFDRHostileReport(t *testing.T) {
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, _ := zw.Create("report.xml")
	w.Write([]byte("<project><taggedFiles><file path=\"/a\">" + strings.Repeat("x", 3<<20) + "</file></taggedFiles></project>"))
	w, _ = zw.Create("files/a.jpg")
	w.Write(sqlitePicture(t, false, 1))
	zw.Close()
	got, err := walkMembers(t, zipFormat{}, z.Bytes())
	if err != nil || len(got) != 2 {
		t.Fatalf("members %v, err %v", got, err)
	}
	notes, err := walkNotes(t, z.Bytes())
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0], "UFDR report.xml: damaged at line 1: a text or tag longer than 1024 KiB") {
		t.Fatalf("notes %q, err %v", notes, err)
	}

	bomb := "<project><taggedFiles>" + strings.Repeat(`<file path="/a"><metadata><item name="Local Path">files\a.jpg</item></metadata></file>`, 1<<14)
	rep := &ufdrReport{files: map[string]ufdrFile{}}
	err = readUFDRReport(t.Context(), &boundedXML{r: strings.NewReader(bomb), left: 1 << 20}, ufdrReportMax, rep)
	if err == nil || !strings.Contains(err.Error(), "expands past 100 times its stored size") || len(rep.files) != 1 {
		t.Fatalf("bomb: %v, %d files", err, len(rep.files))
	}
	if l := sideReadLimit(&zip.File{FileHeader: zip.FileHeader{CompressedSize64: 1 << 20}}); l != 16<<20+100<<20 {
		t.Errorf("read limit of a 1 MiB report.xml: %d", l)
	}
}

// BenchmarkUFDRReport reads a report.xml of 100,000 tagged files (about
// 60 MB, a mid-sized phone): MB/s and the memory its map keeps.
func BenchmarkUFDRReport(b *testing.B) {
	var x strings.Builder
	x.WriteString(`<?xml version="1.0" encoding="utf-8"?><project xmlns="http://pa.cellebrite.com/report/2.0"><taggedFiles>`)
	for i := range 100000 {
		n := strconv.Itoa(i)
		x.WriteString(`<file fs="Phone" fsid="fs0" path="/private/var/mobile/Media/DCIM/100APPLE/IMG_` + n + `.JPG" size="2000000" id="` + n + `" extractionId="0" deleted="Intact">` +
			`<accessInfo><timestamp name="CreationTime">2025-06-01T10:00:00+00:00</timestamp><timestamp name="ModifyTime">2025-06-01T10:00:00+00:00</timestamp></accessInfo>` +
			`<metadata section="File"><item name="Local Path"><![CDATA[files\Image\IMG_` + n + `.JPG]]></item>` +
			`<item name="SHA256"><![CDATA[` + strings.Repeat("ab", 32) + `]]></item><item name="MD5"><![CDATA[` + strings.Repeat("cd", 16) + `]]></item>` +
			`<item name="Tags"><![CDATA[Image]]></item></metadata><metadata section="MetaData"><item name="ExifEnumMake"><![CDATA[Apple]]></item></metadata></file>`)
	}
	x.WriteString(`</taggedFiles></project>`)
	doc := x.String()
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	var kept uint64
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		rep := &ufdrReport{files: map[string]ufdrFile{}}
		if err := readUFDRReport(context.Background(), strings.NewReader(doc), ufdrReportMax, rep); err != nil || len(rep.files) != 100000 {
			b.Fatalf("%v, %d files", err, len(rep.files))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		kept = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(rep)
	}
	b.ReportMetric(float64(kept)/100000, "heap-B/file")
}

// TestUFDRBackslashNames: a UFDR a Windows tool zipped with backslashes in
// its member names still matches report.xml's Local Paths.
func TestUFDRBackslashNames(t *testing.T) {
	pic := sqlitePicture(t, false, 9)
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, _ := zw.Create("report.xml")
	w.Write([]byte(`<project><taggedFiles><file path="/sdcard/DCIM/a.jpg" deleted="Deleted"><metadata section="File"><item name="Local Path"><![CDATA[files\Image\a.jpg]]></item></metadata></file></taggedFiles></project>`))
	w, _ = zw.Create(`files\Image\a.jpg`)
	w.Write(pic)
	zw.Close()
	got, err := walkMembers(t, zipFormat{}, z.Bytes())
	if m := got[`files\Image\a.jpg`]; err != nil || m.DevicePath != "/sdcard/DCIM/a.jpg" || !m.Deleted {
		t.Fatalf("member %+v, err %v", m, err)
	}
	if notes, _ := walkNotes(t, z.Bytes()); len(notes) != 0 {
		t.Errorf("notes %q", notes)
	}
}
