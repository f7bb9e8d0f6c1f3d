package demo

// corrupt writes pictures that must not decode: truncated, garbage behind
// a JPEG magic, empty, and a decompression bomb.
func (g *generation) corrupt() error {
	r := newRand(g.opt.Seed, streamOther)
	src := g.orig[6] // a JPEG scene (see placeOriginal)
	files := []struct {
		f    File
		data []byte
	}{
		{File{Path: "Users/alex/Downloads/download_incomplete.jpg", Type: fmtJPEG, Kind: KindPicture, Scene: 6, Variant: "corrupt-truncated", Corrupt: true}, truncated(src.data)},
		{File{Path: "tmp/cache/a/b/c/d/broken.jpg", Type: fmtJPEG, Kind: KindPicture, Scene: -1, Variant: "corrupt-garbage", Corrupt: true}, garbageJPEG(r, 20000+r.IntN(20000))},
		{File{Path: "Users/alex/Pictures/holiday/IMG_EMPTY.jpg", Type: "empty", Kind: KindOther, Scene: -1, Variant: "empty", Corrupt: true}, nil},
		{File{Path: "Users/alex/Downloads/huge_panorama.png", Type: fmtPNG, Kind: KindPicture, Scene: -1, Variant: "bomb", Corrupt: true}, bombPNG()},
	}
	for _, c := range files {
		if err := g.w.write(c.f, c.data, g.clock.any()); err != nil {
			return err
		}
	}
	return nil
}

// documents writes non-pictures, one of them posing as a PNG.
func (g *generation) documents() error {
	r := newRand(g.opt.Seed, streamOther+100)
	other := func(p, typ, variant string, corrupt bool) File {
		return File{Path: p, Type: typ, Kind: KindOther, Scene: -1, Variant: variant, Corrupt: corrupt}
	}
	files := []struct {
		f    File
		data []byte
	}{
		{other("Users/alex/Documents/todo.txt", "text", "nonpicture", false), todoText(r)},
		{other("Users/alex/Documents/expenses.csv", "text", "nonpicture", false), expensesCSV(r)},
		{other("Users/alex/Documents/invoice.pdf", "pdf", "nonpicture", false), minimalPDF(r)},
		{other("Windows/System32/drivers/etc/hosts", "text", "nonpicture", false), hostsText()},
		{other("tmp/cache/a/b/c/blob.bin", "unknown", "nonpicture", false), randomBytes(r, 32<<10+r.IntN(32<<10))},
		{other("Users/alex/Documents/empty.txt", "empty", "empty", false), nil},
		{other("Users/alex/Downloads/not_a_picture.png", "text", "nonpicture", true), []byte("this is not a picture\n")},
	}
	for _, d := range files {
		if err := g.w.write(d.f, d.data, g.clock.any()); err != nil {
			return err
		}
	}
	return nil
}
