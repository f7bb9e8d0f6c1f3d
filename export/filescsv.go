package export

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// appendCSV writes the row as encoding/csv's Writer (comma, "\n" line
// ends) writes csvRecord, without building 44 strings per row: `scrim
// files --format csv` writes millions of rows. TestFileRowCSVMatchesEncodingCSV
// holds the two equal.
func (r *FileRow) appendCSV(b []byte) []byte {
	b = appendCSVField(b, r.Evidence)
	b = append(b, ',')
	b = appendCSVField(b, r.Volume)
	b = append(b, ',')
	b = appendCSVField(b, r.FS)
	b = append(b, ',')
	b = appendCSVField(b, r.Path)
	b = append(b, ',')
	b = strconv.AppendBool(b, r.Deleted)
	b = append(b, ',')
	b = strconv.AppendBool(b, r.Carved)
	b = append(b, ',')
	b = strconv.AppendInt(b, r.Offset, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, r.Size, 10)
	b = append(b, ',')
	b = appendCSVField(b, r.MD5)
	b = append(b, ',')
	b = appendCSVField(b, r.SHA1)
	b = append(b, ',')
	b = appendCSVField(b, r.SHA256)
	b = append(b, ',')
	b = appendCSVField(b, r.Type)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.Width), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.Height), 10)
	b = append(b, ',')
	b = appendCSVField(b, r.PHash)
	b = append(b, ',')
	b = appendCSVField(b, r.DHash)
	b = append(b, ',')
	b = appendCSVField(b, r.Category)
	b = append(b, ',')
	b = appendCSVField(b, r.CategorySource)
	b = append(b, ',')
	b = appendCSVField(b, r.Kind)
	b = append(b, ',')
	b = appendCSVField(b, r.MIME)
	b = append(b, ',')
	b = strconv.AppendUint(b, r.Inode, 10)
	b = append(b, ',')
	b = appendCSVField(b, r.Mtime)
	b = append(b, ',')
	b = appendCSVField(b, r.Atime)
	b = append(b, ',')
	b = appendCSVField(b, r.Ctime)
	b = append(b, ',')
	b = appendCSVField(b, r.Btime)
	b = append(b, ',')
	b = appendCSVField(b, r.Error)
	b = append(b, ',')
	b = strconv.AppendInt(b, r.VolumeOffset, 10)
	b = append(b, ',')
	b = appendCSVField(b, r.VolumeType)
	b = append(b, ',')
	b = appendCSVField(b, strconv.FormatFloat(r.Duration, 'f', -1, 64)) // "-Inf"/"NaN" need no quotes either
	b = append(b, ',')
	b = appendCSVField(b, r.Codec)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.Frames), 10)
	b = append(b, ',')
	b = strconv.AppendBool(b, r.Embedded)
	b = append(b, ',')
	b = appendCSVField(b, r.Parent)
	b = append(b, ',')
	b = appendCSVField(b, r.ContainerPath)
	b = append(b, ',')
	b = appendCSVField(b, r.DevicePath)
	b = append(b, ',')
	if r.Faces != nil {
		b = strconv.AppendInt(b, int64(*r.Faces), 10)
	}
	for _, v := range [...]*float64{r.MinFaceAge, r.MaxFaceAge, r.NudityPorn, r.NuditySexy,
		r.NudityHentai, r.NudityNeutral, r.NudityDrawing} {
		b = append(b, ',')
		if v != nil {
			b = strconv.AppendFloat(b, *v, 'f', -1, 64)
		}
	}
	b = append(b, ',')
	b = appendCSVField(b, r.SignalsModel)
	return append(b, '\n')
}

// appendCSVField quotes s exactly when encoding/csv's Writer would.
func appendCSVField(b []byte, s string) []byte {
	if !csvNeedsQuotes(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

// csvNeedsQuotes mirrors encoding/csv's fieldNeedsQuotes for comma ','.
func csvNeedsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s == `\.` {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}
