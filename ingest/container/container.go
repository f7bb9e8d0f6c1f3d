// Package container opens disk-image files: raw/dd, split raw, and the
// forensic and virtual-disk formats, each in its own file, all exposed as one
// random-access stream of the media's bytes.
package container

import "io"

// Image is the media inside a container, read-only.
type Image interface {
	io.ReaderAt
	// Size is the media size in bytes (not the container file's size).
	Size() int64
	// Format names the container: "raw", "split-raw", "ewf", "vmdk", "vhd", "vhdx", "qcow2", "dmg".
	Format() string
	// Segments lists the files that make up the image, in order.
	Segments() []string
	// StoredHashes are the acquisition digests the container carries
	// ("md5", "sha1" → lower-case hex); empty when it carries none.
	StoredHashes() map[string]string
	Close() error
}
