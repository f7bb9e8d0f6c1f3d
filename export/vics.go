package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"scrim/store"
)

// VICSContext names the data model the export of a Project VIC US case
// follows: VICS 2.0, US numbering, hash-set shape ("value" is an array of
// Media). VICSContextUK is the UK model, which carries CAID categories. They
// are the models `scrim hashset import --format vics` reads, so an export
// re-imports into a case of the same scheme with the same categories.
const (
	VICSContext   = "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"
	VICSContextUK = "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media"
)

// vicsModel is the data model a case's scheme is written in: its context
// and the VICS code of each category. Categories without a code (the
// schemes' "uncategorized") are not exported.
type vicsModel struct {
	context string
	code    map[string]int
}

// vicsModels holds the schemes VICS has a data model for. Scrim's Project
// VIC US scheme differs from VICS US only in where non-pertinent sits
// (Scrim 5, VICS 0); CAID A, B, C, N are the UK model's 1, 2, 3, 4. Oliver
// levels and custom schemes have no VICS model: writing them as US or UK
// codes would file them under another meaning, so their export is refused.
var vicsModels = map[string]vicsModel{
	"vic-us":  {VICSContext, map[string]int{"1": 1, "2": 2, "3": 3, "4": 4, "5": 0}},
	"caid-uk": {VICSContextUK, map[string]int{"A": 1, "B": 2, "C": 3, "N": 4}},
}

type vicsMedia struct {
	MediaID          int64           `json:"MediaID"`
	Category         *int            `json:"Category"`
	MD5              string          `json:"MD5"`
	SHA1             string          `json:"SHA1"`
	MediaSize        int64           `json:"MediaSize"`
	IsPrecategorized bool            `json:"IsPrecategorized"`
	Comments         string          `json:"Comments,omitempty"`
	MediaFiles       []vicsMediaFile `json:"MediaFiles"`
}

type vicsMediaFile struct {
	FileName string `json:"FileName"`
	FilePath string `json:"FilePath"`
	MD5      string `json:"MD5"`
	SHA1     string `json:"SHA1"`
}

// WriteVICS streams the media of a case whose category was set by an
// examiner or a hash set as a VICS JSON hash set, in the data model of the
// case's scheme. Suggestions are left out:
// they are the machine's guesses, and another lab's tool would read them as
// facts. Output is ordered by SHA-256 and carries no timestamp, so two
// exports of the same case are identical.
func WriteVICS(st *store.Store, scheme string, w io.Writer) (int, error) {
	vw, err := NewVICSWriter(w, scheme)
	if err != nil {
		return 0, err
	}
	err = st.EachCategory(func(sha string, c store.Category) error {
		from := c.Provenance()
		if !vw.Has(c.Category) || !from.Decided() {
			return nil
		}
		m, found, err := st.Media(sha)
		if err != nil || !found {
			return err
		}
		occs, err := st.OccurrencesOf(sha)
		if err != nil {
			return err
		}
		r := VICSRecord{Category: c.Category, MD5: m.MD5, SHA1: m.SHA1, Size: m.Size,
			Precategorized: from.Kind == store.FromHashSet, Comments: "scrim " + c.Source}
		for _, o := range occs {
			r.Files = append(r.Files, VICSFile{Name: o.Path[strings.LastIndexByte(o.Path, '/')+1:], Path: o.Evidence + ":" + o.Path})
		}
		return vw.Add(r)
	})
	if err != nil {
		return vw.n, err
	}
	return vw.n, vw.Close()
}

// VICSWriter streams media as a VICS JSON hash set in the data model of
// one scheme: WriteVICS for a case, `scrim lab export` for the lab's
// library.
type VICSWriter struct {
	bw    *bufio.Writer
	model vicsModel
	n     int
}

// VICSRecord is one media to write; Category is a code of the writer's scheme.
type VICSRecord struct {
	Category       string
	MD5, SHA1      string
	Size           int64
	Precategorized bool
	Comments       string
	Files          []VICSFile
}

// VICSFile is one place a media was found.
type VICSFile struct{ Name, Path string }

// NewVICSWriter starts a VICS hash set in scheme's data model, or refuses a
// scheme VICS has none for.
func NewVICSWriter(w io.Writer, scheme string) (*VICSWriter, error) {
	model, ok := vicsModels[scheme]
	if !ok {
		return nil, fmt.Errorf("VICS export: VICS has no data model for this case's scheme %s (only vic-us, written as the US model, and caid-uk, written as the UK model)", scheme)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	fmt.Fprintf(bw, "{\"@odata.context\":%q,\"value\":[", model.context)
	return &VICSWriter{bw: bw, model: model}, nil
}

// Has tells whether a category has a VICS code (the schemes'
// "uncategorized" has none and is not written).
func (vw *VICSWriter) Has(category string) bool {
	_, ok := vw.model.code[category]
	return ok
}

// Add writes one media; a category without a VICS code is skipped.
func (vw *VICSWriter) Add(r VICSRecord) error {
	code, ok := vw.model.code[r.Category]
	if !ok {
		return nil
	}
	up5, up1 := strings.ToUpper(r.MD5), strings.ToUpper(r.SHA1)
	vm := vicsMedia{MediaID: int64(vw.n + 1), Category: &code, MD5: up5, SHA1: up1, MediaSize: r.Size,
		IsPrecategorized: r.Precategorized, Comments: r.Comments}
	for _, f := range r.Files {
		vm.MediaFiles = append(vm.MediaFiles, vicsMediaFile{FileName: f.Name, FilePath: f.Path, MD5: up5, SHA1: up1})
	}
	b, err := json.Marshal(vm)
	if err != nil {
		return err
	}
	if vw.n > 0 {
		vw.bw.WriteByte(',')
	}
	vw.bw.WriteString("\n")
	vw.bw.Write(b)
	vw.n++
	return nil
}

// Written is the number of media written so far.
func (vw *VICSWriter) Written() int { return vw.n }

// Close ends the hash set and flushes it.
func (vw *VICSWriter) Close() error {
	vw.bw.WriteString("\n]}\n")
	if err := vw.bw.Flush(); err != nil {
		return fmt.Errorf("write VICS export: %w", err)
	}
	return nil
}
