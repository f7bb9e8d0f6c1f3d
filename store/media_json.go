package store

import (
	"encoding/json"
)

// decodeMedia reads one stored media value (firstplace.go), leaving its
// first place aside.
func decodeMedia(v []byte, m *Media) error {
	_, data, err := splitMediaValue(v)
	if err != nil {
		return err
	}
	return decodeMediaData(data, m)
}

// decodeMediaJSON reads one media record of formats 1-3. `scrim files` and the report
// read one per content, and encoding/json was a sixth of a listing's CPU;
// like decodeOccurrence, the fast path reads the shape their encoder wrote (encoding/json's)
// and leaves anything else (a video's float duration and frames, a null,
// an escape it does not know) to json.Unmarshal, so the result is always
// what json.Unmarshal gives (FuzzMediaJSON checks it).
func decodeMediaJSON(data []byte, m *Media) error {
	var fast Media
	if decodeObjectFast(data, func(whole string, i int, key []byte) (int, bool) {
		return mediaField(data, whole, i, key, &fast)
	}) {
		*m = fast
		return nil
	}
	*m = Media{}
	return json.Unmarshal(data, m)
}

// mediaField reads the value at b[i] into the field named key and returns
// the index after it.
func mediaField(b []byte, whole string, i int, key []byte, m *Media) (int, bool) {
	var s *string
	var n int64
	switch string(key) {
	case "sha256":
		s = &m.SHA256
	case "md5":
		s = &m.MD5
	case "sha1":
		s = &m.SHA1
	case "type":
		s = &m.Type
	case "kind":
		s = &m.Kind
	case "mime":
		s = &m.MIME
	case "phash":
		s = &m.PHash
	case "dhash":
		s = &m.DHash
	case "decoder":
		s = &m.Decoder
	case "error":
		s = &m.Error
	case "codec":
		s = &m.Codec
	case "size":
		end, ok := jsonValue(b, whole, i, nil, &m.Size, nil)
		return end, ok
	case "width", "height":
		end, ok := jsonValue(b, whole, i, nil, &n, nil)
		if !ok || int64(int(n)) != n {
			return 0, false // too large for an int here: encoding/json's error
		}
		if key[0] == 'w' {
			m.Width = int(n)
		} else {
			m.Height = int(n)
		}
		return end, ok
	default:
		return 0, false // duration, frames: encoding/json's
	}
	return jsonValue(b, whole, i, s, nil, nil)
}
