package iso

import (
	"context"
	"crypto/md5"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"scrim/ingest/fsys"
	"scrim/ingest/fsys/fsystest"
)

func need(t testing.TB, tool, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing: apt-get install %s", tool, pkg)
		}
		t.Skipf("%s missing: apt-get install %s", tool, pkg)
	}
}

// masters are the image-making commands compared with TSK.
var masters = map[string][]string{
	"genisoimage-JR": {"genisoimage", "-quiet", "-J", "-R", "-o"},
	"xorriso-J":      {"xorriso", "-as", "mkisofs", "-quiet", "-J", "-o"},
	"genisoimage":    {"genisoimage", "-quiet", "-o"},
}

func fixture(t testing.TB, kind string) string {
	t.Helper()
	cmd := masters[kind]
	need(t, cmd[0], map[string]string{"genisoimage": "genisoimage", "xorriso": "xorriso"}[cmd[0]])
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	if out, err := exec.Command("sh", "testdata/mktree.sh", tree).CombinedOutput(); err != nil {
		t.Fatalf("mktree: %v\n%s", err, out)
	}
	img := filepath.Join(dir, "x.iso")
	args := append(append([]string{}, cmd[1:]...), img, tree)
	if out, err := exec.Command(cmd[0], args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", kind, err, out)
	}
	return img
}

func openImage(t testing.TB, img string) fsys.FS {
	return fsystest.OpenImage(t, img, Probe, Open)
}

func TestAgainstTSK(t *testing.T) {
	need(t, "fls", "sleuthkit")
	for kind := range masters {
		t.Run(kind, func(t *testing.T) {
			img := fixture(t, kind)
			v := openImage(t, img)
			got := map[string]fsys.File{}
			if err := v.Walk(context.Background(), func(f fsys.File) error {
				got[f.Path] = f
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("fls", "-r", "-p", img).Output()
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, line := range strings.Split(string(out), "\n") {
				meta, name, ok := strings.Cut(line, ":\t")
				if !ok || !strings.HasPrefix(meta, "r/r ") {
					continue
				}
				n++
				f, ok := got["/"+name]
				if !ok {
					t.Errorf("TSK lists /%s, Walk does not", name)
					continue
				}
				delete(got, "/"+name)
				data, err := exec.Command("icat", img, strings.Fields(meta)[1]).Output()
				if err != nil {
					t.Fatal(err)
				}
				h := md5.New()
				if f.Err != nil {
					t.Errorf("/%s: %v", name, f.Err)
					continue
				}
				if _, err := io.Copy(h, io.NewSectionReader(f.Content, 0, f.Size)); err != nil {
					t.Errorf("/%s: %v", name, err)
				}
				want := md5.Sum(data)
				if f.Size != int64(len(data)) || string(h.Sum(nil)) != string(want[:]) {
					t.Errorf("/%s: size %d or MD5 differ from icat (%d bytes)", name, f.Size, len(data))
				}
			}
			for p := range got {
				t.Errorf("Walk reports %s, TSK does not", p)
			}
			if n < 60 {
				t.Errorf("only %d files compared", n)
			}
		})
	}
}
