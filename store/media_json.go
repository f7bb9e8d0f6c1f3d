package store

import (
	"encoding/json"
)

// encodeMedia is json.Marshal(m), byte for byte (FuzzMediaEncode checks
// it): an ingest writes one media record per new content, and
// encoding/json's reflection was 1.4 % of a small-file ingest's CPU. A
// video's record (a float duration, sampled frames) is rare and left to
// encoding/json, whose float formatting it would otherwise have to copy.
func encodeMedia(m *Media) ([]byte, error) {
	if m.Duration != 0 || len(m.Frames) > 0 {
		return json.Marshal(m)
	}
	w := jsonRecord{b: make([]byte, 0, 256+len(m.Type)+len(m.Kind)+len(m.MIME)+len(m.Decoder)+len(m.Error))}
	str, num := w.str, w.num
	str(`{"sha256":`, m.SHA256)
	str(`,"md5":`, m.MD5)
	str(`,"sha1":`, m.SHA1)
	num(`,"size":`, m.Size)
	str(`,"type":`, m.Type)
	str(`,"kind":`, m.Kind)
	str(`,"mime":`, m.MIME)
	if m.Width != 0 {
		num(`,"width":`, int64(m.Width))
	}
	if m.Height != 0 {
		num(`,"height":`, int64(m.Height))
	}
	for _, t := range []struct{ name, v string }{{`,"phash":`, m.PHash}, {`,"dhash":`, m.DHash}, {`,"decoder":`, m.Decoder}, {`,"error":`, m.Error}} {
		if t.v != "" {
			str(t.name, t.v)
		}
	}
	return w.end()
}
