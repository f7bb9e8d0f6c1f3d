package categorize

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"scrim/categorize/hashset"
	"scrim/hashlib"
	"scrim/store"
)

// ImportOptions describe one hash-set import.
type ImportOptions struct {
	Format   string // vics, icse, nsrl, text
	Name     string // defaults to the file's base name
	Category string // for text lists and NSRL; VICS and ICSE carry their own
	// Map is the examiner's mapping of source codes the table cannot map
	// (or maps otherwise) into the case's scheme.
	Map CodeMap
	By  string
}

// caseDigests is an in-memory filter of the digests this case holds, so a
// hash list of millions of lines costs one map probe per line and a store
// lookup only on a hit.
type caseDigests map[string]string // digest (any algorithm) → sha256

func (e *Engine) digests() (caseDigests, error) {
	d := caseDigests{}
	err := e.st.EachMedia(func(m store.Media) error {
		d[m.MD5], d[m.SHA1], d[m.SHA256] = m.SHA256, m.SHA256, m.SHA256
		return nil
	})
	return d, err
}

// Import reads a hash set into the case (so later ingests match it too)
// and categorizes the media of the case it matches. A bad line is counted,
// never fatal; a file of the wrong format is, and so is a code with no
// safe mapping: nothing is imported then. The set is kept as sorted runs
// in CaseSetsDir, in place of an earlier set of its name; the case store
// records its provenance and matches. An encrypted case stores the
// entries themselves (importIntoStore).
func (e *Engine) Import(ctx context.Context, path string, opt ImportOptions) (store.HashSet, hashset.Summary, error) {
	dir := CaseSetsDir(e.st)
	if dir == "" {
		return e.importIntoStore(ctx, path, opt)
	}
	name := opt.Name
	if name == "" {
		name = strings.TrimSuffix(baseName(path), ".json")
	}
	fail := func(sum hashset.Summary, err error) (store.HashSet, hashset.Summary, error) {
		return store.HashSet{ID: name, Name: name, Format: opt.Format, File: path}, sum, err
	}
	cited, err := e.citedSets()
	if err != nil {
		return fail(hashset.Summary{}, err)
	}
	if h, ok := cited[name]; ok && h.Library != "" {
		return fail(hashset.Summary{}, fmt.Errorf("the case already cites the hash library's set %q (matched from %s): give the case's set another --name", name, h.Library))
	}
	set, sum, err := importRuns(ctx, dir, "", path, e.scheme, opt, e.now(), true)
	if err != nil {
		return fail(sum, err)
	}
	hs := set.HashSet
	lib, err := hashlib.Open(dir)
	if err != nil {
		return hs, sum, err
	}
	defer lib.Close()
	q, err := e.caseQueries(ctx)
	if err != nil {
		return hs, sum, err
	}
	// The set was mapped into the case's scheme: no code of it is foreign.
	hits, err := e.matchIn(lib, q, set.ID, map[string]map[string]int{})
	if err != nil {
		return hs, sum, err
	}
	matched := map[int]bool{}
	for i := range hits {
		hits[i].source = hs.ID
		matched[hits[i].media] = true
	}
	hs.Matched = int64(len(matched))
	// Provenance first: an assignment never names a set the case cannot cite.
	if err := e.putCaseSet(hs, "", hs.ImportedAt); err != nil {
		return hs, sum, err
	}
	if _, err := e.applyHits(ctx, q.shas, hits); err != nil {
		return hs, sum, err
	}
	return hs, sum, e.Suggest(ctx)
}

