package profile

import (
	"encoding/csv"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/math/fixed"
)

// CSVHeader is the first row WriteCSV writes.
var CSVHeader = []string{"examiner", "role", "date", "grid_seconds", "revealed_seconds", "reveals", "interrupted",
	"items_reviewed", "categories", "clock_suspect", "over_limit"}

// WriteCSV writes one row per examiner and day; categories as "name=count;...".
func WriteCSV(w io.Writer, sums []ExaminerSummary) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	for _, s := range sums {
		for _, d := range s.Days {
			row := []string{s.Examiner, s.Role, d.Date, secs(d.GridSeconds), secs(d.RevealedSeconds),
				strconv.Itoa(d.Reveals), strconv.Itoa(d.Interrupted), strconv.Itoa(d.ItemsReviewed),
				categories(d.Categories), strconv.Itoa(d.ClockSuspect), strconv.FormatBool(d.OverLimit)}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("write CSV: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

func secs(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) }

func categories(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, ";")
}

// Chart colours, shared by the image and the PDF.
var (
	barColour   = color.RGBA{0x4a, 0x6f, 0x8a, 0xff}
	overColour  = color.RGBA{0xb0, 0x5a, 0x3c, 0xff}
	limitColour = color.RGBA{0xd0, 0x10, 0x10, 0xff}
	axisColour  = color.RGBA{0x55, 0x55, 0x55, 0xff}
)

// limitOffScale: a daily limit more than this many times the busiest day
// does not set the scale (it is named beside the chart instead), so a day
// of a few seconds still shows as a bar.
const limitOffScale = 4

// ChartAxis is the top of a chart's y axis in seconds, from the data: the
// busiest day, or the daily limit when it is within reach of the data
// (limitOnScale), rounded up to a round number.
func ChartAxis(s ExaminerSummary, limit time.Duration) (top float64, limitOnScale bool) {
	most := 0.0
	for _, d := range s.Days {
		most = max(most, d.RevealedSeconds)
	}
	lim := limit.Seconds()
	switch {
	case lim > 0 && (most <= 0 || lim <= most*limitOffScale):
		return roundUp(max(most, lim) * 1.1), true
	case most > 0:
		return roundUp(most * 1.1), false
	}
	return 10, false
}

// roundUp is the next round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a
// power of ten) at or above x.
func roundUp(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if m*p >= x-1e-9 {
			return m * p
		}
	}
	return 10 * p
}

