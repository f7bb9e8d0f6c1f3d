package expand

import (
	"archive/zip"
	"cmp"
	"context"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// A Cellebrite UFDR is a ZIP with report.xml at its root; the files the
// extraction copied sit under files/<Category>/ with names of Cellebrite's
// choosing. report.xml says where each came from on the device. Its shape,
// as Cellebrite Reader writes it and IPED's UfedXmlReader and DFIRScience's
// UFDR2DIR read it:
//
//	<project xmlns="http://pa.cellebrite.com/report/2.0" ...>
//	  <decodedData> <modelType type="Chat"> ... </modelType> </decodedData>
//	  <taggedFiles>
//	    <file fs="..." fsid="..." path="/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG"
//	          size="..." id="..." extractionId="0" deleted="Intact|Deleted">
//	      <metadata section="File">
//	        <item name="Local Path"><![CDATA[files\Image\IMG_0001.JPG]]></item>
//	        <item name="MD5">...</item> <item name="SHA256">...</item>
//	      </metadata>
//	    </file>
//	  </taggedFiles>
//	</project>
//
// The path attribute sometimes lacks its leading slash (UFDR2DIR); Local
// Path uses backslashes.

// ufdrReportMax bounds the memory the map of a report.xml may take: a
// report lists every file of a phone and can reach gigabytes, but Scrim
// keeps only two short strings and the digests per file (about 800,000
// files of ordinary path lengths fit).
const ufdrReportMax = 192 << 20

// ufdrEntryCost is what one kept file costs beyond its two strings: the
// struct, the map's key header and its share of the buckets.
const ufdrEntryCost = 160 // 148 measured by BenchmarkUFDRReport

// ufdrFile is what Scrim keeps of one <file> of report.xml.
type ufdrFile struct {
	device  string
	deleted bool
	// The digests the report gives, when it gives them.
	hasMD5, hasSHA256 bool
	md5               [16]byte
	sha256            [32]byte
}

// ufdrReport maps a member's name in the UFDR to its <file>.
type ufdrReport struct {
	files map[string]ufdrFile
	// note says what went wrong reading report.xml or that it was capped.
	note string
}

// ufdrReportOf finds report.xml at the root of zr and reads it, or returns
// nil when the ZIP is no UFDR.
func ufdrReportOf(ctx context.Context, zr *zip.Reader) *ufdrReport {
	for _, f := range zr.File {
		if !strings.EqualFold(f.Name, "report.xml") {
			continue
		}
		rep := &ufdrReport{files: map[string]ufdrFile{}}
		rc, err := f.Open()
		if err != nil {
			rep.note = fmt.Sprintf("UFDR report.xml cannot be opened (%v): files are shown without their device paths", err)
			return rep
		}
		defer rc.Close()
		src := &boundedXML{r: io.LimitReader(rc, sideReadLimit(f)+1), left: sideReadLimit(f)}
		if err := readUFDRReport(ctx, src, ufdrReportMax, rep); err != nil && ctx.Err() == nil {
			rep.note = fmt.Sprintf("UFDR report.xml: %v; %d files read before it have their device paths, the rest are shown by their names in the UFDR", err, len(rep.files))
		}
		rep.missing(zr)
		return rep
	}
	return nil
}

// sideReadLimit bounds what is read of a member a walk reads for what it
// says of the others (report.xml, Manifest.db): a sound one deflates far
// less than 100:1, a bomb is cut short.
func sideReadLimit(f *zip.File) int64 {
	return 16<<20 + 100*int64(min(f.CompressedSize64, 1<<40))
}

// textRunMax bounds the text between two tags of report.xml: the decoder
// holds a text node whole, and file paths, names and digests are short.
const textRunMax = 1 << 20

// boundedXML feeds the XML decoder, refusing a document larger than its
// read limit or with a text run longer than textRunMax, so that neither a
// bomb nor one huge text node costs more than bounded time and memory.
type boundedXML struct {
	r    io.Reader
	left int64 // bytes still allowed
	run  int   // bytes since the last '<'
}

var errTextRun = fmt.Errorf("a text or tag longer than %d KiB (not a report Scrim reads)", textRunMax>>10)

func (b *boundedXML) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if b.left -= int64(n); b.left < 0 {
		return 0, errors.New("report.xml expands past 100 times its stored size: read stopped")
	}
	for _, c := range p[:n] {
		if c == '<' {
			b.run = 0
		} else if b.run++; b.run > textRunMax {
			return 0, errTextRun
		}
	}
	return n, err
}

