package profile

import (
	"strings"
	"testing"
)

// FuzzOutgoing: a damaged outbox record in the workstation store gives an
// error naming nothing it cannot read, never a panic; a readable one
// becomes exactly one record of its kind.
func FuzzOutgoing(f *testing.F) {
	f.Add("x", "eve/0000000000000001/0000000000000001", []byte(`{"id":"eve/1","examiner":"eve","mode":"reveal","start":"2026-11-23T09:00:00Z","duration_ms":5}`))
	f.Add("b", "eve/1/2", []byte(`{"id":"eve/1/2","examiner":"eve","start":"2026-11-23T09:00:00Z","length":600000000000,"open":true}`))
	f.Add("r", "eve/1/3", []byte(`{"examiner":"eve","case":"op","sha256":"ab","category":"1","at":"2026-11-23T09:00:00Z"}`))
	f.Add("a", "0000000000000001", []byte(`{"seq":1,"at":"2026-11-23T09:00:00Z","actor":"sam","action":"sign-in","prev":""}`))
	f.Add("z", "1", []byte(`{}`))
	f.Add("x", "1", []byte(`{"start":`))
	f.Fuzz(func(t *testing.T, kind, id string, v []byte) {
		var b Outgoing
		err := addOutgoing(&b, kind, id, v)
		switch {
		case err != nil && b.Len() != 0:
			t.Fatalf("error %v but %d records added", err, b.Len())
		case err == nil && b.Len() != 1:
			t.Fatalf("%d records from one outbox entry", b.Len())
		case err == nil && kind == "r" && b.Reviews[0].ID != id:
			t.Fatalf("review ID %q, want the key's %q", b.Reviews[0].ID, id)
		case err == nil && !strings.Contains("xbra", kind):
			t.Fatalf("kind %q accepted", kind)
		}
	})
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://ws01:s3cret@lab/scrim?sslmode=verify-full": "postgres://ws01:xxxxx@lab/scrim?sslmode=verify-full",
		"postgres://ws01@lab/scrim?password=s3cret":            "postgres://ws01@lab/scrim?password=xxxxx",
		"host=lab user=ws01 password=s3cret sslmode=require":   "host=lab user=ws01 password=xxxxx sslmode=require",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
