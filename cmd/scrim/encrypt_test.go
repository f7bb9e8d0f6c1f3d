package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scrim/export"
	"scrim/export/court"
	"scrim/store"
	"scrim/store/casekey"
)

const casePass = "open sesame, slowly"

// distinctiveEvidence writes generated JPEGs whose folder and file names
// appear nowhere else, to look for them in the case directory afterwards.
func distinctiveEvidence(t *testing.T, n int) (root string, names []string) {
	t.Helper()
	root = filepath.Join(t.TempDir(), "Quokka_Marmalade_Exhibit")
	dir := filepath.Join(root, "Zanzibar_Holiday_Folder")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 320, 240))
		for y := range 240 {
			for x := range 320 {
				img.Set(x, y, color.RGBA{uint8(x*(i+3) + y), uint8(y * (i + 1)), uint8((x ^ y) * (i + 7)), 255})
			}
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("Xylophone_Pelican_%02d.jpg", i)
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return root, append(names, "Quokka_Marmalade_Exhibit", "Zanzibar_Holiday_Folder")
}

// caseFiles reads every file of a case directory.
func caseFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[filepath.Base(p)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// jpegStart finds a JPEG's start: SOI, then a first marker segment whose
// length leads to the next marker (FF D8 FF xx LL LL ... FF), as every
// JPEG begins. Checking the segment keeps chance matches in ciphertext
// below one in 10^9 per case.
func jpegStart(b []byte) int {
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte{0xFF, 0xD8, 0xFF})
		if j < 0 {
			return -1
		}
		i += j
		if i+6 <= len(b) && b[i+3] >= 0xC0 && b[i+3] != 0xFF {
			n := int(b[i+4])<<8 | int(b[i+5])
			if next := i + 4 + n; n >= 2 && n <= 1024 && next < len(b) && b[next] == 0xFF {
				return i
			}
		}
		i++
	}
}

// leaks lists what of the pictures can be read in the case directory.
func leaks(t *testing.T, dir string, thumbs [][]byte, names []string) []string {
	var found []string
	for file, b := range caseFiles(t, dir) {
		if i := jpegStart(b); i >= 0 {
			found = append(found, fmt.Sprintf("%s: JPEG start at %d", file, i))
		}
		for n, th := range thumbs {
			if bytes.Contains(b, th) {
				found = append(found, fmt.Sprintf("%s: thumbnail %d", file, n))
			}
		}
		for _, name := range names {
			if bytes.Contains(b, []byte(name)) {
				found = append(found, fmt.Sprintf("%s: name %s", file, name))
			}
		}
	}
	return found
}

