package neardup

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"scrim/internal/benchrow"
)

// joinSet is n (pHash, dHash) pairs, a third near one of a few centres
// (so near pairs abound) and the rest random.
func joinSet(r *rand.Rand, n int, centres []uint64) (p, d []uint64) {
	for i := range n {
		h, g := r.Uint64(), r.Uint64()
		if i%5 == 1 { // blocks at the top key, 0xffff
			h = nearBy(r, ^uint64(0), r.IntN(12))
		}
		if i%3 == 0 {
			c := centres[r.IntN(len(centres))]
			h, g = nearBy(r, c, r.IntN(14)), nearBy(r, c*0x9e3779b97f4a7c15, r.IntN(16))
		}
		p, d = append(p, h), append(d, g)
	}
	return p, d
}

// bruteJoin is the rule applied to every pair.
func bruteJoin(ap, ad, bp, bd []uint64, rule Rule) []Pair {
	var out []Pair
	for i := range ap {
		for j := range bp {
			if ok, dist := rule.Similar(ap[i], ad[i], bp[j], bd[j]); ok {
				out = append(out, Pair{A: uint32(i), B: uint32(j), Distance: dist})
			}
		}
	}
	return out
}

func TestJoinMatchesBrute(t *testing.T) {
	seeds, rules := uint64(4), []Rule{DefaultRule(), {PHashRadius: 0, DHashRadius: 64}, {PHashRadius: 3, DHashRadius: 5}, {PHashRadius: 13, DHashRadius: 14}}
	if testing.Short() { // -race: one seed, the radii that sweep fewest masks
		seeds, rules = 1, rules[:3]
	}
	for seed := range seeds {
		r := rand.New(rand.NewPCG(seed, 7))
		centres := []uint64{r.Uint64(), r.Uint64(), r.Uint64()}
		ap, ad := joinSet(r, 300+r.IntN(400), centres)
		bp, bd := joinSet(r, 200+r.IntN(500), centres)
		for _, rule := range rules {
			want := bruteJoin(ap, ad, bp, bd, rule)
			for name, kern := range map[string]kernel{"fastest": pairMasks, "portable": pairMasksGo} {
				got := join(NewJoinSide(ap, ad), NewJoinSide(bp, bd), rule, kern)
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d rule %+v, %s kernel: join %d pairs, brute force %d", seed, rule, name, len(got), len(want))
				}
			}
			if seed == 0 && rule == DefaultRule() && len(want) < 100 {
				t.Fatalf("only %d near pairs: the test set does not exercise the join", len(want))
			}
		}
	}
}

func TestJoinEmpty(t *testing.T) {
	s := NewJoinSide([]uint64{1, 2}, []uint64{1, 2})
	if got := Join(NewJoinSide(nil, nil), s, DefaultRule()); len(got) != 0 {
		t.Fatal(got)
	}
	if got := Join(s, NewJoinSide(nil, nil), DefaultRule()); len(got) != 0 {
		t.Fatal(got)
	}
}

// FuzzJoin checks the join against the brute-force rule on small sides
// built from the fuzzer's bytes.
func FuzzJoin(f *testing.F) {
	f.Add([]byte("0123456789abcdef0123456789abcdeX"), uint8(10), uint8(12))
	f.Fuzz(func(t *testing.T, raw []byte, pr, dr uint8) {
		rule := Rule{PHashRadius: int(pr % 24), DHashRadius: int(dr % 65)}
		var ap, ad, bp, bd []uint64
		for i := 0; i+16 <= len(raw) && i < 16*64; i += 16 {
			p, d := le64(raw[i:]), le64(raw[i+8:])
			// both sides draw from the same bytes, the second side shifted
			// by a few bits, so near pairs are common
			ap, ad = append(ap, p), append(ad, d)
			bp, bd = append(bp, p^(1<<(i%64))^(uint64(raw[i])<<(raw[i+1]%57))), append(bd, d^uint64(raw[i+2]))
		}
		got := Join(NewJoinSide(ap, ad), NewJoinSide(bp, bd), rule)
		if want := bruteJoin(ap, ad, bp, bd, rule); !slices.Equal(got, want) {
			t.Fatalf("rule %+v: join %v, brute force %v", rule, got, want)
		}
	})
}

func le64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// BenchmarkJoin (SCRIM_BENCH_JOIN_N library entries against as many case
// pictures, default 200 k; 2 M against 1 M is the lab target's size):
// the block join beside querying an Index of the case with every entry,
// measured on a sample of the queries and scaled.
func BenchmarkJoin(b *testing.B) {
	row := benchrow.Start("categorize/neardup/join")
	na := envIntN("SCRIM_BENCH_JOIN_N", 200_000)
	nb := envIntN("SCRIM_BENCH_JOIN_CASE", na)
	r := rand.New(rand.NewPCG(1, 2))
	bal := func(n int) ([]uint64, []uint64) {
		p, d := make([]uint64, n), make([]uint64, n)
		for i := range p {
			p[i], d[i] = balancedHash(r), r.Uint64()
		}
		return p, d
	}
	ap, ad := bal(na)
	bp, bd := bal(nb)
	x := New()
	for i, h := range bp {
		x.Add(uint32(i), h)
	}
	x.Query(0, 0)
	rule := DefaultRule()
	sample := min(na, 20000)
	t0 := time.Now()
	found := 0
	for i := range sample {
		for _, m := range x.Query(ap[i], rule.PHashRadius) {
			if bits.OnesCount64(ad[i]^bd[m.ID]) <= rule.DHashRadius {
				found++
			}
		}
	}
	perQuery := time.Since(t0) / time.Duration(sample)
	bs := NewJoinSide(bp, bd)
	b.ResetTimer()
	var pairs []Pair
	for range b.N {
		pairs = Join(NewJoinSide(ap, ad), bs, rule)
	}
	per := b.Elapsed() / time.Duration(b.N)
	scaled := perQuery * time.Duration(na)
	fmt.Printf("BenchmarkJoin: %d × %d hashes: block join %.2f s (%d pairs) vs Index queries %.1f µs each = %.2f s for all = %.1f× faster\n",
		na, nb, per.Seconds(), len(pairs), float64(perQuery)/1e3, scaled.Seconds(), float64(scaled)/float64(per))
	row.Log(b, fmt.Sprintf("near-duplicate block join, %s × %s hashes, %d pairs", benchrow.Count(float64(na)), benchrow.Count(float64(nb)), len(pairs)), benchrow.Seconds(per),
		fmt.Sprintf("one index query per hash, in process (%d timed, scaled) %s", sample, benchrow.Seconds(scaled)), float64(scaled)/float64(per))
}

func envIntN(name string, def int) int {
	var v int
	if _, err := fmt.Sscan(os.Getenv(name), &v); err == nil && v > 0 {
		return v
	}
	return def
}
