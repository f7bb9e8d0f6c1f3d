package categorize

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"

	"scrim/categorize/neardup"
	"scrim/store"
)

// VideoRule decides whether two videos are copies of each other from their
// sampled frames (hashed like pictures, see ingest/video). Frame positions
// move when a copy is trimmed or re-encoded, so it compares frame sets, not
// positions: a frame "has a partner" when some frame of the other video is
// within Frame (the picture near-duplicate rule, mirror images included).
//
// Two videos match when, counted on each side, at least
// max(min(MinFrames, shorter), ceil(MinShare × shorter)) frames have a
// partner, where shorter is the smaller frame count. Counting both sides
// stops one still scene of one video from matching every frame of another.
type VideoRule struct {
	Frame     neardup.Rule
	MinFrames int
	MinShare  float64
}

// DefaultVideoRule is at least 3 frames and 20 % of the shorter video's
// frames on both sides, each within neardup.DefaultRule. Measured by
// TestVideoMatching (categorize/video_test.go) on 8 generated 6 s clips of
// three shots each and 3 copies of each (re-encoded at a third of the
// bitrate, scaled to 50 %, first 10 % cut off): see the README for numbers.
func DefaultVideoRule() VideoRule {
	return VideoRule{Frame: neardup.DefaultRule(), MinFrames: 3, MinShare: 0.2}
}

// need is how many frames on each side must have a partner.
func (r VideoRule) need(na, nb int) int {
	shorter := min(na, nb)
	return max(min(r.MinFrames, shorter), int(math.Ceil(r.MinShare*float64(shorter))))
}

// videoTable holds the hashed frames of every video for near-duplicate work.
type videoTable struct {
	sha   []string // per video
	first []int    // frames of video v are first[v]:first[v+1]
	owner []int    // per frame: its video
	phash []uint64 // per frame
	dhash []uint64
	index *neardup.Index // over frame pHashes
}

func (e *Engine) videos() (*videoTable, error) {
	t := &videoTable{index: neardup.New()}
	err := e.st.EachMedia(func(m store.Media) error {
		if len(m.Frames) == 0 {
			return nil
		}
		v := len(t.sha)
		t.sha = append(t.sha, m.SHA256)
		t.first = append(t.first, len(t.phash))
		for _, f := range m.Frames {
			p, err1 := strconv.ParseUint(f.PHash, 16, 64)
			d, err2 := strconv.ParseUint(f.DHash, 16, 64)
			if err1 != nil || err2 != nil {
				continue
			}
			t.index.Add(uint32(len(t.phash)), p)
			t.owner = append(t.owner, v)
			t.phash = append(t.phash, p)
			t.dhash = append(t.dhash, d)
		}
		return nil
	})
	t.first = append(t.first, len(t.phash))
	return t, err
}

func (t *videoTable) frames(v int) int { return t.first[v+1] - t.first[v] }

// hashPair is one pHash/dHash pair to look up.
type hashPair struct{ p, d uint64 }

// nearFrames calls fn for every frame of the table within rule of (p, d) or
// of its mirror image, with the pHash distance.
func nearFrames(index *neardup.Index, ph, dh []uint64, p, d uint64, rule neardup.Rule, fn func(j, dist int)) {
	mp, md := neardup.MirrorVariant(p, d)
	for _, q := range [2]hashPair{{p, d}, {mp, md}} {
		for _, m := range index.Query(q.p, rule.PHashRadius) {
			j := int(m.ID)
			if ok, dist := rule.Similar(q.p, q.d, ph[j], dh[j]); ok {
				fn(j, dist)
			}
		}
	}
}

// videoMatch is one video found to be a copy of another.
type videoMatch struct {
	video    int
	distance int // median pHash distance of the matched frames
	shared   int // frames with a partner, the smaller of the two sides
	need     int
}

