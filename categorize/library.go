package categorize

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"scrim/categorize/hashset"
	"scrim/hashlib"
	"scrim/store"
)

// SetLibrary points the engine at a workstation hash library folder ("":
// match the case's own sets only). NewEngine uses hashlib.DefaultDir.
func (e *Engine) SetLibrary(dir string) { e.library = dir }

// Library is the hash library folder the engine matches ("" when none).
func (e *Engine) Library() string { return e.library }

// ImportLibrary imports a hash set once into the workstation hash library
// in dir, its codes mapped into scheme sch exactly as a case import maps
// them (and refused the same way: the set never reaches the library's
// manifest, and its temporary runs are removed). Every case
// of that scheme then matches it, without a copy of its entries.
func ImportLibrary(ctx context.Context, dir, path string, sch Scheme, opt ImportOptions, now time.Time) (hashlib.Set, hashset.Summary, error) {
	return importRuns(ctx, dir, dir, path, sch, opt, now, false)
}

// importRuns imports a set as sorted runs into the hash library folder dir
// (the workstation's, or a case's own: CaseSetsDir). library is what the
// set's provenance names as its library ("" for a case's own set); replace
// lets the set take the place of one of the same name.
func importRuns(ctx context.Context, dir, library, path string, sch Scheme, opt ImportOptions, now time.Time, replace bool) (hashlib.Set, hashset.Summary, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return hashlib.Set{}, hashset.Summary{}, err
	}
	name := opt.Name
	if name == "" {
		name = strings.TrimSuffix(baseName(path), ".json")
	}
	if opt.Category != "" {
		if _, ok := sch.ByCode(opt.Category); !ok {
			return hashlib.Set{}, hashset.Summary{}, fmt.Errorf("category %q is not in scheme %s (%s)", opt.Category, sch.ID, schemeCodes(sch))
		}
	}
	read, err := hashSetReader(path, opt.Format)
	if err != nil {
		return hashlib.Set{}, hashset.Summary{}, err
	}
	// The file's SHA-256 is computed beside the parse: on two cores the
	// digest of a 10 M-line list costs no extra wall time.
	type digestResult struct {
		sha string
		err error
	}
	digested := make(chan digestResult, 1)
	go func() {
		sha, err := fileDigest(path)
		digested <- digestResult{sha, err}
	}()
	fileSHA := func() (string, error) { r := <-digested; return r.sha, r.err }
	begin := hashlib.Begin
	if replace {
		begin = hashlib.BeginReplacing
	}
	im, err := begin(dir, name, 0)
	if err != nil {
		fileSHA()
		return hashlib.Set{}, hashset.Summary{}, err
	}
	defer im.Abort()
	// One pass: records are held by the source code they carry (or the
	// --category given), and the codes are mapped once all are known. A
	// refusal aborts the import: nothing reaches the library's manifest.
	seen := map[string]int64{} // source code → entries
	// Parsing and sorting share the work on two cores: the reader fills
	// batches of raw records, a second goroutine adds them to the
	// importer (which sorts and spills).
	feed := newLibraryFeed(im)
	defer feed.stop()
	byCode, byCategory := map[string]uint16{}, map[string]uint16{}
	tableIndex := func(m map[string]uint16, kind, v string) (uint16, error) {
		if i, ok := m[v]; ok {
			return i, nil
		}
		i, err := im.Category(kind + v)
		m[v] = i
		return i, err
	}
	var n int
	onEntry := func(en hashset.Entry) error {
		if n++; n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var idx uint16
		var err error
		switch {
		case en.Code != "":
			seen[en.Code]++
			idx, err = tableIndex(byCode, "code\x00", en.Code)
		case en.Category != "":
			idx, err = tableIndex(byCategory, "category\x00", en.Category)
		default: // known, but of no category: nothing to apply
			return nil
		}
		if err != nil {
			return err
		}
		for a, h := range [...]string{en.MD5, en.SHA1, en.SHA256} {
			if h == "" {
				continue
			}
			if err := feed.add(uint8(a), h, idx); err != nil {
				return err
			}
		}
		return nil
	}
	sum, err := read(path, hashset.Options{Category: opt.Category, DigestsOnly: true}, onEntry)
	if ferr := feed.stop(); err == nil {
		err = ferr
	}
	sha, shaErr := fileSHA()
	if err != nil {
		return hashlib.Set{}, sum, err
	}
	if shaErr != nil {
		return hashlib.Set{}, sum, shaErr
	}
	vocab := formatVocab(opt.Format, opt.Category)
	if opt.Format == "vics" {
		vocab = sum.Vocabulary
	}
	cm, err := resolveCodes(name, vocab, seen, sch, opt.Map, schemeCodes(sch))
	if err != nil {
		return hashlib.Set{}, sum, err
	}
	err = im.Relabel(func(key string) (string, error) {
		kind, v, _ := strings.Cut(key, "\x00")
		if kind == "category" {
			return v, nil
		}
		to, ok := cm.to[v]
		if !ok {
			return "", fmt.Errorf("hash set %s: code %q has no mapping into scheme %s", name, v, sch.ID)
		}
		return to, nil
	})
	if err != nil {
		return hashlib.Set{}, sum, err
	}
	cm.count(seen)
	sum.Mapping = cm.describe(sch.ID, opt.Category)
	hs := store.HashSet{ID: name, Name: name, Format: opt.Format, Variant: sum.Variant, Mapping: sum.Mapping,
		Vocabulary: cm.vocab, Codes: cm.rows, File: abs, FileSHA256: sha, Category: opt.Category,
		Entries: sum.Entries, Bad: sum.Bad, ImportedAt: now.UTC(), By: opt.By, Library: library, Scheme: sch.ID}
	set, err := im.Commit(sch.ID, hs)
	return set, sum, err
}

