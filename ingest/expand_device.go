package ingest

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"

	"scrim/ingest/expand"
	"scrim/store"
)

// memberDevicePath is the device path shown for a member: the one its
// extraction gives, else, inside a file that has one (a ZIP on the phone),
// that file's device path and the member's name.
func memberDevicePath(parent store.Occurrence, m expand.Member) string {
	if m.DevicePath != "" {
		return m.DevicePath
	}
	if parent.DevicePath != "" {
		return parent.DevicePath + store.ChainSeparator + m.Name
	}
	return ""
}

// checkExpected compares a member's digests with those its extraction
// report gives and notes each mismatch, naming the file: examiners check
// that an extraction still holds what the tool that made it recorded.
func (w *worker) checkExpected(r result, expect map[string]string, ra io.ReaderAt, n int64) {
	occ := r.rec.Occurrence
	name := occ.Path
	if occ.DevicePath != "" {
		name = occ.DevicePath + " (" + occ.Path + ")"
	}
	if want := expect["sha256"]; want != "" {
		if want != occ.SHA256 {
			w.notes.add(fmt.Sprintf("extraction integrity: %s: SHA-256 is %s, the extraction report says %s", name, occ.SHA256, want))
		}
		return
	}
	want := expect["md5"]
	if want == "" {
		return
	}
	got := ""
	if r.rec.Media != nil {
		got = r.rec.Media.MD5
	} else if m, ok, err := w.in.store.Media(occ.SHA256); err == nil && ok {
		got = m.MD5
	}
	if got == "" {
		// The media is new to this run and still in the write batch.
		h := md5.New()
		if _, err := io.Copy(h, io.NewSectionReader(ra, 0, n)); err != nil {
			w.notes.add(fmt.Sprintf("extraction integrity: %s: MD5 not checked: %v", name, err))
			return
		}
		got = hex.EncodeToString(h.Sum(nil))
	}
	if got != want {
		w.notes.add(fmt.Sprintf("extraction integrity: %s: MD5 is %s, the extraction report says %s", name, got, want))
	}
}
