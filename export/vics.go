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
	model, ok := vicsModels[scheme]
	if !ok {
		return 0, fmt.Errorf("VICS export: VICS has no data model for this case's scheme %s (only vic-us, written as the US model, and caid-uk, written as the UK model)", scheme)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	fmt.Fprintf(bw, "{\"@odata.context\":%q,\"value\":[", model.context)
	n := 0
	err := st.EachCategory(func(sha string, c store.Category) error {
		code, ok := model.code[c.Category]
		from := c.Provenance()
		if !ok || !from.Decided() {
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
		up5, up1 := strings.ToUpper(m.MD5), strings.ToUpper(m.SHA1)
		vm := vicsMedia{MediaID: int64(n + 1), Category: &code, MD5: up5, SHA1: up1, MediaSize: m.Size,
			IsPrecategorized: from.Kind == store.FromHashSet, Comments: "scrim " + c.Source}
		for _, o := range occs {
			name := o.Path[strings.LastIndexByte(o.Path, '/')+1:]
			vm.MediaFiles = append(vm.MediaFiles, vicsMediaFile{FileName: name, FilePath: o.Evidence + ":" + o.Path, MD5: up5, SHA1: up1})
		}
		b, err := json.Marshal(vm)
		if err != nil {
			return err
		}
		if n > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n")
		bw.Write(b)
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	bw.WriteString("\n]}\n")
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("write VICS export: %w", err)
	}
	return n, nil
}