// Chart draws revealed seconds per day as bars, with a red line at the
// daily limit (none when limit is 0), on a w×h white image.
func Chart(s ExaminerSummary, limit time.Duration, w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	const left, bottom, top, right = 44, 18, 16, 8
	pw, ph := w-left-right, h-top-bottom
	if pw <= 0 || ph <= 0 {
		return img
	}
	fill := func(r image.Rectangle, c color.Color) {
		draw.Draw(img, r.Intersect(img.Bounds()), &image.Uniform{c}, image.Point{}, draw.Src)
	}
	label := func(x, y int, text string) {
		d := font.Drawer{Dst: img, Src: image.NewUniform(axisColour), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
		d.DrawString(text)
	}
	scale, limitShown := ChartAxis(s, limit)
	y0 := top + ph
	fill(image.Rect(left-1, top, left, y0+1), axisColour)
	fill(image.Rect(left-1, y0, left+pw, y0+1), axisColour)
	label(2, top+10, fmt.Sprintf("%.0fs", scale))
	label(2, y0, "0")
	if n := len(s.Days); n > 0 {
		slot := float64(pw) / float64(n)
		bw := int(slot * 0.7)
		if bw < 1 {
			bw = 1
		}
		for i, d := range s.Days {
			x := left + int(float64(i)*slot+slot*0.15)
			bh := int(d.RevealedSeconds / scale * float64(ph))
			if d.RevealedSeconds > 0 {
				bh = max(bh, 2) // a short day is still a day with reveals
			}
			c := barColour
			if d.OverLimit {
				c = overColour
			}
			fill(image.Rect(x, y0-bh, x+bw, y0), c)
			if slot >= 40 || i == 0 || i == n-1 {
				label(x, h-4, d.Date[5:])
			}
		}
	}
	switch {
	case limitShown:
		ly := y0 - int(limit.Seconds()/scale*float64(ph))
		fill(image.Rect(left, ly-1, left+pw, ly+1), limitColour)
		label(left+4, ly-3, "limit "+human(limit))
	case limit > 0:
		label(left+pw-180, top+10, "limit "+human(limit)+": off the scale")
	}
	label(left, top-4, s.Examiner+": revealed seconds per day")
	return img
}

// WritePDF writes an A4 report: per examiner a bar chart of revealed seconds
// per day with a red line at the daily limit, then a table of the days.
func WritePDF(w io.Writer, sums []ExaminerSummary, p Policy) error {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	if err := pdf.AddTTFFontData("go", goregular.TTF); err != nil {
		return fmt.Errorf("PDF font: %w", err)
	}
	if err := pdf.AddTTFFontData("gobold", gobold.TTF); err != nil {
		return fmt.Errorf("PDF font: %w", err)
	}
	const margin, pageH = 40.0, 842.0
	text := func(x, y float64, family string, size float64, s string) error {
		if err := pdf.SetFont(family, "", size); err != nil {
			return err
		}
		pdf.SetXY(x, y)
		return pdf.Cell(nil, s)
	}
	for _, s := range sums {
		pdf.AddPage()
		title := "Exposure report: " + s.Examiner
		if s.Role != "" {
			title += " (" + s.Role + ")"
		}
		if err := text(margin, margin, "gobold", 16, title); err != nil {
			return fmt.Errorf("PDF: %w", err)
		}
		pol := fmt.Sprintf("Policy: reveal at most %s each, %s per hour, %s per day; break of %s after %s; colour %s.",
			p.MaxReveal, cap0(p.RevealPerHour), cap0(p.RevealPerDay), p.BreakLength, p.BreakAfter, map[bool]string{true: "allowed", false: "off"}[p.ColourAllowed])
		if err := text(margin, margin+22, "go", 9, pol); err != nil {
			return fmt.Errorf("PDF: %w", err)
		}
		over := "no"
		if s.OverLimit {
			over = "yes"
		}
		facts := fmt.Sprintf("Breaks taken %d, ended early %d, skipped %d. Over the daily limit on any day: %s.",
			s.BreaksTaken, s.BreaksEndedEarly, s.BreaksSkipped, over)
		if err := text(margin, margin+36, "go", 9, facts); err != nil {
			return fmt.Errorf("PDF: %w", err)
		}
		if err := pdfChart(pdf, s, p.RevealPerDay, margin, margin+60, 515, 180); err != nil {
			return fmt.Errorf("PDF chart: %w", err)
		}
		cols := []float64{margin, margin + 80, margin + 150, margin + 230, margin + 285, margin + 355, margin + 405}
		head := []string{"Date", "Grid (s)", "Revealed (s)", "Reveals", "Interrupted", "Items", "Over limit"}
		y := margin + 270
		row := func(family string, cells []string) error {
			if y > pageH-margin {
				pdf.AddPage()
				y = margin
			}
			for i, c := range cells {
				if err := text(cols[i], y, family, 9, c); err != nil {
					return err
				}
			}
			y += 14
			return nil
		}
		if err := row("gobold", head); err != nil {
			return fmt.Errorf("PDF table: %w", err)
		}
		for _, d := range s.Days {
			ol := ""
			if d.OverLimit {
				ol = "over"
			}
			if err := row("go", []string{d.Date, fmt.Sprintf("%.1f", d.GridSeconds), fmt.Sprintf("%.1f", d.RevealedSeconds),
				strconv.Itoa(d.Reveals), strconv.Itoa(d.Interrupted), strconv.Itoa(d.ItemsReviewed), ol}); err != nil {
				return fmt.Errorf("PDF table: %w", err)
			}
		}
		y += 8
		if err := row("gobold", []string{"ISO week", "Grid (s)", "Revealed (s)", "Reveals", "Interrupted", "Items"}); err != nil {
			return fmt.Errorf("PDF table: %w", err)
		}
		for _, wk := range s.Weeks {
			if err := row("go", []string{wk.Week, fmt.Sprintf("%.1f", wk.GridSeconds), fmt.Sprintf("%.1f", wk.RevealedSeconds),
				strconv.Itoa(wk.Reveals), strconv.Itoa(wk.Interrupted), strconv.Itoa(wk.ItemsReviewed)}); err != nil {
				return fmt.Errorf("PDF table: %w", err)
			}
		}
	}
	if len(sums) == 0 {
		pdf.AddPage()
		if err := text(margin, margin, "go", 12, "No exposure recorded in this range."); err != nil {
			return fmt.Errorf("PDF: %w", err)
		}
	}
	if _, err := pdf.WriteTo(w); err != nil {
		return fmt.Errorf("write PDF: %w", err)
	}
	return nil
}

func cap0(d time.Duration) string {
	if d == 0 {
		return "no cap"
	}
	return d.String()
}

// pdfChart draws the Chart's bars and limit line as PDF vectors.
func pdfChart(pdf *gopdf.GoPdf, s ExaminerSummary, limit time.Duration, x, y, w, h float64) error {
	setFill := func(c color.RGBA) { pdf.SetFillColor(c.R, c.G, c.B) }
	pdf.SetStrokeColor(axisColour.R, axisColour.G, axisColour.B)
	pdf.SetLineWidth(0.8)
	pdf.Line(x, y, x, y+h)
	pdf.Line(x, y+h, x+w, y+h)
	scale, limitShown := ChartAxis(s, limit)
	if err := pdf.SetFont("go", "", 7); err != nil {
		return err
	}
	pdf.SetXY(x-30, y)
	if err := pdf.Cell(nil, fmt.Sprintf("%.0f s", scale)); err != nil {
		return err
	}
	n := len(s.Days)
	slot := w / float64(max(n, 1))
	for i, d := range s.Days {
		bh := d.RevealedSeconds / scale * h
		if d.RevealedSeconds > 0 {
			bh = max(bh, 1.5)
		}
		c := barColour
		if d.OverLimit {
			c = overColour
		}
		setFill(c)
		if bh > 0 {
			pdf.RectFromUpperLeftWithStyle(x+float64(i)*slot+slot*0.15, y+h-bh, slot*0.7, bh, "F")
		}
	}
	// Text takes the fill colour in PDF: labels are drawn after the bars.
	grey := color.RGBA{0x33, 0x33, 0x33, 0xff}
	setFill(grey)
	pdf.SetTextColor(grey.R, grey.G, grey.B)
	for i, d := range s.Days {
		if slot >= 28 || i == 0 || i == n-1 {
			pdf.SetXY(x+float64(i)*slot+slot*0.15, y+h+3)
			if err := pdf.Cell(nil, d.Date[5:]); err != nil {
				return err
			}
		}
	}
	if limit > 0 && !limitShown {
		pdf.SetXY(x, y+h+14)
		if err := pdf.Cell(nil, "Bars: revealed seconds per day. The daily limit "+limit.String()+" is far above them, off the scale."); err != nil {
			return err
		}
	}
	if limitShown {
		ly := y + h - limit.Seconds()/scale*h
		pdf.SetStrokeColor(limitColour.R, limitColour.G, limitColour.B)
		pdf.SetLineWidth(1.5)
		pdf.Line(x, ly, x+w, ly)
		setFill(limitColour)
		pdf.SetTextColor(limitColour.R, limitColour.G, limitColour.B)
		pdf.SetXY(x-30, ly-4)
		if err := pdf.Cell(nil, "limit"); err != nil {
			return err
		}
		pdf.SetXY(x, y+h+14)
		if err := pdf.Cell(nil, "Bars: revealed seconds per day. Red line: daily limit "+limit.String()+"."); err != nil {
			return err
		}
	}
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFillColor(0, 0, 0)
	pdf.SetStrokeColor(0, 0, 0)
	pdf.SetLineWidth(1)
	return nil
}