// importIntoStore is Import for an encrypted case: every entry is a record
// of the case store, so nothing of the set is written in the clear.
func (e *Engine) importIntoStore(ctx context.Context, path string, opt ImportOptions) (store.HashSet, hashset.Summary, error) {
	fileSHA, err := fileDigest(path)
	if err != nil {
		return store.HashSet{}, hashset.Summary{}, err
	}
	name := opt.Name
	if name == "" {
		name = strings.TrimSuffix(baseName(path), ".json")
	}
	if opt.Category != "" {
		if _, ok := e.scheme.ByCode(opt.Category); !ok {
			return store.HashSet{}, hashset.Summary{}, fmt.Errorf("category %q is not in scheme %s (%s)", opt.Category, e.scheme.ID, e.codes())
		}
	}
	hs := store.HashSet{ID: name, Name: name, Format: opt.Format, File: path, FileSHA256: fileSHA,
		Category: opt.Category, ImportedAt: e.now().UTC(), By: opt.By}
	read, err := hashSetReader(path, opt.Format)
	if err != nil {
		return hs, hashset.Summary{}, err
	}
	cm, err := e.mapCodes(ctx, path, hs.Name, read, opt)
	if err != nil {
		return hs, hashset.Summary{}, err
	}
	have, err := e.digests()
	if err != nil {
		return hs, hashset.Summary{}, err
	}
	batch := e.st.NewBatch()
	defer batch.Discard()
	matched := map[string]string{} // sha256 → category
	seen := map[string]int64{}     // source code → entries
	onEntry := func(en hashset.Entry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		cat := en.Category
		if en.Code != "" {
			seen[en.Code]++
			to, ok := cm.to[en.Code]
			if !ok { // the first pass saw every code: the file changed under us
				return fmt.Errorf("code %q was not in %s when it was first read: did the file change during the import?", en.Code, path)
			}
			cat = to
		}
		k := store.KnownEntry{Set: hs.ID, Category: cat, SourceCategory: en.SourceCategory, MediaID: en.MediaID,
			Series: en.Series, VictimIdentified: en.VictimIdentified, OffenderIdentified: en.OffenderIdentified, IsDistributed: en.IsDistributed}
		for algo, dg := range map[string]string{"md5": en.MD5, "sha1": en.SHA1, "sha256": en.SHA256} {
			if dg == "" {
				continue
			}
			if err := batch.AddKnown(algo, dg, k); err != nil {
				return err
			}
			if sha, ok := have[dg]; ok && cat != "" {
				matched[sha] = cat
			}
		}
		return nil
	}
	sum, err := read(path, hashset.Options{Category: opt.Category}, onEntry)
	if err != nil {
		return hs, sum, err
	}
	if err := batch.Flush(); err != nil {
		return hs, sum, err
	}
	cm.count(seen)
	sum.Mapping = cm.describe(e.scheme.ID, opt.Category)
	hs.Variant, hs.Mapping, hs.Entries, hs.Bad = sum.Variant, sum.Mapping, sum.Entries, sum.Bad
	hs.Vocabulary, hs.Codes = cm.vocab, cm.rows
	for sha, cat := range matched {
		a := store.Assignment{Category: cat, Kind: "hashset", Source: hs.Name, At: hs.ImportedAt}
		if err := e.st.AddAssignment(sha, a); err != nil {
			return hs, sum, err
		}
		if _, err := e.Recompute(sha); err != nil {
			return hs, sum, err
		}
	}
	hs.Matched = int64(len(matched))
	if err := e.st.PutHashSet(hs); err != nil {
		return hs, sum, err
	}
	if _, err := e.st.Audit(opt.By, "hashset-import", map[string]string{"name": hs.Name, "format": hs.Format,
		"variant": hs.Variant, "file": hs.File, "file_sha256": hs.FileSHA256, "entries": fmt.Sprint(hs.Entries),
		"bad": fmt.Sprint(hs.Bad), "matched": fmt.Sprint(hs.Matched), "mapping": hs.Mapping}, hs.ImportedAt); err != nil {
		return hs, sum, err
	}
	return hs, sum, e.Suggest(ctx)
}

// readFunc reads one hash-set format from a path.
type readFunc func(path string, opt hashset.Options, fn func(hashset.Entry) error) (hashset.Summary, error)

// hashSetReader picks the reader of a format.
func hashSetReader(path, format string) (readFunc, error) {
	stream := func(read func(io.Reader, hashset.Options, func(hashset.Entry) error) (hashset.Summary, error)) readFunc {
		return func(path string, opt hashset.Options, fn func(hashset.Entry) error) (hashset.Summary, error) {
			f, err := os.Open(path)
			if err != nil {
				return hashset.Summary{}, fmt.Errorf("open hash set: %w", err)
			}
			defer f.Close()
			return read(f, opt, fn)
		}
	}
	switch format {
	case "vics":
		return stream(hashset.ReadVICS), nil
	case "icse":
		return stream(hashset.ReadICSE), nil
	case "text":
		return stream(hashset.ReadText), nil
	case "nsrl":
		if isSQLite(path) {
			return readRDSv3, nil
		}
		return hashset.ReadNSRL, nil
	}
	return nil, fmt.Errorf("unknown hash-set format %q (want vics, icse, nsrl or text)", format)
}

// formatVocab is the vocabulary of a format whose readers always speak
// one; VICS tells its own in the file.
func formatVocab(format, category string) string {
	switch {
	case format == "icse":
		return hashset.VocabICSE
	case format == "nsrl" && category == "":
		return hashset.VocabNSRL
	}
	return ""
}

// mapCodes resolves the mapping of a set into the case's scheme before
// anything is stored. When the set may carry codes without a mapping it is
// read once first, counting records per code, so a refusal names each code
// and its count and nothing is imported.
func (e *Engine) mapCodes(ctx context.Context, path, name string, read readFunc, opt ImportOptions) (codeMapping, error) {
	return mapSetCodes(ctx, e.scheme, e.codes(), path, name, read, opt)
}

