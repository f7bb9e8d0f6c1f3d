package desk

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"scrim/profile"
)

// dayChart draws one examiner's revealed time per day as bars with the
// daily limit, in vectors (rectangles, lines, text) so it is crisp at any
// screen scale and takes the theme's colours. The axis follows the data
// (profile.ChartAxis): a short day still shows as a bar.
type dayChart struct {
	widget.BaseWidget
	days  []profile.DayFigures
	limit time.Duration
}

// chartMinSize is the chart's size on the dashboard.
var chartMinSize = fyne.NewSize(600, 180)

func newDayChart(s profile.ExaminerSummary, limit time.Duration) *dayChart {
	c := &dayChart{days: s.Days, limit: limit}
	c.ExtendBaseWidget(c)
	return c
}

func (c *dayChart) MinSize() fyne.Size { return chartMinSize }

func (c *dayChart) CreateRenderer() fyne.WidgetRenderer {
	r := &chartRenderer{c: c}
	r.build()
	return r
}

type chartRenderer struct {
	c          *dayChart
	top        float64 // seconds at the top of the axis
	onScale    bool    // the limit line is drawn within the axis
	axisY      *canvas.Line
	axisX      *canvas.Line
	ticks      []*canvas.Text // top, middle, 0
	grid       []*canvas.Line // faint lines at the top and middle ticks
	bars       []*canvas.Rectangle
	dates      []*canvas.Text
	limitLine  *canvas.Line
	limitLabel *canvas.Text
	objects    []fyne.CanvasObject
}

// maxBarWidth keeps a day a bar when few days are shown.
const maxBarWidth = 48

// Chart margins: room for the axis labels on the left and dates below.
const chartLeft, chartBottom, chartTop, chartRight = 64, 20, 10, 12

func (r *chartRenderer) build() {
	fg := theme.Color(theme.ColorNameForeground)
	faint := theme.Color(theme.ColorNameSeparator)
	bar := theme.Color(theme.ColorNamePrimary)
	alarm := theme.Color(theme.ColorNameError)
	r.top, r.onScale = profile.ChartAxis(profile.ExaminerSummary{Days: r.c.days}, r.c.limit)
	r.axisY, r.axisX = canvas.NewLine(fg), canvas.NewLine(fg)
	r.objects = nil
	r.ticks, r.grid, r.bars, r.dates = nil, nil, nil, nil
	for i, v := range []float64{r.top, r.top / 2, 0} {
		t := canvas.NewText(axisLabel(v), fg)
		t.TextSize = 11
		t.Alignment = fyne.TextAlignTrailing
		r.ticks = append(r.ticks, t)
		if i < 2 {
			g := canvas.NewLine(faint)
			r.grid = append(r.grid, g)
			r.objects = append(r.objects, g)
		}
	}
	for _, d := range r.c.days {
		c := bar
		if d.OverLimit {
			c = alarm
		}
		r.bars = append(r.bars, canvas.NewRectangle(c))
		t := canvas.NewText(d.Date[5:], fg)
		t.TextSize = 10
		t.Alignment = fyne.TextAlignCenter
		r.dates = append(r.dates, t)
	}
	r.limitLine, r.limitLabel = nil, nil
	if r.c.limit > 0 {
		r.limitLabel = canvas.NewText("", alarm)
		r.limitLabel.TextSize = 11
		if r.onScale {
			r.limitLine = canvas.NewLine(alarm)
			r.limitLine.StrokeWidth = 2
			r.limitLabel.Text = "daily limit " + spoken(r.c.limit)
			r.objects = append(r.objects, r.limitLine)
		} else {
			r.limitLabel.Text = "daily limit " + spoken(r.c.limit) + " ↑ far above, off the scale"
			r.limitLabel.Alignment = fyne.TextAlignTrailing
		}
	}
	for _, b := range r.bars {
		r.objects = append(r.objects, b)
	}
	r.objects = append(r.objects, r.axisY, r.axisX)
	for _, t := range r.ticks {
		r.objects = append(r.objects, t)
	}
	for _, t := range r.dates {
		r.objects = append(r.objects, t)
	}
	if r.limitLabel != nil {
		r.objects = append(r.objects, r.limitLabel)
	}
}

