package demo

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Benign non-picture contents of a typical user folder.

func todoText(r *rand.Rand) []byte {
	items := []string{"buy milk", "call the garage", "renew passport", "water the plants",
		"book dentist", "pay electricity bill", "return library books", "fix bike light"}
	r.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	var b strings.Builder
	b.WriteString("TODO\r\n")
	for _, it := range items[:3+r.IntN(4)] {
		fmt.Fprintf(&b, "- %s\r\n", it)
	}
	return []byte(b.String())
}

func expensesCSV(r *rand.Rand) []byte {
	cats := []string{"groceries", "fuel", "rent", "books", "train", "coffee", "phone"}
	var b strings.Builder
	b.WriteString("date,category,amount_eur\n")
	for i := range 20 + r.IntN(30) {
		fmt.Fprintf(&b, "2025-%02d-%02d,%s,%d.%02d\n", 1+i%12, 1+r.IntN(28), cats[r.IntN(len(cats))], r.IntN(300), r.IntN(100))
	}
	return []byte(b.String())
}

func hostsText() []byte {
	return []byte("# Copyright (c) 1993-2009 Microsoft Corp.\r\n#\r\n# localhost name resolution is handled within DNS itself.\r\n#\t127.0.0.1       localhost\r\n#\t::1             localhost\r\n")
}

// minimalPDF writes a one-page PDF with a correct cross-reference table.
func minimalPDF(r *rand.Rand) []byte {
	text := fmt.Sprintf("Invoice %d - total %d.%02d EUR", 1000+r.IntN(9000), r.IntN(500), r.IntN(100))
	stream := fmt.Sprintf("BT /F1 18 Tf 72 720 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// randomBytes returns n incompressible bytes.
func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}
