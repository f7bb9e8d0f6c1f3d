package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// A4 in points, and the frame the content flows in.
const (
	pageW, pageH = 595.28, 841.89
	marginX      = 36.0
	contentTop   = 58.0
	contentEnd   = pageH - 48.0
	contentW     = pageW - 2*marginX
)

// pdfDoc lays blocks onto pages. The fonts are the Go fonts' TrueType
// bytes, embedded (subset) in the PDF: no system font is needed and the
// output is the same on every machine.
type pdfDoc struct {
	gp      *gopdf.GoPdf
	y       float64
	font    *sfnt.Font
	buf     sfnt.Buffer
	covered map[rune]bool
}

// WritePDF renders the report as A4 pages with the case number on every
// page's header and "Page n of N" in its footer.
func WritePDF(w io.Writer, r *Report) error {
	d := &pdfDoc{gp: &gopdf.GoPdf{}, covered: map[rune]bool{}}
	f, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		return fmt.Errorf("PDF font: %w", err)
	}
	d.font = f
	d.gp.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	d.gp.SetInfo(gopdf.PdfInfo{Title: r.Heading() + ": " + ReportName, Creator: r.Tool, Producer: "gopdf", CreationDate: r.GeneratedAt})
	// In a fixed order: object numbers, and so the bytes, depend on it.
	fonts := []struct {
		name string
		ttf  []byte
	}{{"go", goregular.TTF}, {"gob", gobold.TTF}, {"mono", gomono.TTF}}
	for _, f := range fonts {
		if err := d.gp.AddTTFFontData(f.name, f.ttf); err != nil {
			return fmt.Errorf("PDF font %s: %w", f.name, err)
		}
	}
	d.newPage()
	for _, b := range r.Blocks() {
		if err := d.block(b); err != nil {
			return fmt.Errorf("PDF report: %w", err)
		}
	}
	if err := d.frame(r.Heading()); err != nil {
		return fmt.Errorf("PDF report: %w", err)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	if _, err := d.gp.WriteTo(bw); err != nil {
		return fmt.Errorf("write PDF report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write PDF report: %w", err)
	}
	return nil
}

func (d *pdfDoc) newPage() {
	d.gp.AddPage()
	d.y = contentTop
}

// need starts a new page unless h more points fit on this one.
func (d *pdfDoc) need(h float64) {
	if d.y+h > contentEnd {
		d.newPage()
	}
}

func (d *pdfDoc) setFont(name string, size float64) error {
	return d.gp.SetFont(name, "", size)
}

// clean replaces what the Go fonts cannot draw (CJK in a path, say) with
// its code point, so nothing vanishes silently from the PDF.
func (d *pdfDoc) clean(s string) string {
	ok := true
	for _, r := range s {
		if !d.has(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if d.has(r) {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "[U+%04X]", r)
		}
	}
	return b.String()
}

func (d *pdfDoc) has(r rune) bool {
	if r < 0x7f && r >= 0x20 {
		return true
	}
	if v, ok := d.covered[r]; ok {
		return v
	}
	gi, err := d.font.GlyphIndex(&d.buf, r)
	v := err == nil && gi != 0
	d.covered[r] = v
	return v
}

// wrap splits text into lines no wider than w in the current font.
func (d *pdfDoc) wrap(text string, w float64) ([]string, error) {
	if text == "" {
		return []string{""}, nil
	}
	tw, err := d.gp.MeasureTextWidth(text)
	if err != nil {
		return nil, err
	}
	if tw <= w {
		return []string{text}, nil
	}
	return d.gp.SplitTextWithWordWrap(text, w)
}

func (d *pdfDoc) text(x, y, w float64, s string, right bool) error {
	d.gp.SetXY(x, y)
	opt := gopdf.CellOption{Align: gopdf.Left | gopdf.Top}
	if right {
		opt.Align = gopdf.Right | gopdf.Top
	}
	return d.gp.CellWithOption(&gopdf.Rect{W: w, H: 10}, s, opt)
}

