package expand

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// probeMailBefore is mailFormat.Probe as it was before its early colon
// check: the two must agree on every head.
func probeMailBefore(h []byte) bool {
	if bytes.HasPrefix(h, []byte("From ")) {
		return bytes.Contains(bytes.ToLower(h), []byte("\nmime-version:"))
	}
	end := bytes.Index(h, []byte("\n\n"))
	if e := bytes.Index(h, []byte("\r\n\r\n")); e >= 0 && (end < 0 || e < end) {
		end = e
	}
	if end <= 0 {
		return false
	}
	head := bytes.ToLower(h[:end])
	if !bytes.HasPrefix(head, []byte("mime-version:")) && !bytes.Contains(head, []byte("\nmime-version:")) {
		return false
	}
	colon := bytes.IndexByte(head, ':')
	return colon > 0 && bytes.IndexAny(head[:colon], " \t\n") < 0
}

func TestMailProbeEarlyRejectAgrees(t *testing.T) {
	heads := [][]byte{
		nil, []byte(":"), []byte("MIME-Version: 1.0\n\nbody"), []byte("Subject: x\nMIME-Version: 1.0\r\n\r\n"),
		[]byte("X Y: z\nMIME-Version: 1.0\n\n"), []byte("From a@b\nMIME-Version: 1.0\n"), []byte(":x\nmime-version:1\n\n"),
		[]byte("\xff\xfeKey: v\nmime-version: 1\n\n"), []byte("K\u212a: v\nMIME-Version: 1\n\n"), []byte("Date: now\n\nhi"),
	}
	r := rand.New(rand.NewPCG(1, 2))
	parts := []string{"MIME-Version:", "mime-version: 1.0", "\n", "\r\n", " ", "\t", ":", "From ", "X-A", "\xc4", "\u212a", "a", "\n\n"}
	for range 20000 {
		var b []byte
		for range r.IntN(12) {
			if r.IntN(4) == 0 {
				b = append(b, byte(r.IntN(256)))
			} else {
				b = append(b, parts[r.IntN(len(parts))]...)
			}
		}
		heads = append(heads, b)
	}
	for _, h := range heads {
		if got, want := (mailFormat{}).Probe(h), probeMailBefore(h); got != want {
			t.Fatalf("Probe(%q) = %v, before the early check %v", h, got, want)
		}
	}
}
