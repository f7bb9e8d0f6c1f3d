package hashset

import (
	"bytes"
	"strings"
	"testing"
)

// fuzzCheck runs one reader on arbitrary bytes: it must not panic or hang,
// and a successful read must hand out only valid, counted entries.
func fuzzCheck(t *testing.T, data []byte, read func([]byte, func(Entry) error) (Summary, error)) {
	var got []Entry
	sum, err := read(data, func(e Entry) error { got = append(got, e); return nil })
	if err != nil {
		if strings.Contains(err.Error(), "internal error") {
			t.Fatalf("recovered panic: %v", err)
		}
		return
	}
	checkInvariants(t, got, sum)
	if len(sum.FirstBad) > maxFirstBad || int64(len(sum.FirstBad)) > sum.Bad {
		t.Fatalf("FirstBad %v with Bad %d", sum.FirstBad, sum.Bad)
	}
}

func FuzzVICS(f *testing.F) {
	f.Add([]byte(vics2HashSet()))
	f.Add([]byte(`{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases","value":[{"CaseID":"c","Media":[{"MediaID":1,"Category":1,"MediaFiles":[{"FileName":"a.jpg","MD5":"` + md5Of("a") + `"}]}]}]}`))
	f.Add([]byte(`{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Cases","value":[{"Media":[1,[2],{"MD5":null}]},[[[]]],"x"]}`))
	f.Add([]byte(`{"@odata.context":{"a":[1]},"value":[]}`))
	f.Add([]byte(`{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media","value":[{"MD5":"` + md5Of("b") + `","Category":"2"}, 7, {"Media":[{"MD5":"` + md5Of("c") + `"}]}],"odata.count":3,"z":[{}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, data, func(b []byte, fn func(Entry) error) (Summary, error) {
			return ReadVICS(bytes.NewReader(b), Options{}, fn)
		})
	})
}

func FuzzText(f *testing.F) {
	f.Add([]byte(bom + md5Of("a") + "\r\n# c\r\n" + sha1Of("b") + "  x.jpg\r\nzz\r\n"))
	f.Add([]byte("FileName;SHA1\r\na;" + sha1Of("a") + "\n\"b\"\"\";\"" + sha1Of("b") + "\"\n"))
	f.Add([]byte("hash,name\n" + sha256Of("a") + ",x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, data, func(b []byte, fn func(Entry) error) (Summary, error) {
			return ReadText(bytes.NewReader(b), Options{}, fn)
		})
	})
}

func FuzzICSE(f *testing.F) {
	f.Add([]byte(icseExport()))
	f.Add([]byte("sha1;baseline\n\"" + sha1Of("a") + "\";\"1\"\n;;;\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, data, func(b []byte, fn func(Entry) error) (Summary, error) {
			return ReadICSE(bytes.NewReader(b), Options{}, fn)
		})
	})
}

// FuzzNSRL covers the CSV layer of ReadNSRL (the file and zip handling
// around it is exercised by TestNSRL).
func FuzzNSRL(f *testing.F) {
	f.Add([]byte(nsrlFile()))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzCheck(t, data, func(b []byte, fn func(Entry) error) (Summary, error) {
			return readNSRL(bytes.NewReader(b), Options{}, fn)
		})
	})
}