// mapSetCodes is mapCodes into scheme sch (codes: its codes, as errors list them).
func mapSetCodes(ctx context.Context, sch Scheme, codes, path, name string, read readFunc, opt ImportOptions) (codeMapping, error) {
	vocab := formatVocab(opt.Format, opt.Category)
	counts := map[string]int64{}
	if opt.Format == "nsrl" && opt.Category == "" {
		counts[hashset.CodeKnownGood] = -1 // one code, on every entry
	}
	if opt.Format == "vics" || (opt.Format == "icse" && needsFirstPass(vocab, sch, opt.Map)) {
		sum, err := read(path, hashset.Options{Category: opt.Category}, func(en hashset.Entry) error {
			if en.Code != "" {
				counts[en.Code]++
			}
			return ctx.Err()
		})
		if err != nil {
			return codeMapping{}, err
		}
		if opt.Format == "vics" {
			vocab = sum.Vocabulary
		}
	}
	return resolveCodes(name, vocab, counts, sch, opt.Map, codes)
}

// MatchKnown categorizes the case's media from the hash sets imported
// into the case (its runs and the entries its store holds) and from the
// workstation hash library: run after every ingest.
func (e *Engine) MatchKnown(ctx context.Context) (int, error) {
	foreign := map[string]map[string]int{} // set → code → matches skipped
	n, caseSets, err := e.matchCaseSets(ctx, foreign)
	if err != nil {
		return n, err
	}
	ln, libSets, err := e.MatchLibrary(ctx, foreign)
	n += ln
	if err != nil {
		return n, err
	}
	if !caseSets && !libSets {
		return n, nil
	}
	if err := e.Suggest(ctx); err != nil {
		return n, err
	}
	return n, foreignError(foreign, e.scheme.ID)
}

// matchCaseSets matches the media against the hash-set entries the case
// store holds (an encrypted case's sets, or sets imported before case sets
// were kept as runs); any tells whether it holds one.
func (e *Engine) matchCaseSets(ctx context.Context, foreign map[string]map[string]int) (n int, any bool, err error) {
	if ok, err := e.st.HasKnownEntries(); err != nil || !ok {
		return 0, false, err
	}
	sets, err := e.st.HashSets()
	if err != nil {
		return 0, true, err
	}
	imported := map[string]store.HashSet{}
	for _, s := range sets {
		imported[s.ID] = s
	}
	// Sets imported before codes were mapped may hold codes of another
	// scheme: those matches are not applied, and the error names them.
	err = e.st.EachMedia(func(m store.Media) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		hit := false
		for algo, dg := range map[string]string{"md5": m.MD5, "sha1": m.SHA1, "sha256": m.SHA256} {
			entries, err := e.st.Known(algo, dg)
			if err != nil {
				return err
			}
			for _, k := range entries {
				if k.Category == "" {
					continue
				}
				if _, ok := e.scheme.ByCode(k.Category); !ok {
					addForeign(foreign, k.Set, k.Category)
					continue
				}
				a := store.Assignment{Category: k.Category, Kind: "hashset", Source: k.Set, At: imported[k.Set].ImportedAt}
				if err := e.st.AddAssignment(m.SHA256, a); err != nil {
					return err
				}
				hit = true
			}
		}
		if hit {
			n++
			_, err := e.Recompute(m.SHA256)
			return err
		}
		return nil
	})
	return n, true, err
}

func addForeign(foreign map[string]map[string]int, set, code string) {
	if foreign[set] == nil {
		foreign[set] = map[string]int{}
	}
	foreign[set][code]++
}

// foreignError names the matches not applied because their codes are not
// in the case's scheme.
func foreignError(foreign map[string]map[string]int, scheme string) error {
	if len(foreign) == 0 {
		return nil
	}
	var parts []string
	for set, codes := range foreign {
		for code, k := range codes {
			parts = append(parts, fmt.Sprintf("set %s code %q (%d matches)", set, code, k))
		}
	}
	sort.Strings(parts)
	return fmt.Errorf("hash-set matches not applied: %s not in scheme %s (imported before categories were mapped into the case's scheme, or into the hash library for another scheme?); import the set again under another --name to map its codes (scrim hashset import --library --case CASEDIR for a library set)",
		strings.Join(parts, ", "), scheme)
}

// Conflicts lists the media whose hash sets disagree and that no examiner
// has decided yet.
func (e *Engine) Conflicts() (map[string]store.Category, error) {
	out := map[string]store.Category{}
	err := e.st.EachCategory(func(sha string, c store.Category) error {
		if len(c.Conflict) > 0 {
			out[sha] = c
		}
		return nil
	})
	return out, err
}

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open hash set: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read hash set %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
