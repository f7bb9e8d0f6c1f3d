package main

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Media Scrim cannot read is not "1 files seen, 0 errors": the note is on
// stderr, the unread region counts as an error, and scrim stats (text and
// JSON) repeats the note per evidence item.
func TestUnreadableMediaIsReported(t *testing.T) {
	dir := t.TempDir()
	caseDir := filepath.Join(dir, "case")
	random := make([]byte, 10<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(0, 0, color.White)
	var pic bytes.Buffer
	jpeg.Encode(&pic, img, nil)
	card := make([]byte, 4<<20)
	copy(card[1<<20:], pic.Bytes())
	for name, b := range map[string][]byte{"image.dd": random, "card.dd": card, "disk.E01": nil} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o444); err != nil {
			t.Fatal(err)
		}
	}

	r := scrim(t, "ingest", "--case", caseDir, "--progress", "none", filepath.Join(dir, "disk.E01"))
	if r.code == 0 || !strings.Contains(r.stderr, "disk.E01 is empty, not an E01") {
		t.Fatalf("empty disk.E01: exit %d, stderr %q", r.code, r.stderr)
	}

	highEntropy := "high-entropy region at offset 0 (10 MiB), possibly encrypted: not read, not carved"
	carved := "no filesystem recognised at offset 0 (4 MiB): carved 1 picture"
	r = scrim(t, "ingest", "--case", caseDir, "--progress", "none", filepath.Join(dir, "image.dd"), filepath.Join(dir, "card.dd"))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"scrim ingest: image.dd: " + highEntropy, "scrim ingest: card.dd: " + carved} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	for _, want := range []string{"image.dd (raw ", "1 errors", "card.dd (raw "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}

	out := mustScrim(t, "stats", "--case", caseDir)
	for _, want := range []string{"image.dd: " + highEntropy, "card.dd: " + carved} {
		if !strings.Contains(out, want) {
			t.Errorf("stats lacks %q:\n%s", want, out)
		}
	}
	st := readStats(t, caseDir)
	for _, e := range st.Evidence {
		want := map[string]string{"image.dd": highEntropy, "card.dd": carved}[e.ID]
		if len(e.Notes) != 1 || e.Notes[0] != want {
			t.Errorf("%s: notes %q, want %q", e.ID, e.Notes, want)
		}
		if e.ID == "image.dd" && e.Errors != 1 {
			t.Errorf("image.dd: %d errors, want 1", e.Errors)
		}
		if e.ID == "card.dd" && (e.Pictures != 1 || e.Errors != 1) {
			t.Errorf("card.dd: %d pictures, %d errors; want the carved JPEG and the unread region", e.Pictures, e.Errors)
		}
	}

	// The PDF report's "What could not be read" carries the same notes.
	pdftotext := needTool(t, "pdftotext", "poppler-utils")
	pdf := filepath.Join(dir, "report.pdf")
	mustScrim(t, "export", "--case", caseDir, "--format", "pdf", "--out", pdf)
	txt, err := exec.Command(pdftotext, "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(string(txt)), " ")
	for _, want := range []string{"What could not be read", "high-entropy region at offset 0", "no filesystem recognised at offset 0"} {
		if !strings.Contains(flat, want) {
			t.Errorf("PDF report lacks %q", want)
		}
	}
}
