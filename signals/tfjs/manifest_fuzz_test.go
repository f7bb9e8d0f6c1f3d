package tfjs

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzManifest: any model.json bytes give a manifest or an error, never a
// panic; a manifest that parses has weight sizes ReadWeights can trust.
func FuzzManifest(f *testing.F) {
	f.Add([]byte(`{"format":"graph-model","modelTopology":{"node":[]},"weightsManifest":[{"paths":["a.bin"],"weights":[{"name":"w","shape":[2,3],"dtype":"float32"}]}]}`))
	f.Add([]byte(`{"modelTopology":{},"weightsManifest":[{"paths":["s"],"weights":[{"name":"q","shape":[4],"dtype":"float32","quantization":{"dtype":"uint8","min":-1,"scale":0.1}}]}]}`))
	f.Add([]byte(`{"modelTopology":{},"weightsManifest":[{"paths":["../x"],"weights":[]}]}`))
	f.Add([]byte(`{"modelTopology":{},"weightsManifest":[{"paths":["s"],"weights":[{"name":"h","shape":[-1],"dtype":"float32","quantization":{"dtype":"float16"}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		dir := t.TempDir()
		for _, g := range m.WeightsManifest {
			for _, p := range g.Paths {
				if err := os.WriteFile(filepath.Join(dir, p), []byte{1, 2, 3, 4, 5, 6, 7, 8}, 0o644); err != nil {
					t.Fatalf("path %q escaped the checks: %v", p, err)
				}
			}
		}
		_, _ = ReadWeights(dir, m)
	})
}
