package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"scrim/store"
)

// VICSContext names the data model the export follows: Project VIC VICS 2.0,
// US numbering, hash-set shape ("value" is an array of Media). It is the
// same model `scrim hashset import --format vics` reads, so an export
// re-imports into another case with the same categories.
const VICSContext = "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"

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

// vicsCode maps Scrim's Project VIC US codes to VICS US codes: the two
// differ only in where non-pertinent sits (Scrim 5, VICS 0).
var vicsCode = map[string]int{"1": 1, "2": 2, "3": 3, "4": 4, "5": 0}

// WriteVICS streams the media of a case whose category was set by an
// examiner or a hash set as a VICS JSON hash set. Suggestions are left out:
// they are the machine's guesses, and another lab's tool would read them as
// facts. Output is ordered by SHA-256 and carries no timestamp, so two
// exports of the same case are identical.
func WriteVICS(st *store.Store, scheme string, w io.Writer) (int, error) {
	if scheme != "vic-us" {
		return 0, fmt.Errorf("VICS export needs a case in the Project VIC US scheme; this case uses %s", scheme)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	fmt.Fprintf(bw, "{\"@odata.context\":%q,\"value\":[", VICSContext)
	n := 0
	err := st.EachCategory(func(sha string, c store.Category) error {
		code, ok := vicsCode[c.Category]
		decided := strings.HasPrefix(c.Source, "examiner:") || strings.HasPrefix(c.Source, "hashset:")
		if !ok || !decided {
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
			IsPrecategorized: strings.HasPrefix(c.Source, "hashset:"), Comments: "scrim " + c.Source}
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
