package container

import (
	"errors"
	"fmt"
	"io"
)

// Sentinel errors; the returned errors wrap them with the file and offset.
var (
	// ErrMissingSegment: a split set has a gap (a later segment exists but an
	// earlier one does not) or a referenced extent file is absent.
	ErrMissingSegment = errors.New("missing segment")
	// ErrChecksum: a stored checksum does not match the structure it covers.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrCorrupt: a structure is inconsistent with itself or the file size.
	ErrCorrupt = errors.New("corrupt container")
	// ErrUnsupported: a valid container variant this package does not read
	// (differencing/snapshot disks, streamOptimized VMDK, a VHDX with an
	// unreplayed log).
	ErrUnsupported = errors.New("unsupported container variant")
)

// corruptf formats an ErrCorrupt-wrapping error.
func corruptf(format string, a ...any) error {
	return fmt.Errorf(format+": %w", append(a, ErrCorrupt)...)
}

// clampRead checks a ReadAt request against the media size and returns the
// part of p that lies inside the media; eof reports whether p was cut short.
func clampRead(p []byte, off, size int64) (q []byte, eof bool, err error) {
	if off < 0 {
		return nil, false, fmt.Errorf("read at negative offset %d", off)
	}
	if off >= size {
		return nil, true, io.EOF
	}
	if rem := size - off; int64(len(p)) > rem {
		return p[:rem], true, nil
	}
	return p, false, nil
}

// zero zeroes b (sparse/unallocated regions read as zeros).
func zero(b []byte) { clear(b) }