// y is where v seconds sit on a plot of height ph below chartTop.
func (r *chartRenderer) y(v float64, ph float32) float32 {
	return chartTop + ph - float32(v/r.top)*ph
}

func (r *chartRenderer) Layout(size fyne.Size) {
	pw, ph := size.Width-chartLeft-chartRight, size.Height-chartTop-chartBottom
	if pw <= 0 || ph <= 0 {
		return
	}
	x0, y0 := float32(chartLeft), chartTop+ph
	r.axisY.Position1, r.axisY.Position2 = fyne.NewPos(x0, chartTop), fyne.NewPos(x0, y0)
	r.axisX.Position1, r.axisX.Position2 = fyne.NewPos(x0, y0), fyne.NewPos(x0+pw, y0)
	for i, v := range []float64{r.top, r.top / 2, 0} {
		t := r.ticks[i]
		ts := t.MinSize()
		t.Move(fyne.NewPos(x0-6-60, r.y(v, ph)-ts.Height/2))
		t.Resize(fyne.NewSize(60, ts.Height))
		if i < 2 {
			r.grid[i].Position1, r.grid[i].Position2 = fyne.NewPos(x0, r.y(v, ph)), fyne.NewPos(x0+pw, r.y(v, ph))
		}
	}
	n := len(r.bars)
	slot := pw / float32(max(n, 1))
	for i, d := range r.c.days {
		h := float32(d.RevealedSeconds/r.top) * ph
		if d.RevealedSeconds > 0 {
			h = max(h, 3) // a day with any reveal is never an empty slot
		}
		h = min(h, ph)
		bw := min(max(slot*0.7, 1), maxBarWidth)
		x := x0 + float32(i)*slot + (slot-bw)/2
		r.bars[i].Move(fyne.NewPos(x, y0-h))
		r.bars[i].Resize(fyne.NewSize(bw, h))
		t := r.dates[i]
		t.Hidden = !(slot >= 44 || i == 0 || i == n-1)
		t.Move(fyne.NewPos(x0+float32(i)*slot, y0+3))
		t.Resize(fyne.NewSize(slot, t.MinSize().Height))
	}
	if r.limitLabel != nil {
		ls := r.limitLabel.MinSize()
		if r.limitLine != nil {
			ly := r.y(r.c.limit.Seconds(), ph)
			r.limitLine.Position1, r.limitLine.Position2 = fyne.NewPos(x0, ly), fyne.NewPos(x0+pw, ly)
			r.limitLabel.Move(fyne.NewPos(x0+6, ly-ls.Height-1))
		} else {
			r.limitLabel.Move(fyne.NewPos(x0+pw-ls.Width, chartTop))
		}
		r.limitLabel.Resize(ls)
	}
}

func (r *chartRenderer) MinSize() fyne.Size           { return chartMinSize }
func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *chartRenderer) Destroy()                     {}

// Refresh rebuilds the drawing: the theme (dark or light) may have changed.
func (r *chartRenderer) Refresh() {
	r.build()
	r.Layout(r.c.Size())
	canvas.Refresh(r.c)
}

// axisLabel writes an axis value in the unit people read it in.
func axisLabel(secs float64) string {
	if secs == 0 {
		return "0"
	}
	if secs < 10 && secs != float64(int(secs)) {
		return fmt.Sprintf("%.1f s", secs)
	}
	return spoken(time.Duration(secs * float64(time.Second)))
}

// spoken writes a duration the way the dashboard says it: "3 s",
// "12 min 30 s", "1 h 5 min".
func spoken(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%d h %d min", h, m)
	case h > 0:
		return fmt.Sprintf("%d h", h)
	case m > 0 && s > 0:
		return fmt.Sprintf("%d min %d s", m, s)
	case m > 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d s", s)
}
