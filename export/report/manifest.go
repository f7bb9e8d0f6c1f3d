package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// Manifest is the sidecar that pins a report's bytes: whoever receives the
// report recomputes its SHA-256 and compares. Fields are in a fixed order
// and only GeneratedAt changes between two reports of the same case.
type Manifest struct {
	File        string `json:"file"` // base name of the report
	Format      string `json:"format"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Case        string `json:"case"`
	Generator   string `json:"generator"`
	GeneratedAt string `json:"generated_at"` // RFC 3339, UTC
}

// ManifestPath is where the manifest of a report written to out goes.
func ManifestPath(out string) string { return out + ".manifest.json" }

// Write writes the manifest as indented JSON.
func (m Manifest) Write(w io.Writer) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report manifest: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write report manifest: %w", err)
	}
	return nil
}
