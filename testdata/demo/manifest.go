package demo

// Options control Generate.
type Options struct {
	Seed   int64 // same seed → byte-identical tree
	Scenes int   // number of distinct base pictures; 0 → 24, else at least MinScenes
	Size   int   // longest side of base pictures in px; 0 → 1024, else at least MinSize
	Videos bool  // also make a few tiny videos with ffmpeg (noted and skipped if ffmpeg is missing)
}

// Limits for Options: the layout (see layout.go) uses scenes 0…8 for copies,
// edits and other formats and the last three for renamed files, and crops
// and resizes need some pixels to work with.
const (
	DefaultScenes = 24
	DefaultSize   = 1024
	MinScenes     = 12
	MinSize       = 64
)

// Kinds of files.
const (
	KindPicture = "picture"
	KindVideo   = "video"
	KindOther   = "other"
)

// File describes one file of a generated tree.
type File struct {
	Path        string // relative to the tree root, slash-separated
	Type        string // true content type: jpeg, png, gif, bmp, tiff, webp, mp4, avi, mkv, text, pdf, unknown, empty
	Kind        string // picture, video, other (by true content, not by name)
	Scene       int    // which base picture it derives from, -1 if none
	Variant     string // original, copy, resized, recompressed, cropped, grayscale, mirrored, renamed, reencoded (video), corrupt-truncated, corrupt-garbage, bomb, empty, nonpicture
	SameBytesAs string // for exact duplicates: the Path of the original
	// Corrupt marks files that pose as pictures (by name or magic) but must
	// not decode: truncated, garbage, empty, bomb, or a lying extension.
	Corrupt bool
	Size    int64
}

// Manifest lists what a generator wrote.
type Manifest struct {
	Root  string
	Files []File
	Notes []string
}

// Bytes is the total size of all files in the manifest.
func (m *Manifest) Bytes() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}
