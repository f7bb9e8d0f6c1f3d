package categorize

import (
	"math"
	"sort"
	"strconv"

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

// tables are the case's fingerprints, pictures and video frames, indexed
// for near-duplicate search.
type tables struct {
	pics  *pictureTable
	vids  *videoTable
	ppos  map[string]int
	vpos  map[string]int
	vrule VideoRule
}

func (e *Engine) buildTables() (*tables, error) {
	pics, err := e.pictures()
	if err != nil {
		return nil, err
	}
	vids, err := e.videos()
	if err != nil {
		return nil, err
	}
	tb := &tables{pics: pics, vids: vids, ppos: make(map[string]int, len(pics.sha)), vpos: make(map[string]int, len(vids.sha)),
		vrule: DefaultVideoRule()}
	tb.vrule.Frame = e.rule
	for i, s := range pics.sha {
		tb.ppos[s] = i
	}
	for i, s := range vids.sha {
		tb.vpos[s] = i
	}
	return tb, nil
}

// target is one media a suggestion from a categorized media goes to.
type target struct {
	sha  string
	dist int
}

// nearTargets lists what a categorized media suggests its category to: the
// near-duplicates of a picture (mirror images too) and the videos with a
// frame like it; the copies of a video and the pictures that are stills of
// it.
func (tb *tables) nearTargets(src string, rule neardup.Rule) []target {
	var out []target
	pics, vt := tb.pics, tb.vids
	if i, ok := tb.ppos[src]; ok {
		for _, m := range pics.near(i, rule) {
			out = append(out, target{pics.sha[m.ID], m.Distance})
		}
		best := map[int]int{}
		nearFrames(vt.index, vt.phash, vt.dhash, pics.phash[i], pics.dhash[i], rule, func(f, dist int) {
			v := vt.owner[f]
			if old, ok := best[v]; !ok || dist < old {
				best[v] = dist
			}
		})
		for _, v := range sortedKeys(best) {
			out = append(out, target{vt.sha[v], best[v]})
		}
	}
	if v, ok := tb.vpos[src]; ok {
		for _, m := range vt.nearVideos(v, tb.vrule) {
			out = append(out, target{vt.sha[m.video], m.distance})
		}
		best := map[int]int{}
		for f := vt.first[v]; f < vt.first[v+1]; f++ {
			nearFrames(pics.index, pics.phash, pics.dhash, vt.phash[f], vt.dhash[f], rule, func(j, dist int) {
				if old, ok := best[j]; !ok || dist < old {
					best[j] = dist
				}
			})
		}
		for _, j := range sortedKeys(best) {
			out = append(out, target{pics.sha[j], best[j]})
		}
	}
	return out
}

func sortedKeys(m map[int]int) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
