package signature

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func identifyFile(t *testing.T, p string) (Match, bool) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return Identify(bytes.NewReader(b), int64(len(b)))
}

func TestAppleFixtures(t *testing.T) {
	for name, want := range map[string]Match{
		"hfsplus.raw": {Name: "HFS+ filesystem"},
		"apfs.raw":    {Name: "APFS container"},
	} {
		m, ok := identifyFile(t, sharedFixture(t, name))
		if !ok || m != want {
			t.Errorf("%s: %+v %v, want %+v", name, m, ok, want)
		}
	}
	// The same container with its volume marked encrypted (FileVault).
	b, err := os.ReadFile(sharedFixture(t, "apfs.raw"))
	if err != nil {
		t.Fatal(err)
	}
	enc := encryptAPFS(t, b)
	m, ok := Identify(bytes.NewReader(enc), int64(len(enc)))
	if !ok || !m.Encrypted || m.Name != "APFS container, FileVault-encrypted" {
		t.Errorf("encrypted APFS: %+v %v", m, ok)
	}
	// The Sleuth Kit reads the same flag from the same volume superblock.
	pstat := tool(t, "pstat", "sleuthkit")
	encPath := filepath.Join(t.TempDir(), "apfs-encrypted.raw")
	if err := os.WriteFile(encPath, enc, 0o444); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{sharedFixture(t, "apfs.raw"): "Encrypted: No", encPath: "Encrypted: Yes"} {
		out, _ := exec.Command(pstat, p).CombinedOutput()
		if !strings.Contains(string(out), want) {
			t.Errorf("pstat %s does not say %q:\n%s", p, want, out)
		}
	}
	// And names the HFS+ volume as we do.
	if out, _ := exec.Command(tool(t, "fsstat", "sleuthkit"), "-t", sharedFixture(t, "hfsplus.raw")).Output(); strings.TrimSpace(string(out)) != "hfsp" {
		t.Errorf("fsstat -t hfsplus.raw: %q", out)
	}
}

func TestLUKS(t *testing.T) {
	cs := tool(t, "cryptsetup", "cryptsetup-bin")
	for _, v := range []string{"luks1", "luks2"} {
		p := sparse(t, 16<<20)
		run(t, "secret", cs, "luksFormat", "--batch-mode", "--type", v, "--pbkdf", "pbkdf2",
			"--pbkdf-force-iterations", "1000", p, "-")
		m, ok := identifyFile(t, p)
		if want := (Match{Name: map[string]string{"luks1": "LUKS1 encrypted volume", "luks2": "LUKS2 encrypted volume"}[v], Encrypted: true}); !ok || m != want {
			t.Errorf("%s: %+v %v", v, m, ok)
		}
	}
}

func TestBitLocker(t *testing.T) {
	for toGo, want := range map[bool]string{false: "BitLocker encrypted volume", true: "BitLocker To Go encrypted volume"} {
		b := BitLockerVolume(8<<20, toGo)
		m, ok := Identify(bytes.NewReader(b), int64(len(b)))
		if !ok || m != (Match{Name: want, Encrypted: true}) {
			t.Errorf("%s: %+v %v", want, m, ok)
		}
	}
	// A plain FAT32 boot sector with the same OEM id is not BitLocker.
	b := BitLockerVolume(8<<20, true)
	clear(b[424:448])
	if m, ok := Identify(bytes.NewReader(b), int64(len(b))); ok {
		t.Errorf("plain MSWIN4.1 boot sector: %+v", m)
	}
}

func TestXFS(t *testing.T) {
	mkfs := tool(t, "mkfs.xfs", "xfsprogs")
	p := sparse(t, 300<<20)
	run(t, "", mkfs, "-q", p)
	if m, ok := identifyFile(t, p); !ok || m != (Match{Name: "XFS filesystem"}) {
		t.Errorf("XFS: %+v %v", m, ok)
	}
}

func TestNothingKnown(t *testing.T) {
	for name, b := range map[string][]byte{"zeros": make([]byte, 1<<20), "random": noise(1<<20, 1), "tiny": {1, 2, 3}, "empty": nil} {
		if m, ok := Identify(bytes.NewReader(b), int64(len(b))); ok {
			t.Errorf("%s: %+v", name, m)
		}
	}
}

func TestLooksEncrypted(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			img.Set(x, y, color.RGBA{uint8(x ^ y), uint8(x * y), uint8(y), 255})
		}
	}
	var pics bytes.Buffer
	for pics.Len() < 4<<20 {
		jpeg.Encode(&pics, img, &jpeg.Options{Quality: 95})
	}
	withZeros := append(make([]byte, 4<<20), noise(6<<20, 3)...)
	for name, c := range map[string]struct {
		b    []byte
		want bool
	}{
		"random 10 MiB":        {noise(10<<20, 2), true},
		"zeros then random":    {withZeros, true},
		"zeros":                {make([]byte, 8<<20), false},
		"JPEG pictures":        {pics.Bytes(), false},
		"small random":         {noise(1000, 4), false},
		"BitLocker ciphertext": {BitLockerVolume(8<<20, false), true},
	} {
		if got := LooksEncrypted(bytes.NewReader(c.b), int64(len(c.b))); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}
