package desk

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"scrim/store"
	"scrim/ui/review"
)

// ShowDetails lists everything known about the current item: its hashes,
// every place it was found, its category history and the hash sets that
// matched it. The picture itself stays in the grid, blurred.
func (w *Workstation) ShowDetails() {
	if w.desk == nil || w.desk.Model.Len() == 0 {
		return
	}
	w.endReveal("details")
	var body string
	var boxes fyne.CanvasObject
	if w.court != nil {
		body = w.courtDetailsText(w.desk.Model.At(w.cur).Hex())
	} else {
		d, err := review.LoadDetails(w.st, w.desk.Model.At(w.cur).Hex())
		if err != nil {
			w.say("details: %v", err)
			return
		}
		body = w.detailsText(d)
		boxes = w.faceBoxes(d)
	}
	text := widget.NewLabel(body)
	text.TextStyle = fyne.TextStyle{Monospace: true}
	text.Wrapping = fyne.TextWrapBreak
	back := widget.NewButton("Back to the grid (Enter / Esc)", w.showReview)
	keys := newKeyCatcherFunc(w.showReview, w)
	top := header("Details", back)
	var content fyne.CanvasObject = text
	if boxes != nil {
		content = container.NewVBox(container.NewHBox(boxes), text)
	}
	w.show("details", container.NewBorder(top, nil, nil, nil, container.NewStack(keys, container.NewVScroll(content))))
	w.win.Canvas().Focus(keys)
}

func (w *Workstation) detailsText(d review.Details) string {
	var b strings.Builder
	m := d.Media
	fmt.Fprintf(&b, "SHA-256  %s\nMD5      %s\nSHA-1    %s\n", m.SHA256, m.MD5, m.SHA1)
	fmt.Fprintf(&b, "Type     %s (%s, %s), %d bytes", m.Type, m.Kind, m.MIME, m.Size)
	if m.Width > 0 {
		fmt.Fprintf(&b, ", %d×%d", m.Width, m.Height)
	}
	b.WriteString("\n")
	if m.PHash != "" {
		fmt.Fprintf(&b, "pHash    %s   dHash %s   decoder %s\n", m.PHash, m.DHash, m.Decoder)
	}
	if m.Error != "" {
		fmt.Fprintf(&b, "Problem  %s\n", m.Error)
	}
	b.WriteString("\nCategory ")
	if d.Category.Category == "" {
		b.WriteString("none yet\n")
	} else {
		label := ""
		if c, ok := w.scheme.ByCode(d.Category.Category); ok {
			label = c.Label
		}
		fmt.Fprintf(&b, "%s %s — %s, %s\n", d.Category.Category, label, d.Category.Source, store.FormatTime(d.Category.At))
		for _, c := range d.Category.Conflict {
			fmt.Fprintf(&b, "         conflict: %s\n", c)
		}
	}
	if len(d.HashSets) > 0 {
		fmt.Fprintf(&b, "Hash sets that list it: %s\n", strings.Join(d.HashSets, ", "))
	}
	signalsText(&b, d.Signals)
	if len(d.Lab) > 0 {
		fmt.Fprintf(&b, "Lab library decisions: %s\n", strings.Join(d.Lab, ", "))
	}
	fmt.Fprintf(&b, "\nHistory (%d)\n", len(d.History))
	for _, a := range d.History {
		fmt.Fprintf(&b, "  %s  %-9s %-3s by %s", store.FormatTime(a.At), a.Kind, a.Category, a.Source)
		if a.Kind == "suggested" || a.Kind == store.AssignLabNear {
			fmt.Fprintf(&b, " (distance %d)", a.Distance)
		}
		if a.Kind == "undo" {
			fmt.Fprintf(&b, " (takes back the decision of %s)", store.FormatTime(a.Withdraws))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nFound in %d place(s)\n", len(d.Occurrences))
	for _, o := range d.Occurrences {
		how := "live"
		switch {
		case o.Carved:
			how = "carved"
		case o.Deleted:
			how = "deleted"
		}
		where := o.Evidence
		if o.Volume != "" || o.FS != "" {
			where += " " + strings.Trim(o.Volume+":"+o.FS, ":")
		}
		fmt.Fprintf(&b, "  %s  %s  %s", where, how, o.ShownPlace())
		if o.Inode != 0 {
			fmt.Fprintf(&b, "  inode %d", o.Inode)
		}
		if o.Carved {
			fmt.Fprintf(&b, "  offset %d", o.Offset)
		}
		if o.Mtime != "" {
			fmt.Fprintf(&b, "  modified %s", o.Mtime)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// faceBoxes is a picture's blurred, grayscale preview with the models' face
// boxes drawn on it, or nil when there are none to show (videos list their
// frames' faces in the text instead: their thumbnail is a contact sheet).
func (w *Workstation) faceBoxes(d review.Details) fyne.CanvasObject {
	g := d.Signals
	if g == nil || len(g.Faces) == 0 || d.Media.Kind != "picture" {
		return nil
	}
	thumb, err := w.st.Thumbnail(d.Media.SHA256)
	if err != nil {
		return nil
	}
	img, err := facePreview(thumb, g.Faces, d.Media.Width, d.Media.Height, w.opt.Preview)
	if err != nil {
		return nil
	}
	view := canvas.NewImageFromImage(img)
	view.FillMode = canvas.ImageFillContain
	view.ScaleMode = canvas.ImageScalePixels
	view.SetMinSize(fyne.NewSize(float32(img.Bounds().Dx()), float32(img.Bounds().Dy())))
	w.detailsBoxes = view
	return view
}