// storedThumbs reads every thumbnail of the case back through the store.
func storedThumbs(t *testing.T, dir string, key casekey.Secret) [][]byte {
	t.Helper()
	st, err := store.Open(dir, store.Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out [][]byte
	err = st.Scan("t/", func(_, v []byte) error {
		out = append(out, bytes.Clone(v))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEncryptedCaseLeaksNoPictureNorPath(t *testing.T) {
	root, names := distinctiveEvidence(t, 12)
	tmp := t.TempDir()
	plain, enc := filepath.Join(tmp, "plain"), filepath.Join(tmp, "encrypted")
	mustScrim(t, "ingest", "--case", plain, "--examiner", "bob", root)
	if r := scrimStdin(t, casePass+"\n", "ingest", "--case", enc, "--encrypt", "--passphrase-stdin", "--examiner", "bob", root); r.code != 0 {
		t.Fatalf("encrypted ingest: exit %d %s", r.code, r.stderr)
	}
	thumbs := storedThumbs(t, enc, casekey.Secret{Passphrase: casePass})
	if len(thumbs) != 12 {
		t.Fatalf("%d thumbnails in the encrypted case, want 12", len(thumbs))
	}
	// The same search finds a JPEG start, every thumbnail and names in the
	// plain case: it can fail. (Badger compresses its tables, so not every
	// name is there byte for byte.)
	found := strings.Join(leaks(t, plain, thumbs, names), "\n")
	for _, want := range []string{"JPEG start", "thumbnail 0", fmt.Sprintf("thumbnail %d", len(thumbs)-1), "name Quokka_Marmalade_Exhibit"} {
		if !strings.Contains(found, want) {
			t.Fatalf("the search does not find %q in the plain case:\n%s", want, found)
		}
	}
	if found := leaks(t, enc, thumbs, names); len(found) > 0 {
		t.Fatalf("the encrypted case shows: %v", found)
	}
	if _, ok := caseFiles(t, enc)[casekey.FileName]; !ok {
		t.Fatalf("no %s in the encrypted case", casekey.FileName)
	}
	if _, ok := caseFiles(t, plain)[casekey.FileName]; ok {
		t.Fatalf("%s in a plain case", casekey.FileName)
	}
}

func TestEncryptedCaseNeedsItsKeyForEveryCommand(t *testing.T) {
	root, _ := distinctiveEvidence(t, 4)
	tmp := t.TempDir()
	enc := filepath.Join(tmp, "case")
	in := casePass + "\n"
	if r := scrimStdin(t, in, "ingest", "--case", enc, "--encrypt", "--passphrase-stdin", "--examiner", "bob", root); r.code != 0 {
		t.Fatalf("encrypted ingest: exit %d %s", r.code, r.stderr)
	}
	before := fingerprintTree(t, enc)

	// Without the key, and with a wrong one: a sentence, no panic, the case untouched.
	r := scrim(t, "stats", "--case", enc)
	if want := "case " + enc + " is encrypted: give its passphrase on stdin (--passphrase-stdin) or --key-file FILE"; r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Fatalf("stats without key: exit %d %q", r.code, r.stderr)
	}
	r = scrimStdin(t, "not the passphrase\n", "stats", "--case", enc, "--passphrase-stdin")
	if r.code != 1 || strings.TrimSpace(r.stderr) != "scrim stats: wrong passphrase for case "+enc {
		t.Fatalf("stats with a wrong passphrase: exit %d %q", r.code, r.stderr)
	}
	r = scrimStdin(t, "not the passphrase\n", "ingest", "--case", enc, "--passphrase-stdin", root)
	if r.code != 1 || !strings.Contains(r.stderr, "wrong passphrase for case "+enc) || strings.Contains(r.stderr, "panic") {
		t.Fatalf("ingest with a wrong passphrase: exit %d %q", r.code, r.stderr)
	}
	if after := fingerprintTree(t, enc); after != before {
		t.Fatal("failed opens changed the case directory")
	}

	// With the key, every command that opens a case.
	rows := 0
	for _, l := range strings.Split(mustScrimStdin(t, in, "files", "--case", enc, "--passphrase-stdin"), "\n") {
		if strings.Contains(l, "Xylophone_Pelican_") {
			rows++
		}
	}
	if rows != 4 {
		t.Fatalf("files lists %d of 4 pictures", rows)
	}
	var row export.FileRow
	if err := json.Unmarshal([]byte(strings.SplitN(mustScrimStdin(t, in, "files", "--case", enc, "--passphrase-stdin"), "\n", 2)[0]), &row); err != nil || len(row.SHA256) != 64 {
		t.Fatalf("files: %v %+v", err, row)
	}
	sha := row.SHA256
	if out := mustScrimStdin(t, in, "stats", "--case", enc, "--passphrase-stdin", "--json"); !strings.Contains(out, `"pictures": 4`) && !strings.Contains(out, `"pictures":4`) {
		t.Errorf("stats: %s", out)
	}
	// Re-ingest with the key resumes, without --encrypt and with it.
	mustScrimStdin(t, in, "ingest", "--case", enc, "--passphrase-stdin", "--examiner", "bob", root)
	mustScrimStdin(t, in, "ingest", "--case", enc, "--encrypt", "--passphrase-stdin", "--examiner", "bob", root)
	list := filepath.Join(tmp, "list.txt")
	os.WriteFile(list, []byte(sha+"\n"), 0o644)
	mustScrimStdin(t, in, "hashset", "import", "--case", enc, "--passphrase-stdin", "--format", "text", "--category", "1", "--name", "lab", list)
	if out := mustScrimStdin(t, in, "hashset", "list", "--case", enc, "--passphrase-stdin"); !strings.Contains(out, "lab") {
		t.Errorf("hashset list: %s", out)
	}
	// categorize reads SHA-256s from stdin after the passphrase.
	if out := mustScrimStdin(t, in+sha+"\n", "categorize", "--case", enc, "--passphrase-stdin", "--examiner", "bob", "--category", "1", "-"); !strings.HasPrefix(out, "1 media set to category 1") {
		t.Errorf("categorize: %s", out)
	}
	mustScrimStdin(t, in, "similar", "--case", enc, "--passphrase-stdin", "--clusters")
	mustScrimStdin(t, in, "conflicts", "--case", enc, "--passphrase-stdin")
	if out := mustScrimStdin(t, in, "audit", "verify", "--case", enc, "--passphrase-stdin"); !strings.Contains(out, "audit log intact") {
		t.Errorf("audit verify: %s", out)
	}
	mustScrimStdin(t, in, "audit", "show", "--case", enc, "--passphrase-stdin")
	for _, f := range []string{"csv", "html", "vics"} {
		mustScrimStdin(t, in, "export", "--case", enc, "--passphrase-stdin", "--format", f, "--out", filepath.Join(tmp, "out."+f))
	}
	// The court package: its own passphrase first, then the case's.
	bundle := filepath.Join(tmp, "b"+court.Ext)
	bundlePass := "the court's own passphrase"
	if r := scrimStdin(t, bundlePass+"\n"+casePass+"\n", "export", "--case", enc, "--format", "court", "--passphrase-stdin",
		"--case-passphrase-stdin", "--out", bundle, "--examiner", "bob"); r.code != 0 {
		t.Fatalf("court export: exit %d %s", r.code, r.stderr)
	}
	b, err := court.Open(bundle, bundlePass)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if r := scrimStdin(t, bundlePass+"\n", "export", "--case", enc, "--format", "court", "--passphrase-stdin", "--out", bundle+"2", "--examiner", "bob"); r.code != 1 ||
		!strings.Contains(r.stderr, "is encrypted: give its passphrase on stdin (--case-passphrase-stdin) or --key-file FILE") {
		t.Fatalf("court export without the case key: exit %d %s", r.code, r.stderr)
	}
}

func TestEncryptedCaseWithKeyFileCLI(t *testing.T) {
	root, _ := distinctiveEvidence(t, 2)
	tmp := t.TempDir()
	key := filepath.Join(tmp, "case.key")
	k := make([]byte, 32)
	rand.Read(k)
	os.WriteFile(key, k, 0o600)
	enc := filepath.Join(tmp, "case")
	mustScrim(t, "ingest", "--case", enc, "--encrypt", "--key-file", key, "--examiner", "bob", root)
	if s := mustScrim(t, "stats", "--case", enc, "--key-file", key); !strings.Contains(s, "2") {
		t.Errorf("stats: %s", s)
	}
	other := filepath.Join(tmp, "other.key")
	os.WriteFile(other, bytes.Repeat([]byte{1}, 32), 0o600)
	if r := scrim(t, "files", "--case", enc, "--key-file", other); r.code != 1 || !strings.Contains(r.stderr, "wrong key file for case "+enc) {
		t.Fatalf("wrong key file: exit %d %q", r.code, r.stderr)
	}
	if r := scrimStdin(t, casePass+"\n", "files", "--case", enc, "--passphrase-stdin"); r.code != 1 || !strings.Contains(r.stderr, "locked with a key file, not a passphrase") {
		t.Fatalf("passphrase for a key-file case: exit %d %q", r.code, r.stderr)
	}
	// The court package takes the case key from --key-file; stdin holds only the bundle's passphrase.
	bundle := filepath.Join(tmp, "b"+court.Ext)
	if r := scrimStdin(t, "the court's own passphrase\n", "export", "--case", enc, "--key-file", key, "--format", "court", "--passphrase-stdin", "--out", bundle, "--examiner", "bob"); r.code != 0 {
		t.Fatalf("court export with a key file: exit %d %s", r.code, r.stderr)
	}
}

func TestEncryptRefusedOnPlainCaseAndWithoutKey(t *testing.T) {
	root, _ := distinctiveEvidence(t, 1)
	plain := filepath.Join(t.TempDir(), "case")
	mustScrim(t, "ingest", "--case", plain, "--examiner", "bob", root)
	before := fingerprintTree(t, plain)
	r := scrimStdin(t, casePass+"\n", "ingest", "--case", plain, "--encrypt", "--passphrase-stdin", root)
	if r.code != 1 || !strings.Contains(r.stderr, "is not encrypted: Badger cannot encrypt a case in place") {
		t.Fatalf("--encrypt on a plain case: exit %d %q", r.code, r.stderr)
	}
	if after := fingerprintTree(t, plain); after != before {
		t.Fatal("the refused --encrypt changed the case")
	}
	r = scrim(t, "ingest", "--case", filepath.Join(t.TempDir(), "new"), "--encrypt", root)
	if r.code != 2 || !strings.Contains(r.stderr, "--encrypt needs the case key") {
		t.Fatalf("--encrypt without a key: exit %d %q", r.code, r.stderr)
	}
	r = scrimStdin(t, casePass+"\n", "ingest", "--case", filepath.Join(t.TempDir(), "new"), "--passphrase-stdin", root)
	if r.code != 1 || !strings.Contains(r.stderr, "would not be encrypted") {
		t.Fatalf("a passphrase without --encrypt: exit %d %q", r.code, r.stderr)
	}
	r = scrimStdin(t, casePass+"\n", "stats", "--case", plain, "--passphrase-stdin", "--key-file", "/dev/null")
	if r.code != 2 || !strings.Contains(r.stderr, "not both") {
		t.Fatalf("passphrase and key file: exit %d %q", r.code, r.stderr)
	}
	r = scrimStdin(t, "short\n", "ingest", "--case", filepath.Join(t.TempDir(), "new"), "--encrypt", "--passphrase-stdin", root)
	if r.code != 1 || !strings.Contains(r.stderr, "at least 12") {
		t.Fatalf("--encrypt with a short passphrase: exit %d %q", r.code, r.stderr)
	}
}

func mustScrimStdin(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := scrimStdin(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("scrim %v: exit %d\n%s", args, r.code, r.stderr)
	}
	return r.stdout
}
