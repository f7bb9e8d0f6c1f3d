// Package filetype identifies a file's type from its leading bytes.
//
// Evidence is named by whoever seized or hid it, so the extension proves
// nothing: a holiday video renamed "notes.txt" must still be reviewed as a
// video. Like The Sleuth Kit's probes, every format has one small, cheap
// matcher over the head of the file; the table below tries them in order and
// the first that agrees wins. Specific magic numbers come first, heuristics
// (MPEG-TS sync spacing, MP3 frame sync, text) last.
package filetype

// Kind groups types the way the examiner's review cares about.
type Kind string

// The review queues: pictures are decoded and fingerprinted, videos are
// listed for playback, everything else is only hashed.
const (
	Picture Kind = "picture"
	Video   Kind = "video"
	Other   Kind = "other"
)

// Type is what the content says a file is.
type Type struct {
	Name string // short lower-case name; "unknown" when nothing matched, "empty" for zero bytes
	Kind Kind
	MIME string
}

// HeadSize is how many leading bytes Sniff wants (callers pass fewer only
// when the file is shorter). 4 KiB holds an ftyp box, an EBML header and 21
// MPEG-TS packets, and is one page read.
const HeadSize = 4096

// A format is one row of the probe table: what it is and how to recognise it.
// Adding a format is one matcher function and one row.
type format struct {
	name  string
	kind  Kind
	mime  string
	match func(b []byte) bool
}

// formats is tried in order; the first match wins. Read-only.
var formats = [...]format{
	// Pictures.
	{"jpeg", Picture, "image/jpeg", isJPEG},
	{"png", Picture, "image/png", isPNG},
	{"gif", Picture, "image/gif", isGIF},
	{"webp", Picture, "image/webp", isWebP},
	{"tiff", Picture, "image/tiff", isTIFF},
	{"bmp", Picture, "image/bmp", isBMP},
	{"ico", Picture, "image/x-icon", isICO},
	{"heic", Picture, "image/heic", ftypIs("heic")},
	{"avif", Picture, "image/avif", ftypIs("avif")},

	// Videos.
	{"mp4", Video, "video/mp4", ftypIs("mp4")},
	{"mov", Video, "video/quicktime", ftypIs("mov")},
	{"3gp", Video, "video/3gpp", ftypIs("3gp")},
	{"m4a", Other, "audio/mp4", ftypIs("m4a")},
	{"avi", Video, "video/x-msvideo", isAVI},
	{"wma", Other, "audio/x-ms-wma", isASFAudio},
	{"wmv", Video, "video/x-ms-wmv", isASFVideo},
	{"mkv", Video, "video/x-matroska", isMatroska},
	{"webm", Video, "video/webm", isWebM},
	{"flv", Video, "video/x-flv", isFLV},
	{"mpeg-ps", Video, "video/mpeg", isMPEGPS},
	{"mpeg-video", Video, "video/mpeg", isMPEGVideo},

	// Everything else worth naming in a listing.
	{"wav", Other, "audio/wav", isWAV},
	{"pdf", Other, "application/pdf", isPDF},
	{"zip", Other, "application/zip", isZIP},
	{"gzip", Other, "application/gzip", isGzip},
	{"7z", Other, "application/x-7z-compressed", is7z},
	{"rar", Other, "application/vnd.rar", isRAR},
	{"ole2", Other, "application/x-ole-storage", isOLE2},
	{"sqlite", Other, "application/vnd.sqlite3", isSQLite},
	{"elf", Other, "application/x-executable", isELF},
	{"pe", Other, "application/vnd.microsoft.portable-executable", isPE},

	// Heuristics: weaker evidence, so tried after every magic number.
	{"mov", Video, "video/quicktime", isBareQuickTime},
	{"mpeg-ts", Video, "video/mp2t", isMPEGTS},
	{"text", Other, "text/plain", isUTF16Text}, // before MP3: FF FE is also a frame sync
	{"mp3", Other, "audio/mpeg", isMP3},
	{"text", Other, "text/plain", isText},
}

// Sniff identifies content from its leading bytes. It never panics on any
// input: every matcher checks lengths before it indexes.
func Sniff(head []byte) Type {
	if len(head) == 0 {
		return Type{Name: "empty", Kind: Other, MIME: "application/x-empty"}
	}
	for _, f := range formats {
		if f.match(head) {
			return Type{Name: f.name, Kind: f.kind, MIME: f.mime}
		}
	}
	return Type{Name: "unknown", Kind: Other, MIME: "application/octet-stream"}
}