// libraryFeed hands raw records from the parsing goroutine to one that
// adds them to the importer, in batches.
type libraryFeed struct {
	im      *hashlib.Importer
	batch   []feedRecord
	full    chan []feedRecord
	free    chan []feedRecord
	done    chan error
	failed  atomic.Bool // the adder met an error: stop feeding
	stopped bool
	err     error
}

type feedRecord struct {
	algo uint8 // index in hashlib.Algos
	cat  uint16
	d    [32]byte
}

const feedBatch = 16384

func newLibraryFeed(im *hashlib.Importer) *libraryFeed {
	f := &libraryFeed{im: im, full: make(chan []feedRecord, 2), free: make(chan []feedRecord, 3), done: make(chan error, 1)}
	for range 3 {
		f.free <- make([]feedRecord, 0, feedBatch)
	}
	f.batch = <-f.free
	go func() {
		var err error
		for b := range f.full {
			for i := range b {
				if err != nil {
					break
				}
				r := &b[i]
				algo := hashlib.Algos[r.algo]
				err = im.Add(algo, r.d[:hashlib.DigestLen(algo)], r.cat)
			}
			if err != nil {
				f.failed.Store(true)
			}
			f.free <- b[:0]
		}
		f.done <- err
	}()
	return f
}

// add queues one digest given in hex.
func (f *libraryFeed) add(algo uint8, hexDigest string, cat uint16) error {
	r := feedRecord{algo: algo, cat: cat}
	if len(hexDigest) > 64 {
		return fmt.Errorf("digest %q is too long", hexDigest)
	}
	if _, err := hex.Decode(r.d[:], []byte(hexDigest)); err != nil {
		return fmt.Errorf("digest %q: %w", hexDigest, err)
	}
	f.batch = append(f.batch, r)
	if len(f.batch) < feedBatch {
		return nil
	}
	if f.failed.Load() {
		return f.stop()
	}
	f.full <- f.batch
	f.batch = <-f.free
	return nil
}

