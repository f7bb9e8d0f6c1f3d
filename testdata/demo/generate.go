package demo

import (
	"fmt"
	"image"
	"image/draw"
	"sort"
	"sync"
	"time"

	"github.com/disintegration/imaging"
)

// JPEG qualities of originals and of the heavily recompressed variant.
const (
	qualityOriginal     = 90
	qualityRecompressed = 35
)

func (o Options) withDefaults() (Options, error) {
	if o.Scenes == 0 {
		o.Scenes = DefaultScenes
	}
	if o.Size == 0 {
		o.Size = DefaultSize
	}
	if o.Scenes < MinScenes {
		return o, fmt.Errorf("demo: need at least %d scenes, got %d", MinScenes, o.Scenes)
	}
	if o.Size < MinSize {
		return o, fmt.Errorf("demo: need a size of at least %d px, got %d", MinSize, o.Size)
	}
	return o, nil
}

// generation holds the state of one Generate call.
type generation struct {
	opt    Options
	w      *writer
	clock  clock
	scenes []scene
	orig   []original
}

// original is a scene's first stored file.
type original struct {
	placement
	data []byte
	t    time.Time
}

// Generate writes the demo evidence tree under root (which must not exist
// or be empty) and returns its manifest. The same Options give the same
// bytes and mtimes.
func Generate(root string, opt Options) (*Manifest, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	w, err := newWriter(root)
	if err != nil {
		return nil, err
	}
	g := &generation{opt: opt, w: w, clock: clock{newRand(opt.Seed, streamDates)}}
	steps := []func() error{g.originals, g.copies, g.nearDuplicates, g.corrupt, g.documents}
	if opt.Videos {
		steps = append(steps, g.videos)
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return w.finish()
}

// originals renders and encodes all scenes in parallel, then writes them in
// index order so dates stay deterministic.
func (g *generation) originals() error {
	n := g.opt.Scenes
	g.scenes = make([]scene, n)
	g.orig = make([]original, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			g.scenes[i] = renderScene(g.opt.Seed, i, g.opt.Size)
			p := placeOriginal(i, n)
			data, err := encode(p.format, g.scenes[i].img, qualityOriginal)
			g.orig[i], errs[i] = original{placement: p, data: data}, err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			return fmt.Errorf("scene %d: %w", i, errs[i])
		}
		o := &g.orig[i]
		// Originals predate mid-2026 so their copies and edits, dated
		// after them, still fit in the period.
		o.t = g.clock.between(periodStart(), periodEnd().AddDate(0, -9, 0))
		f := File{Path: o.path, Type: o.format, Kind: KindPicture, Scene: i, Variant: o.variant}
		if err := g.w.write(f, o.data, o.t); err != nil {
			return err
		}
	}
	return nil
}

// copies writes exact byte duplicates, dated after their original.
func (g *generation) copies() error {
	plan := copyPlan(g.opt.Scenes)
	for _, i := range sortedKeys(plan) {
		o := g.orig[i]
		for _, p := range plan[i] {
			f := File{Path: p, Type: o.format, Kind: KindPicture, Scene: i, Variant: "copy", SameBytesAs: o.path}
			if err := g.w.write(f, o.data, g.clock.after(o.t, 200)); err != nil {
				return err
			}
		}
	}
	return nil
}

// nearDuplicates writes edited versions of some scenes as JPEGs.
func (g *generation) nearDuplicates() error {
	plan := nearPlan(g.opt.Scenes)
	for _, i := range sortedKeys(plan) {
		for _, v := range sortedKeys(plan[i]) {
			img, q := edit(g.scenes[i].img, v)
			data, err := encode(fmtJPEG, img, q)
			if err != nil {
				return fmt.Errorf("scene %d %s: %w", i, v, err)
			}
			f := File{Path: plan[i][v], Type: fmtJPEG, Kind: KindPicture, Scene: i, Variant: v}
			if err := g.w.write(f, data, g.clock.after(g.orig[i].t, 90)); err != nil {
				return err
			}
		}
	}
	return nil
}

// edit applies a near-duplicate variant and returns the JPEG quality to use.
func edit(img *image.RGBA, variant string) (image.Image, int) {
	b := img.Bounds()
	switch variant {
	case varResized:
		return imaging.Resize(img, b.Dx()/2, 0, imaging.Lanczos), qualityOriginal
	case varRecompressed:
		return img, qualityRecompressed
	case varCropped:
		return imaging.CropCenter(img, b.Dx()*9/10, b.Dy()*9/10), qualityOriginal
	case varGrayscale:
		// A true one-channel picture, as "save as greyscale" would write.
		gray := image.NewGray(b)
		draw.Draw(gray, b, img, b.Min, draw.Src)
		return gray, qualityOriginal
	case varMirrored:
		return imaging.FlipH(img), qualityOriginal
	}
	panic("demo: unknown variant " + variant) // plans only use the constants above
}

func sortedKeys[K int | string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