func (d *pdfDoc) block(b Block) error {
	switch b.Kind {
	case "title":
		return d.para(b.Text, "gob", 17, 8)
	case "h2":
		d.need(16 + 4*11)
		d.y += 6
		if err := d.para(b.Text, "gob", 12.5, 3); err != nil {
			return err
		}
		d.gp.SetLineWidth(0.5)
		d.gp.Line(marginX, d.y-2, pageW-marginX, d.y-2)
		d.y += 3
		return nil
	case "h3":
		d.need(14 + 4*11)
		d.y += 2
		return d.para(b.Text, "gob", 10.5, 3)
	case "p":
		return d.para(b.Text, "go", 9.5, 5)
	case "kv":
		return d.kv(b.KV)
	case "table":
		return d.table(b.Table)
	}
	return fmt.Errorf("unknown block %q", b.Kind)
}

func (d *pdfDoc) para(text, font string, size, after float64) error {
	if err := d.setFont(font, size); err != nil {
		return err
	}
	lh := size * 1.3
	lines, err := d.wrap(d.clean(text), contentW)
	if err != nil {
		return err
	}
	for _, l := range lines {
		d.need(lh)
		if err := d.text(marginX, d.y, contentW, l, false); err != nil {
			return err
		}
		d.y += lh
	}
	d.y += after
	return nil
}

func (d *pdfDoc) kv(items []KV) error {
	const keyW, size = 130.0, 9.0
	lh := size * 1.3
	for _, it := range items {
		if err := d.setFont("gob", size); err != nil {
			return err
		}
		kl, err := d.wrap(d.clean(it.Key), keyW-6)
		if err != nil {
			return err
		}
		if err := d.setFont("go", size); err != nil {
			return err
		}
		vl, err := d.wrap(d.clean(it.Value), contentW-keyW)
		if err != nil {
			return err
		}
		n := max(len(kl), len(vl))
		d.need(float64(n) * lh)
		for i, l := range vl {
			if err := d.text(marginX+keyW, d.y+float64(i)*lh, contentW-keyW, l, false); err != nil {
				return err
			}
		}
		if err := d.setFont("gob", size); err != nil {
			return err
		}
		for i, l := range kl {
			if err := d.text(marginX, d.y+float64(i)*lh, keyW-6, l, false); err != nil {
				return err
			}
		}
		d.y += float64(n) * lh
	}
	d.y += 5
	return nil
}

func (d *pdfDoc) table(g *Grid) error {
	if g.Mono {
		return d.monoTable(g)
	}
	size, body := 8.0, "go"
	lh := size * 1.3
	var sum float64
	for _, w := range g.Width {
		sum += w
	}
	xs := make([]float64, len(g.Width)+1)
	xs[0] = marginX
	for i, w := range g.Width {
		xs[i+1] = xs[i] + w/sum*contentW
	}
	head := func() error {
		if err := d.setFont("gob", size); err != nil {
			return err
		}
		lines := make([][]string, len(g.Head))
		n := 1
		for i, h := range g.Head {
			l, err := d.wrap(h, xs[i+1]-xs[i]-4)
			if err != nil {
				return err
			}
			lines[i], n = l, max(n, len(l))
		}
		h := float64(n)*lh + 3
		d.gp.SetFillColor(225, 225, 225)
		d.gp.RectFromUpperLeftWithStyle(marginX, d.y, contentW, h, "F")
		d.gp.SetFillColor(0, 0, 0) // PDF text is drawn in the fill colour
		for i, l := range lines {
			for j, s := range l {
				if err := d.text(xs[i]+2, d.y+1.5+float64(j)*lh, xs[i+1]-xs[i]-4, s, g.Right[i]); err != nil {
					return err
				}
			}
		}
		d.y += h
		return nil
	}
	d.need(3 * lh)
	if err := head(); err != nil {
		return err
	}
	if err := d.setFont(body, size); err != nil {
		return err
	}
	d.gp.SetLineWidth(0.3)
	for ri, row := range g.Rows {
		total := g.Total && ri == len(g.Rows)-1
		font := body
		if total {
			font = "gob"
		}
		if err := d.setFont(font, size); err != nil {
			return err
		}
		lines := make([][]string, len(row))
		n := 1
		for i, c := range row {
			l, err := d.wrap(d.clean(c), xs[i+1]-xs[i]-4)
			if err != nil {
				return err
			}
			lines[i], n = l, max(n, len(l))
		}
		h := float64(n)*lh + 3
		if d.y+h > contentEnd {
			d.newPage()
			if err := head(); err != nil {
				return err
			}
			if err := d.setFont(font, size); err != nil {
				return err
			}
		}
		for i, l := range lines {
			for j, s := range l {
				if err := d.text(xs[i]+2, d.y+1.5+float64(j)*lh, xs[i+1]-xs[i]-4, s, g.Right[i]); err != nil {
					return err
				}
			}
		}
		if total {
			d.gp.SetLineWidth(0.8)
			d.gp.Line(marginX, d.y, pageW-marginX, d.y)
			d.gp.SetLineWidth(0.3)
		} else {
			d.gp.Line(marginX, d.y+h, pageW-marginX, d.y+h)
		}
		d.y += h
	}
	d.y += 8
	return nil
}