// stop hands over the last batch and waits for the adder: its error, if any.
func (f *libraryFeed) stop() error {
	if f.stopped {
		return f.err
	}
	f.stopped = true
	if len(f.batch) > 0 {
		f.full <- f.batch
	}
	close(f.full)
	f.err = <-f.done
	return f.err
}

// schemeCodes lists a scheme's codes for error messages.
func schemeCodes(s Scheme) string {
	var c []string
	for _, x := range s.Categories {
		c = append(c, x.Code+" "+x.Label)
	}
	return strings.Join(c, ", ")
}

// libraryHit is one library set giving one media a category.
type libraryHit struct {
	media int
	set   *hashlib.Set
	cat   string
	// source is the set's ID in this case, which assignments name.
	source string
}

// MatchLibrary matches every media of the case against the sets kept as
// sorted runs: the case's own (CaseSetsDir) and the workstation hash
// library's. The case's digests, sorted per algorithm, are looked up in
// each set's mapped runs. A library set that matches is recorded in the
// case with its provenance (store.HashSet, Library set) and audited, so
// the report still cites it after the library changes; matches are
// assignments of kind "hashset", from a case set or a library set alike.
// Sets of another scheme are skipped and named in foreign. any tells
// whether there was a set to match.
func (e *Engine) MatchLibrary(ctx context.Context, foreign map[string]map[string]int) (n int, any bool, err error) {
	var libs []*hashlib.Library
	defer func() {
		for _, l := range libs {
			l.Close()
		}
	}()
	for _, dir := range []string{CaseSetsDir(e.st), e.library} {
		if dir == "" {
			continue
		}
		lib, err := hashlib.Open(dir)
		if err != nil {
			return 0, false, err
		}
		libs = append(libs, lib)
	}
	if !slices.ContainsFunc(libs, func(l *hashlib.Library) bool { return !l.Empty() }) {
		return 0, false, nil
	}
	q, err := e.caseQueries(ctx)
	if err != nil {
		return 0, true, err
	}
	for _, lib := range libs {
		hits, err := e.matchIn(lib, q, 0, foreign)
		if err != nil || len(hits) == 0 {
			if err != nil {
				return n, true, err
			}
			continue
		}
		if lib.Dir() == CaseSetsDir(e.st) {
			err = e.caseSetProvenance(hits)
		} else {
			err = e.libraryProvenance(lib.Dir(), hits)
		}
		if err != nil {
			return n, true, err
		}
		m, err := e.applyHits(ctx, q.shas, hits)
		n += m
		if err != nil {
			return n, true, err
		}
	}
	return n, true, nil
}

// queries is every media of the case by its digests, sorted per algorithm.
type queries struct {
	shas   []string           // media SHA-256s, in case order
	sorted map[string][]byte  // algorithm → sorted digests, packed
	owner  map[string][]int32 // algorithm → index in shas of each digest
}

