package container

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// A UDIF image's XML property list names its partitions' block tables:
// resource-fork → blkx → an array of dictionaries whose Data is a
// base64-encoded "mish" table and whose Name or CFName says what the
// partition is. Only that path is read; the rest of the plist is skipped.

// blkxResource is one entry of the plist's blkx array.
type blkxResource struct {
	name string
	data []byte
}

// udifMaxPlist bounds the plist read into memory (a 2 TB image with 1 MiB
// chunks needs a few hundred MB of tables; anything larger is hostile).
const udifMaxPlist = 256 << 20

// parseBlkxPlist returns the blkx entries of a UDIF XML plist, in order.
func parseBlkxPlist(doc []byte) ([]blkxResource, error) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = false
	// path holds the dictionary keys leading to the current element.
	var (
		path    []string
		key     string
		out     []blkxResource
		cur     *blkxResource
		inBlkx  bool
		depth   int
		blkxAt  int
		textBuf strings.Builder
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("XML plist: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			textBuf.Reset()
			switch t.Name.Local {
			case "dict":
				path = append(path, key)
				if inBlkx && depth == blkxAt+1 {
					out = append(out, blkxResource{})
					cur = &out[len(out)-1]
				}
				key = ""
			case "array":
				if len(path) >= 1 && path[len(path)-1] == "resource-fork" && key == "blkx" {
					inBlkx, blkxAt = true, depth
				}
			}
		case xml.CharData:
			textBuf.Write(t)
		case xml.EndElement:
			text := textBuf.String()
			switch t.Name.Local {
			case "key":
				key = strings.TrimSpace(text)
			case "dict":
				if inBlkx && depth == blkxAt+1 {
					cur = nil
				}
				if len(path) > 0 {
					key, path = path[len(path)-1], path[:len(path)-1]
				}
			case "array":
				if inBlkx && depth == blkxAt {
					inBlkx = false
				}
			case "data":
				if cur != nil && key == "Data" {
					b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
					if err != nil {
						return nil, fmt.Errorf("XML plist: blkx %d Data: %w", len(out)-1, err)
					}
					cur.data = b
				}
			case "string":
				if cur != nil && (key == "CFName" || key == "Name" && cur.name == "") {
					cur.name = strings.TrimSpace(text)
				}
			}
			textBuf.Reset()
			depth--
		}
	}
	if len(out) == 0 {
		return nil, corruptf("XML plist has no resource-fork/blkx block tables")
	}
	return out, nil
}