// nearVideos lists the other videos that match video a under rule.
func (t *videoTable) nearVideos(a int, rule VideoRule) []videoMatch {
	type tally struct {
		mine   map[int]int // frame of a -> best distance to this video
		theirs map[int]bool
	}
	tallies := map[int]*tally{}
	for fa := t.first[a]; fa < t.first[a+1]; fa++ {
		nearFrames(t.index, t.phash, t.dhash, t.phash[fa], t.dhash[fa], rule.Frame, func(fb, dist int) {
			v := t.owner[fb]
			if v == a {
				return
			}
			tl := tallies[v]
			if tl == nil {
				tl = &tally{mine: map[int]int{}, theirs: map[int]bool{}}
				tallies[v] = tl
			}
			if old, ok := tl.mine[fa]; !ok || dist < old {
				tl.mine[fa] = dist
			}
			tl.theirs[fb] = true
		})
	}
	var out []videoMatch
	for v, tl := range tallies {
		shared := min(len(tl.mine), len(tl.theirs))
		need := rule.need(t.frames(a), t.frames(v))
		if shared < need || need == 0 {
			continue
		}
		ds := make([]int, 0, len(tl.mine))
		for _, d := range tl.mine {
			ds = append(ds, d)
		}
		sort.Ints(ds)
		out = append(out, videoMatch{video: v, distance: ds[len(ds)/2], shared: shared, need: need})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].video < out[j].video })
	return out
}

// suggestVideos extends Suggest to videos: a copy of a categorized video, a
// video showing a categorized picture, and a picture that is a still of a
// categorized video each get its category as a suggestion, through the same
// assignments as pictures (kind "suggested", source the categorized media).
func (e *Engine) suggestVideos(ctx context.Context, pics *pictureTable) error {
	vt, err := e.videos()
	if err != nil || len(vt.sha) == 0 {
		return err
	}
	vpos := make(map[string]int, len(vt.sha))
	for i, s := range vt.sha {
		vpos[s] = i
	}
	ppos := make(map[string]int, len(pics.sha))
	for i, s := range pics.sha {
		ppos[s] = i
	}
	type decided struct {
		sha string
		cat store.Category
	}
	var sources []decided
	err = e.st.EachCategory(func(sha string, c store.Category) error {
		if strings.HasPrefix(c.Source, "examiner:") || strings.HasPrefix(c.Source, "hashset:") {
			sources = append(sources, decided{sha, c})
		}
		return nil
	})
	if err != nil {
		return err
	}
	rule := DefaultVideoRule()
	rule.Frame = e.rule
	suggest := func(target string, src decided, dist int) error {
		a := store.Assignment{Category: src.cat.Category, Kind: "suggested", Source: src.sha, At: e.now().UTC(), Distance: dist}
		if err := e.st.AddAssignment(target, a); err != nil {
			return err
		}
		_, err := e.Recompute(target)
		return err
	}
	for _, src := range sources {
		if err := ctx.Err(); err != nil {
			return err
		}
		if v, ok := vpos[src.sha]; ok {
			for _, m := range vt.nearVideos(v, rule) {
				if err := suggest(vt.sha[m.video], src, m.distance); err != nil {
					return err
				}
			}
			// Pictures that are stills of this video.
			best := map[int]int{}
			for f := vt.first[v]; f < vt.first[v+1]; f++ {
				nearFrames(pics.index, pics.phash, pics.dhash, vt.phash[f], vt.dhash[f], e.rule, func(j, dist int) {
					if old, ok := best[j]; !ok || dist < old {
						best[j] = dist
					}
				})
			}
			for _, j := range sortedKeys(best) {
				if err := suggest(pics.sha[j], src, best[j]); err != nil {
					return err
				}
			}
		}
		if i, ok := ppos[src.sha]; ok {
			// Videos with a frame like this picture.
			best := map[int]int{}
			nearFrames(vt.index, vt.phash, vt.dhash, pics.phash[i], pics.dhash[i], e.rule, func(f, dist int) {
				v := vt.owner[f]
				if old, ok := best[v]; !ok || dist < old {
					best[v] = dist
				}
			})
			for _, v := range sortedKeys(best) {
				if err := suggest(vt.sha[v], src, best[v]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func sortedKeys(m map[int]int) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