// caseQueries reads the digests of every media of the case.
func (e *Engine) caseQueries(ctx context.Context) (*queries, error) {
	q := &queries{sorted: map[string][]byte{}, owner: map[string][]int32{}}
	packed := map[string][]byte{}
	owners := map[string][]int32{}
	err := e.st.EachMedia(func(m store.Media) error {
		if len(q.shas)&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		i := int32(len(q.shas))
		q.shas = append(q.shas, m.SHA256)
		for algo, dg := range map[string]string{"md5": m.MD5, "sha1": m.SHA1, "sha256": m.SHA256} {
			if len(dg) != 2*hashlib.DigestLen(algo) {
				continue
			}
			b, err := hex.AppendDecode(packed[algo], []byte(dg))
			if err != nil {
				continue
			}
			packed[algo] = b
			owners[algo] = append(owners[algo], i)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, algo := range hashlib.Algos {
		q.sorted[algo], q.owner[algo] = sortDigests(packed[algo], owners[algo], hashlib.DigestLen(algo))
	}
	return q, nil
}

// matchIn looks the case's digests up in lib (in its set of ID only, when
// only is not 0). Matches whose codes are not of the case's scheme are
// named in foreign instead.
func (e *Engine) matchIn(lib *hashlib.Library, q *queries, only uint32, foreign map[string]map[string]int) ([]libraryHit, error) {
	var hits []libraryHit
	for _, algo := range hashlib.Algos {
		owner := q.owner[algo]
		err := lib.Match(algo, q.sorted[algo], func(i int, s *hashlib.Set, cat string) error {
			if only != 0 && s.ID != only {
				return nil
			}
			if s.Scheme != e.scheme.ID {
				addForeign(foreign, s.HashSet.Name, cat)
				return nil
			}
			if _, ok := e.scheme.ByCode(cat); !ok {
				addForeign(foreign, s.HashSet.Name, cat)
				return nil
			}
			hits = append(hits, libraryHit{media: int(owner[i]), set: s, cat: cat})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return hits, nil
}

// sortDigests orders packed digests (and who owns each).
func sortDigests(packed []byte, owner []int32, size int) ([]byte, []int32) {
	idx := make([]int32, len(owner))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		return bytes.Compare(packed[int(a)*size:int(a+1)*size], packed[int(b)*size:int(b+1)*size])
	})
	out := make([]byte, 0, len(packed))
	own := make([]int32, len(idx))
	for i, j := range idx {
		out = append(out, packed[int(j)*size:int(j+1)*size]...)
		own[i] = owner[j]
	}
	return out, own
}

// libraryProvenance records in the case the provenance of every library
// set that matched, and sets each hit's source: the set's name, unless a
// set imported into the case already has that name. Provenance first: an
// assignment never names a set the case cannot cite.
func (e *Engine) libraryProvenance(dir string, hits []libraryHit) error {
	have, err := e.citedSets()
	if err != nil {
		return err
	}
	ids := map[uint32]string{}
	idOf := func(s *hashlib.Set) string {
		if id, ok := ids[s.ID]; ok {
			return id
		}
		id := s.HashSet.Name
		if h, ok := have[id]; ok && (h.Library == "" || h.FileSHA256 != s.HashSet.FileSHA256) {
			id += " (library)"
		}
		ids[s.ID] = id
		return id
	}
	matched := map[uint32]map[int]bool{}
	sets := map[uint32]*hashlib.Set{}
	for i := range hits {
		h := &hits[i]
		h.source = idOf(h.set)
		if matched[h.set.ID] == nil {
			matched[h.set.ID] = map[int]bool{}
		}
		matched[h.set.ID][h.media] = true
		sets[h.set.ID] = h.set
	}
	setIDs := make([]uint32, 0, len(sets))
	for id := range sets {
		setIDs = append(setIDs, id)
	}
	slices.Sort(setIDs)
	for _, id := range setIDs {
		s := sets[id]
		hs := s.HashSet
		hs.ID, hs.Library, hs.Scheme = idOf(s), dir, s.Scheme
		hs.Matched = int64(len(matched[id]))
		if old, ok := have[hs.ID]; ok && old.Matched == hs.Matched && old.FileSHA256 == hs.FileSHA256 && old.ImportedAt.Equal(hs.ImportedAt) {
			continue
		}
		if err := e.st.PutHashSet(hs); err != nil {
			return err
		}
		if _, err := e.st.Audit(hs.By, "hashset-library-match", map[string]string{"name": hs.Name, "id": hs.ID,
			"library": dir, "format": hs.Format, "variant": hs.Variant, "file": hs.File, "file_sha256": hs.FileSHA256,
			"imported_at": hs.ImportedAt.Format(time.RFC3339), "entries": fmt.Sprint(hs.Entries), "matched": fmt.Sprint(hs.Matched),
			"mapping": hs.Mapping}, e.now().UTC()); err != nil {
			return err
		}
	}
	return nil
}

// applyHits adds each hit's assignment (source: hit.source) and recomputes
// each media's category once; it returns how many media were matched.
func (e *Engine) applyHits(ctx context.Context, shas []string, hits []libraryHit) (int, error) {
	byMedia := map[int][]store.Assignment{}
	for _, h := range hits {
		a := store.Assignment{Category: h.cat, Kind: "hashset", Source: h.source, At: h.set.HashSet.ImportedAt}
		byMedia[h.media] = append(byMedia[h.media], a)
	}
	media := make([]int, 0, len(byMedia))
	for m := range byMedia {
		media = append(media, m)
	}
	sort.Ints(media)
	// Many media per transaction; a media already holding the assignment
	// (matched by an earlier ingest) is left alone.
	const perTxn = 512
	for start := 0; start < len(media); start += perTxn {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		end := min(start+perTxn, len(media))
		err := func() error {
			e.recompute.Lock()
			defer e.recompute.Unlock()
			return e.st.Update(func(tx *store.Tx) error {
				for _, m := range media[start:end] {
					sha := shas[m]
					old, err := tx.Assignments(sha)
					if err != nil {
						return err
					}
					added := false
					for _, a := range byMedia[m] {
						if slices.ContainsFunc(old, func(o store.Assignment) bool {
							return o.Kind == a.Kind && o.Source == a.Source && o.Category == a.Category
						}) {
							continue
						}
						if err := tx.AddAssignment(sha, a); err != nil {
							return err
						}
						added = true
					}
					if added {
						if _, err := e.recomputeIn(tx, sha); err != nil {
							return err
						}
					}
				}
				return nil
			})
		}()
		if err != nil {
			return 0, err
		}
	}
	return len(media), nil
}

// CaseSetsDir is where a case keeps the hash sets imported into it, as
// sorted runs like the workstation library's: a 10 M-line set is imported
// at the library's speed, and the case store holds only its provenance and
// matches. An encrypted case keeps its sets in its store instead ("": the
// runs are not encrypted).
func CaseSetsDir(st *store.Store) string {
	if st.Encrypted() {
		return ""
	}
	return filepath.Join(st.Dir(), "hashsets")
}

// caseSetProvenance sets each hit's source to its case set's name, and
// records the provenance of a set the case store does not cite yet: an
// import cut off between its runs and its record.
func (e *Engine) caseSetProvenance(hits []libraryHit) error {
	have, err := e.citedSets()
	if err != nil {
		return err
	}
	done := map[uint32]bool{}
	for i := range hits {
		h := &hits[i]
		hs := h.set.HashSet
		h.source = hs.Name
		if done[h.set.ID] {
			continue
		}
		done[h.set.ID] = true
		if old, ok := have[hs.Name]; ok && old.FileSHA256 == hs.FileSHA256 && old.ImportedAt.Equal(hs.ImportedAt) {
			continue
		}
		hs.ID, hs.Library, hs.Scheme = hs.Name, "", h.set.Scheme
		if err := e.putCaseSet(hs, "the import was cut off before it was recorded: recorded at the next match", e.now().UTC()); err != nil {
			return err
		}
	}
	return nil
}

// putCaseSet records a case set's provenance and audits its import.
func (e *Engine) putCaseSet(hs store.HashSet, note string, at time.Time) error {
	if err := e.st.PutHashSet(hs); err != nil {
		return err
	}
	fields := map[string]string{"name": hs.Name, "format": hs.Format,
		"variant": hs.Variant, "file": hs.File, "file_sha256": hs.FileSHA256, "entries": fmt.Sprint(hs.Entries),
		"bad": fmt.Sprint(hs.Bad), "matched": fmt.Sprint(hs.Matched), "mapping": hs.Mapping}
	if note != "" {
		fields["note"] = note
	}
	_, err := e.st.Audit(hs.By, "hashset-import", fields, at)
	return err
}

// citedSets is every set the case records, by its ID in the case.
func (e *Engine) citedSets() (map[string]store.HashSet, error) {
	existing, err := e.st.HashSets()
	have := map[string]store.HashSet{}
	for _, h := range existing {
		have[h.ID] = h
	}
	return have, err
}
