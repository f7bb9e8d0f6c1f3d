package evidence

import (
	"scrim/ingest/fsys/apfs"
	"scrim/ingest/fsys/exfat"
	"scrim/ingest/fsys/ext"
	"scrim/ingest/fsys/fat"
	"scrim/ingest/fsys/hfsplus"
	"scrim/ingest/fsys/iso"
	"scrim/ingest/fsys/ntfs"
)

// filesystems lists the filesystem readers probed on every volume; a new
// filesystem is one package and one line here. When more than one claims a
// volume they are tried in this order and every failure is reported.
func filesystems() []filesystem {
	return []filesystem{
		{"fat", fat.Probe, fat.Open},
		{"exfat", exfat.Probe, exfat.Open},
		{"ntfs", ntfs.Probe, ntfs.Open},
		{"ext", ext.Probe, ext.Open},
		{"iso9660", iso.Probe, iso.Open},
		{"hfsplus", hfsplus.Probe, hfsplus.Open},
		{"apfs", apfs.Probe, apfs.Open},
	}
}