// monoTable draws a hash table one text line per row, columns padded with
// spaces in Go Mono: one PDF text object per row instead of one per cell,
// which is what keeps a 50 000-row appendix's pages small in memory.
func (d *pdfDoc) monoTable(g *Grid) error {
	widths := make([]int, len(g.Head))
	for _, row := range append([][]string{g.Head}, g.Rows...) {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(row []string) string {
		var b strings.Builder
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if g.Right[i] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		return b.String()
	}
	chars := len(widths) * 2
	for _, w := range widths {
		chars += w
	}
	// Go Mono advances 0.6 em per character.
	size := min(7.0, contentW/(float64(chars)*0.6))
	lh := size*1.3 + 1.5
	if err := d.setFont("mono", size); err != nil {
		return err
	}
	head := func() error {
		d.gp.SetFillColor(225, 225, 225)
		d.gp.RectFromUpperLeftWithStyle(marginX, d.y, contentW, lh+1, "F")
		d.gp.SetFillColor(0, 0, 0)
		if err := d.text(marginX+1, d.y+1.5, contentW, line(g.Head), false); err != nil {
			return err
		}
		d.y += lh + 1
		return nil
	}
	d.need(3 * lh)
	if err := head(); err != nil {
		return err
	}
	for _, row := range g.Rows {
		if d.y+lh > contentEnd {
			d.newPage()
			if err := head(); err != nil {
				return err
			}
		}
		if err := d.text(marginX+1, d.y+1, contentW, d.clean(line(row)), false); err != nil {
			return err
		}
		d.y += lh
	}
	d.y += 8
	return nil
}

// frame draws every page's header (case number) and footer (Page n of N),
// once the page count is known.
func (d *pdfDoc) frame(heading string) error {
	n := d.gp.GetNumberOfPages()
	heading = d.clean(heading)
	d.gp.SetFillColor(0, 0, 0)
	for i := 1; i <= n; i++ {
		if err := d.gp.SetPage(i); err != nil {
			return err
		}
		if err := d.setFont("gob", 8.5); err != nil {
			return err
		}
		h, err := d.fit(heading, contentW*0.6)
		if err != nil {
			return err
		}
		if err := d.text(marginX, 26, contentW*0.6, h, false); err != nil {
			return err
		}
		if err := d.setFont("go", 8.5); err != nil {
			return err
		}
		if err := d.text(marginX+contentW*0.6, 26, contentW*0.4, ReportName, true); err != nil {
			return err
		}
		d.gp.SetLineWidth(0.6)
		d.gp.Line(marginX, 40, pageW-marginX, 40)
		d.gp.Line(marginX, pageH-38, pageW-marginX, pageH-38)
		d.gp.SetXY(marginX, pageH-32)
		if err := d.gp.CellWithOption(&gopdf.Rect{W: contentW, H: 10}, fmt.Sprintf("Page %d of %d", i, n), gopdf.CellOption{Align: gopdf.Center | gopdf.Top}); err != nil {
			return err
		}
	}
	return nil
}

// fit shortens s with an ellipsis until it is no wider than w.
func (d *pdfDoc) fit(s string, w float64) (string, error) {
	r := []rune(s)
	for cut := false; ; cut = true {
		t := string(r)
		if cut {
			t += "…"
		}
		tw, err := d.gp.MeasureTextWidth(t)
		if err != nil {
			return "", err
		}
		if tw <= w || len(r) == 0 {
			return t, nil
		}
		r = r[:len(r)-1]
	}
}