// errUFDRCapped says report.xml lists more than Scrim keeps in memory.
var errUFDRCapped = fmt.Errorf("lists more files than fit in %d MiB of memory", ufdrReportMax>>20)

// readUFDRReport streams report.xml into rep.files, keeping at most max
// bytes of names. A damaged document keeps what was read before the damage.
func readUFDRReport(ctx context.Context, r io.Reader, max int, rep *ufdrReport) error {
	d := xml.NewDecoder(r)
	d.Strict = false // Cellebrite versions differ; names, not validity, matter here
	var (
		cur    *ufdrFile
		local  string
		item   string // name of the <item> being read inside a <file>
		text   strings.Builder
		kept   int
		tokens int
	)
	for {
		if tokens++; tokens%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			line, _ := d.InputPos()
			return fmt.Errorf("damaged at line %d: %w", line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "file":
				f := ufdrFile{}
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "path":
						f.device = a.Value
					case "deleted":
						f.deleted = strings.EqualFold(strings.TrimSpace(a.Value), "deleted")
					}
				}
				if f.device != "" && !strings.HasPrefix(f.device, "/") {
					f.device = "/" + f.device
				}
				cur, local = &f, ""
			case "item":
				if cur != nil {
					item = ""
					for _, a := range t.Attr {
						if a.Name.Local == "name" {
							item = a.Value
						}
					}
					text.Reset()
				}
			}
		case xml.CharData:
			if cur != nil && item != "" && text.Len() < 4096 {
				text.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "item":
				if cur == nil || item == "" {
					break
				}
				v := strings.TrimSpace(text.String())
				switch strings.ToUpper(strings.ReplaceAll(item, "-", "")) {
				case "LOCAL PATH":
					local = ufdrMemberName(v)
				case "MD5":
					setDigest(cur, "md5", v)
				case "SHA256":
					setDigest(cur, "sha256", v)
				}
				item = ""
			case "file":
				if cur == nil {
					break
				}
				if _, dup := rep.files[local]; local != "" && !dup && (cur.device != "" || cur.hasMD5 || cur.hasSHA256 || cur.deleted) {
					kept += len(local) + len(cur.device) + ufdrEntryCost
					if kept > max {
						return errUFDRCapped
					}
					rep.files[local] = *cur
				}
				cur = nil
			}
		}
	}
}

// setDigest keeps a digest the report gives when it is hex of the right
// length; anything else is not a digest to check against.
func setDigest(f *ufdrFile, name, v string) {
	switch {
	case name == "md5" && len(v) == 2*len(f.md5):
		_, err := hex.Decode(f.md5[:], []byte(v))
		f.hasMD5 = err == nil
	case name == "sha256" && len(v) == 2*len(f.sha256):
		_, err := hex.Decode(f.sha256[:], []byte(v))
		f.hasSHA256 = err == nil
	}
}

// ufdrMemberName turns a Local Path ("files\Image\IMG_0001.JPG"), or a
// member name a Windows tool stored with backslashes, into the one form
// both are matched in.
func ufdrMemberName(local string) string {
	s := strings.ReplaceAll(local, `\`, "/")
	s = strings.TrimPrefix(s, "./")
	return strings.TrimLeft(s, "/")
}

// apply sets on m what the report says of it.
func (rep *ufdrReport) apply(m *Member, stored string) {
	f, ok := rep.files[ufdrMemberName(stored)]
	if !ok {
		return
	}
	if f.device != "" {
		m.DevicePath = cleanName(f.device)
	}
	m.Deleted = f.deleted
	if f.hasMD5 || f.hasSHA256 {
		m.Expect = map[string]string{}
	}
	if f.hasMD5 {
		m.Expect["md5"] = hex.EncodeToString(f.md5[:])
	}
	if f.hasSHA256 {
		m.Expect["sha256"] = hex.EncodeToString(f.sha256[:])
	}
}

// missing notes the files report.xml lists that the UFDR does not hold:
// an extraction that lost files must say so.
func (rep *ufdrReport) missing(zr *zip.Reader) {
	held := make(map[string]bool, len(zr.File))
	for _, f := range zr.File {
		held[ufdrMemberName(f.Name)] = true
	}
	n, first := 0, ""
	for local := range rep.files {
		if !held[local] {
			if n++; n == 1 || local < first {
				first = local // the same one named whatever the map's order
			}
		}
	}
	if n == 0 {
		return
	}
	first = cmp.Or(rep.files[first].device, first)
	if rep.note != "" {
		rep.note += "; "
	}
	rep.note += fmt.Sprintf("UFDR report.xml lists %d files the UFDR does not hold (%s…)", n, cleanName(first))
}
