package expand

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestMail builds an EML and an MBOX with Python's email and mailbox
// modules and reads the attachments back, decoded.
func TestMail(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 missing")
		}
		t.Skip("python3 missing")
	}
	dir := t.TempDir()
	pic := bytes.Repeat([]byte("\xff\xd8\xff\xe0 picture bytes "), 500)
	os.WriteFile(filepath.Join(dir, "pic.jpg"), pic, 0o644)
	script := `
import email.message, mailbox, sys, os
d = sys.argv[1]
pic = open(os.path.join(d, "pic.jpg"), "rb").read()
def msg(n):
    m = email.message.EmailMessage()
    m["From"] = "a@example.org"; m["To"] = "b@example.org"; m["Subject"] = "holiday %d" % n
    m.set_content("see attached")
    m.add_attachment(pic, maintype="image", subtype="jpeg", filename="beach%d.jpg" % n)
    m.add_attachment(b"notes", maintype="application", subtype="octet-stream", filename="notes.bin")
    return m
open(os.path.join(d, "one.eml"), "wb").write(bytes(msg(1)))
mb = mailbox.mbox(os.path.join(d, "box.mbox"))
for n in (2, 3):
    mb.add(msg(n))
mb.flush()
`
	if out, err := exec.Command("python3", "-c", script, dir).CombinedOutput(); err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	for file, want := range map[string][]string{
		"one.eml":  {"beach1.jpg", "notes.bin"},
		"box.mbox": {"message-1/beach2.jpg", "message-1/notes.bin", "message-2/beach3.jpg", "message-2/notes.bin"},
	} {
		b, _ := os.ReadFile(filepath.Join(dir, file))
		got, err := walkAll(t, b)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %+v", file, got)
		}
		for i, l := range got {
			if l.name != want[i] || l.err != nil {
				t.Errorf("%s: member %d %q %v, want %q", file, i, l.name, l.err, want[i])
			}
			if i%2 == 0 && !bytes.Equal(l.data, pic) {
				t.Errorf("%s: %s decoded to %d bytes", file, l.name, len(l.data))
			}
		}
	}
	if Detect([]byte("Date: today\n\nplain notes, no MIME")) != nil {
		t.Error("plain text taken for mail")
	}
}
