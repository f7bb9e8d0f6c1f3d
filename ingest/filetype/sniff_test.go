package filetype

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

type sniffCase struct {
	name string
	head []byte
	want string
}

// sniffCases is every format's hand-built header plus the look-alikes that
// must not pass for one. The fuzz test and the benchmark reuse it.
func sniffCases() []sniffCase {
	return []sniffCase{
		// Pictures.
		{"jpeg jfif", cat("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), "jpeg"},
		{"jpeg exif", cat("\xFF\xD8\xFF\xE1\x12\x34Exif\x00\x00"), "jpeg"},
		{"png", cat("\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR"), "png"},
		{"gif87a", cat("GIF87a\x10\x00\x10\x00"), "gif"},
		{"gif89a", cat("GIF89a\x10\x00\x10\x00"), "gif"},
		{"bmp core", bmpHeader(12), "bmp"},
		{"bmp info", bmpHeader(40), "bmp"},
		{"bmp v4", bmpHeader(108), "bmp"},
		{"bmp v5", bmpHeader(124), "bmp"},
		{"webp lossy", cat("RIFF", u32le(100), "WEBPVP8 ", u32le(80)), "webp"},
		{"webp lossless", cat("RIFF", u32le(100), "WEBPVP8L", u32le(80)), "webp"},
		{"webp extended", cat("RIFF", u32le(100), "WEBPVP8X", u32le(10)), "webp"},
		{"tiff little-endian", cat("II*\x00", u32le(8), "\x00\x00"), "tiff"},
		{"tiff big-endian", cat("MM\x00*", u32be(8), "\x00\x00"), "tiff"},
		{"bigtiff little-endian", cat("II+\x00\x08\x00\x00\x00", u32le(16), u32le(0)), "tiff"},
		{"bigtiff big-endian", cat("MM\x00+\x00\x08\x00\x00", u32be(0), u32be(16)), "tiff"},
		{"ico", cat("\x00\x00\x01\x00\x01\x00", "\x10\x10\x00\x00\x01\x00\x20\x00", u32le(1128), u32le(22)), "ico"},
		{"heic major", ftyp("heic", "mif1", "heic"), "heic"},
		{"heic mif1 major", ftyp("mif1", "mif1", "heic", "miaf"), "heic"},
		{"heic msf1 sequence", ftyp("msf1", "msf1", "hevc"), "heic"},
		{"heic heix", ftyp("heix", "mif1", "heix"), "heic"},
		{"avif major", ftyp("avif", "avif", "mif1", "miaf"), "avif"},
		{"avif sequence", ftyp("avis", "avis", "msf1"), "avif"},
		{"avif under mif1", ftyp("mif1", "mif1", "avif", "miaf"), "avif"},
		{"avif in compat only", ftyp("xxxx", "mif1", "avif"), "avif"},

		// Videos.
		{"mp4 isom", ftyp("isom", "isom", "iso2", "avc1", "mp41"), "mp4"},
		{"mp4 mp42", ftyp("mp42", "mp42", "isom"), "mp4"},
		{"mp4 iso6", ftyp("iso6", "iso6", "dash"), "mp4"},
		{"mp4 dash", ftyp("dash", "iso6", "mp41"), "mp4"},
		{"mp4 m4v", ftyp("M4V ", "M4V ", "M4A ", "mp42", "isom"), "mp4"},
		{"mp4 f4v", ftyp("f4v ", "isom", "mp42", "m4v "), "mp4"},
		{"mp4 mmp4", ftyp("mmp4", "mmp4", "mp42"), "mp4"},
		{"mp4 no compat", ftyp("avc1"), "mp4"},
		{"mov ftyp", ftyp("qt  ", "qt  "), "mov"},
		{"mov bare moov", cat(u32be(16), "moov", u32be(8), "mvhd", u32be(100), "mdat"), "mov"},
		{"mov wide then mdat", cat(u32be(8), "wide", u32be(5000), "mdat", "\x00\x00"), "mov"},
		{"mov 64-bit mdat", cat(u32be(1), "mdat", "\x00\x00\x00\x01\x00\x00\x00\x00"), "mov"},
		{"mov pnot", cat(u32be(20), "pnot", strings.Repeat("\x00", 12), u32be(8), "PICT"), "mov"},
		{"3gp", ftyp("3gp4", "isom", "3gp4"), "3gp"},
		{"3gp5", ftyp("3gp5", "3gp5", "isom"), "3gp"},
		{"3g2", ftyp("3g2a", "3g2a"), "3gp"},
		{"m4a", ftyp("M4A ", "M4A ", "isom", "iso2"), "m4a"},
		{"avi", cat("RIFF", u32le(5000), "AVI LIST", u32le(1000), "hdrl"), "avi"},
		{"wmv video stream", asf(asfVideoGUID), "wmv"},
		{"wmv audio and video", asf(asfAudioGUID, asfVideoGUID), "wmv"},
		{"wmv header only", cat(asfHeaderGUID, u32le(5000), u32le(0)), "wmv"},
		{"wma audio only", asf(asfAudioGUID), "wma"},
		{"mkv", ebml("matroska"), "mkv"},
		{"webm", ebml("webm"), "webm"},
		{"mkv head ends in header", ebml("matroska")[:10], "mkv"},
		{"flv", cat("FLV\x01\x05", u32be(9), u32be(0)), "flv"},
		{"mpeg-ts", tsPackets(5, 188, 0), "mpeg-ts"},
		{"mpeg-ts cut mid-packet", tsPackets(6, 188, 0)[100:], "mpeg-ts"},
		{"m2ts", tsPackets(5, 192, 4), "mpeg-ts"},
		{"mpeg-ts 204", tsPackets(5, 204, 0), "mpeg-ts"},
		{"mpeg-ps mpeg-2", cat("\x00\x00\x01\xBA\x44\x00\x04\x00\x04\x01\x01\x89\xC3\xF8"), "mpeg-ps"},
		{"mpeg-ps mpeg-1", cat("\x00\x00\x01\xBA\x21\x00\x01\x00\x01\x80\x1B\x91"), "mpeg-ps"},
		{"mpeg-1 video stream", cat("\x00\x00\x01\xB3\x0A\x00\x78\x13\xFF\xFF\xE0\x18"), "mpeg-video"},

		// Others.
		{"pdf", cat("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), "pdf"},
		{"zip", cat("PK\x03\x04\x14\x00\x00\x00\x08\x00"), "zip"},
		{"zip empty", cat("PK\x05\x06", strings.Repeat("\x00", 18)), "zip"},
		{"gzip", cat("\x1F\x8B\x08\x00\x00\x00\x00\x00\x00\x03"), "gzip"},
		{"7z", cat("7z\xBC\xAF\x27\x1C\x00\x04"), "7z"},
		{"rar4", cat("Rar!\x1A\x07\x00\xCF\x90\x73"), "rar"},
		{"rar5", cat("Rar!\x1A\x07\x01\x00\x33\x92"), "rar"},
		{"ole2", cat("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", strings.Repeat("\x00", 16)), "ole2"},
		{"sqlite", cat("SQLite format 3\x00\x10\x00\x01\x01"), "sqlite"},
		{"elf", cat("\x7FELF\x02\x01\x01\x00"), "elf"},
		{"pe", cat("MZ\x90\x00", strings.Repeat("\x00", 56), u32le(64), "PE\x00\x00\x64\x86"), "pe"},
		{"dos mz", cat("MZ\x90\x00\x03\x00\x00\x00", strings.Repeat("\x00", 52), u32le(0x1000)), "pe"},
		{"mp3 id3", cat("ID3\x04\x00\x00\x00\x00\x01\x00TIT2"), "mp3"},
		{"mp3 frames", mp3Frames(4), "mp3"},
		{"mp3 one frame", mp3Frames(1)[:100], "mp3"},
		{"wav", cat("RIFF", u32le(5000), "WAVEfmt ", u32le(16)), "wav"},
		{"wav rf64", cat("RF64", u32le(0xFFFFFFFF), "WAVEds64"), "wav"},
		{"text ascii", cat("Case 2024/117: exhibit list\r\n\tItem 1\n"), "text"},
		{"text utf-8", cat("Beschlagnahme: Festplatte, Größe 2 TB — Übergabe"), "text"},
		{"text utf-8 bom", cat("\xEF\xBB\xBFid,name\n1,x\n"), "text"},
		{"text utf-8 cut mid-character", cat("Größe ü")[:8], "text"},
		{"text latin-1", cat("Gr\xF6\xDFe des Datentr\xE4gers: 2 TB, beschlagnahmt am Montag"), "text"},
		{"text utf-16le", utf16LE("Exhibit list, item 1\r\n"), "text"},
		{"text utf-16be", utf16BE("Exhibit list, item 1\r\n"), "text"},
		{"empty", nil, "empty"},

		// Look-alikes that must not be taken for the format they resemble.
		{"BM text", cat("BM"), "text"},
		{"BM prose", cat("BMW sold 2 cars on Monday, see the attached list of vehicles."), "text"},
		{"BM binary bad DIB size", cat("BM", u32le(1000), u32le(0), u32le(54), u32le(41), strings.Repeat("\x00", 20)), "unknown"},
		{"BM binary offset inside header", cat("BM", u32le(1000), u32le(0), u32le(20), u32le(40), strings.Repeat("\x00", 20)), "unknown"},
		{"RIFF truncated to 6 bytes", cat("RIFF\x00\x00"), "unknown"},
		{"RIFF unknown form", cat("RIFF", u32le(100), "XXXXdata"), "unknown"},
		{"RIFF WEBP with foreign chunk", cat("RIFF", u32le(100), "WEBPJUNK", u32le(8)), "unknown"},
		{"ftyp size 0", ftypSized(0, "isom"), "unknown"},
		{"ftyp size huge", ftypSized(0xFFFFFFF0, "isom"), "unknown"},
		{"ftyp size too small", ftypSized(12, "isom"), "unknown"},
		{"ftyp size 64-bit", ftypSized(1, "isom"), "unknown"},
		{"ftyp unknown brands", ftyp("xxxx", "yyyy"), "unknown"},
		{"ftyp truncated", cat(u32be(24), "ftyp"), "unknown"},
		{"EBML other doctype", ebml("foo"), "unknown"},
		{"free as prose", cat("Get free delivery on all orders over 20 EUR."), "text"},
		{"G runs", bytes.Repeat([]byte("G"), 1000), "text"},
		{"ts only 3 packets", tsPackets(3, 188, 0), "unknown"},
		{"mpeg-ps bad marker", cat("\x00\x00\x01\xBA\x00\x00\x00\x00"), "unknown"},
		{"MZ prose", cat("MZ-Ordner des Landeskriminalamts, Ablage 7, Regal 3, Fach 12, Nr 4711"), "text"},
		{"ID3 prose", cat("ID3 tags are metadata."), "text"},
		{"ICO-like zeros", cat("\x00\x00\x01\x00", strings.Repeat("\x00", 30)), "unknown"},
		{"FLV prose", cat("FLV files were common."), "text"},
		{"random", randomBytes(1, HeadSize), "unknown"},
		{"random 2", randomBytes(2, 512), "unknown"},
		{"zeros", make([]byte, HeadSize), "unknown"},
		{"one 0xFF", cat("\xFF"), "unknown"},
	}
}

var wantKind = map[string]Kind{
	"jpeg": Picture, "png": Picture, "gif": Picture, "bmp": Picture, "webp": Picture,
	"tiff": Picture, "ico": Picture, "heic": Picture, "avif": Picture,
	"mp4": Video, "mov": Video, "3gp": Video, "avi": Video, "wmv": Video, "mkv": Video,
	"webm": Video, "flv": Video, "mpeg-ts": Video, "mpeg-ps": Video, "mpeg-video": Video,
}

func kindOf(name string) Kind {
	if k, ok := wantKind[name]; ok {
		return k
	}
	return Other
}

func TestSniff(t *testing.T) {
	for _, c := range sniffCases() {
		t.Run(c.name, func(t *testing.T) {
			got := Sniff(c.head)
			if got.Name != c.want || got.Kind != kindOf(c.want) {
				t.Fatalf("Sniff(% x...) = %+v, want name %q kind %q", c.head[:min(len(c.head), 16)], got, c.want, kindOf(c.want))
			}
			if got.MIME == "" {
				t.Fatalf("Sniff = %+v: empty MIME", got)
			}
		})
	}
}

func TestMIME(t *testing.T) {
	want := map[string]string{
		"jpeg": "image/jpeg", "png": "image/png", "heic": "image/heic", "avif": "image/avif",
		"mp4": "video/mp4", "mov": "video/quicktime", "3gp": "video/3gpp", "avi": "video/x-msvideo",
		"wmv": "video/x-ms-wmv", "mkv": "video/x-matroska", "webm": "video/webm", "flv": "video/x-flv",
		"mpeg-ts": "video/mp2t", "mpeg-ps": "video/mpeg", "pdf": "application/pdf",
		"text": "text/plain", "unknown": "application/octet-stream",
	}
	for _, c := range sniffCases() {
		got := Sniff(c.head)
		if m, ok := want[got.Name]; ok && got.MIME != m {
			t.Errorf("%s: MIME %q, want %q", c.name, got.MIME, m)
		}
	}
}

// Every prefix of every header is what a short file hands Sniff.
func TestSniffPrefixes(t *testing.T) {
	for _, c := range sniffCases() {
		for n := range len(c.head) {
			checkType(t, c.head[:n], Sniff(c.head[:n]))
		}
	}
}

// The table must not shadow itself: every row is reachable by some case.
func TestEveryFormatTested(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range sniffCases() {
		seen[Sniff(c.head).Name] = true
	}
	for _, f := range formats {
		if !seen[f.name] {
			t.Errorf("format %q has no test case that detects it", f.name)
		}
	}
}

// Sniff must not keep or change the caller's buffer.
func TestSniffLeavesInputAlone(t *testing.T) {
	for _, c := range sniffCases() {
		before := bytes.Clone(c.head)
		Sniff(c.head)
		if !bytes.Equal(before, c.head) {
			t.Fatalf("%s: Sniff modified its input", c.name)
		}
	}
}

// checkType is the invariant every result must keep.
func checkType(t *testing.T, head []byte, got Type) {
	t.Helper()
	switch got.Kind {
	case Picture, Video, Other:
	default:
		t.Fatalf("Sniff(% x) kind %q is not a Kind constant", head[:min(len(head), 32)], got.Kind)
	}
	if got.Name == "" || got.MIME == "" {
		t.Fatalf("Sniff(% x) = %+v: empty name or MIME", head[:min(len(head), 32)], got)
	}
	if (len(head) == 0) != (got.Name == "empty") {
		t.Fatalf("Sniff of %d bytes = %q", len(head), got.Name)
	}
}

// isTextByBranches is isText as it was, one branch per byte: the reference
// the table-counting isText must agree with.
func isTextByBranches(b []byte) bool {
	ctrl, high := 0, 0
	for _, c := range b {
		if c >= 0x20 && c < 0x7F {
			continue
		}
		switch {
		case c == 0:
			return false
		case c >= 0x80:
			high++
		case c < 0x20 && !isTextControl(c), c == 0x7F:
			ctrl++
		}
	}
	if ctrl*100 > len(b) {
		return false
	}
	return high == 0 || validUTF8(b) || high*10 <= len(b)
}

// TestIsTextAgreesWithBranches compares isText with its reference on heads
// near each of its limits: NULs, control characters about 1%, high bytes
// about 10%, valid and broken UTF-8, and lengths around its blocks.
func TestIsTextAgreesWithBranches(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(s string) byte { return s[r.IntN(len(s))] }
	for i := range 20000 {
		n := r.IntN(3 * textBlock)
		if i%4 == 0 {
			n = textBlock*(1+r.IntN(3)) + r.IntN(3) - 1
		}
		b := make([]byte, max(n, 0))
		ctrlPer, highPer, nulPer := r.IntN(300), r.IntN(40), r.IntN(20000)
		for k := range b {
			switch x := r.IntN(10000); {
			case x < nulPer/10:
				b[k] = 0
			case x < ctrlPer:
				b[k] = pick("\x01\x02\x03\x7f\x1f\x10")
			case x < ctrlPer+highPer*25:
				b[k] = byte(0x80 + r.IntN(128))
			case x < ctrlPer+highPer*50:
				copy(b[k:], "é€")
			default:
				b[k] = pick("abc xyz\t\n\r\x1b")
			}
		}
		if got, want := isText(b), isTextByBranches(b); got != want {
			t.Fatalf("isText(%q) = %v, reference says %v", b, got, want)
		}
	}
}
