package models

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyModels copies the real models folder so a test can break it.
func copyModels(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestLoadBrokenModels: the real models with a shard missing or cut
// short, a NaN weight, or a changed shape give a clear error from Load,
// never a panic; the error names the file.
func TestLoadBrokenModels(t *testing.T) {
	src, err := Locate("")
	needOrSkip(t, "models", err)
	edit := func(dir, file string, f func([]byte) []byte) {
		p := filepath.Join(dir, file)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, want string
		breakIt    func(dir string)
	}{
		{"missing nsfwjs shard", "group1-shard1of1", func(d string) {
			if err := os.Remove(filepath.Join(d, "nsfwjs-mobilenet_v2", "group1-shard1of1")); err != nil {
				t.Fatal(err)
			}
		}},
		{"faceres shard cut short", "shards hold 6978000 bytes, model.json describes 6978814", func(d string) {
			edit(d, "faceres.bin", func(b []byte) []byte { return b[:6978000] })
		}},
		{"NaN in faceres (float16)", "is NaN", func(d string) {
			edit(d, "faceres.bin", func(b []byte) []byte { binary.LittleEndian.PutUint16(b[1000:], 0x7e00); return b })
		}},
		{"NaN in blazeface (float32)", "is NaN", func(d string) {
			edit(d, "blazeface.bin", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[400:], 0x7fc00000); return b })
		}},
		{"blazeface input shape", "trial run", func(d string) {
			edit(d, "blazeface.json", func(b []byte) []byte {
				return []byte(strings.ReplaceAll(string(b), `{"size":"256"},{"size":"256"}`, `{"size":"128"},{"size":"128"}`))
			})
		}},
		{"nsfwjs kernel size", "does not match kernel size", func(d string) {
			edit(d, "nsfwjs-mobilenet_v2/model.json", func(b []byte) []byte {
				return []byte(strings.Replace(string(b), `"kernel_size":[3,3]`, `"kernel_size":[5,5]`, 1))
			})
		}},
		{"nsfwjs model.json cut", "nsfwjs-mobilenet_v2/model.json", func(d string) {
			edit(d, "nsfwjs-mobilenet_v2/model.json", func(b []byte) []byte { return b[:len(b)/2] })
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := copyModels(t, src)
			c.breakIt(dir)
			a, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load = %v, %v; want an error mentioning %q", a, err, c.want)
			}
			t.Log(err)
		})
	}
}
