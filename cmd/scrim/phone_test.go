package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scrim/export"
	"scrim/testdata/demo"
	"scrim/testdata/phone"
)

// TestIngestPhoneExtractions: a folder holding a Cellebrite UFDR (zipped by
// zip), an iTunes backup and an encrypted one. `scrim files` shows each
// UFDR picture's and each backed-up file's device path beside its stored
// path, the UFDR's deleted file as deleted, and `scrim stats` names the
// encrypted backup and the picture whose bytes differ from the digest in
// report.xml.
func TestIngestPhoneExtractions(t *testing.T) {
	work := t.TempDir()
	pics, err := demo.GenerateJPEGs(filepath.Join(work, "pics"), 6, 160, 120, 85, 14)
	if err != nil {
		t.Fatal(err)
	}
	read := func(i int) []byte {
		b, err := os.ReadFile(pics[i])
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ev := filepath.Join(work, "evidence")

	tree := filepath.Join(work, "ufdr")
	if err := phone.UFDRTree(tree, []phone.UFDRFile{
		{DevicePath: "/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG", Local: "files/Image/IMG_0001.JPG", Data: read(0)},
		{DevicePath: "/private/var/mobile/Media/DCIM/100APPLE/IMG_0002.JPG", Local: "files/Image/IMG_0002.JPG", Data: read(1), Deleted: true},
		{DevicePath: "/private/var/mobile/Containers/Data/Application/9F/tmp/cache.jpg", Local: "files/Image/cache.jpg", Data: read(2), BadSHA256: true},
	}); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(ev, "phone"), 0o755)
	zipTool(t, tree, "-q", "-r", filepath.Join(ev, "phone", "Apple_iPhone.ufdr"), "report.xml", "Report.pdf", "files")

	stored, err := phone.Backup(filepath.Join(ev, "MobileSync", "00008101-000A1B2C3D4E5F60"), []phone.BackupFile{
		{Domain: "CameraRollDomain", RelativePath: "Media/DCIM/100APPLE/IMG_0100.JPG", Data: read(3)},
		{Domain: "AppDomainGroup-group.net.whatsapp.WhatsApp.shared", RelativePath: "Message/Media/1.jpg", Data: read(4)},
	}, []phone.BackupFile{{Domain: "HomeDomain", RelativePath: "Library/x.jpg", Data: read(5)}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := phone.Backup(filepath.Join(ev, "MobileSync", "00008030-0011223344556677"), []phone.BackupFile{
		{Domain: "CameraRollDomain", RelativePath: "Media/DCIM/100APPLE/IMG_0001.JPG", Data: read(0)},
	}, nil, true); err != nil {
		t.Fatal(err)
	}

	caseDir := filepath.Join(work, "case")
	before := fingerprintTree(t, ev)
	mustScrim(t, "ingest", "--case", caseDir, "--progress", "none", ev)
	if after := fingerprintTree(t, ev); after != before {
		t.Fatal("ingest changed the evidence")
	}
	byPath := map[string]export.FileRow{}
	for _, r := range readRows(t, caseDir) {
		byPath[r.Path] = r
	}
	ufdr := "/phone/Apple_iPhone.ufdr » "
	bk := "/MobileSync/00008101-000A1B2C3D4E5F60/"
	for p, dev := range map[string]string{
		ufdr + "files/Image/IMG_0001.JPG":                                "/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG",
		ufdr + "files/Image/IMG_0002.JPG":                                "/private/var/mobile/Media/DCIM/100APPLE/IMG_0002.JPG",
		ufdr + "files/Image/cache.jpg":                                   "/private/var/mobile/Containers/Data/Application/9F/tmp/cache.jpg",
		ufdr + "report.xml":                                              "",
		bk + stored["CameraRollDomain/Media/DCIM/100APPLE/IMG_0100.JPG"]: "CameraRollDomain/Media/DCIM/100APPLE/IMG_0100.JPG",
		bk + stored["AppDomainGroup-group.net.whatsapp.WhatsApp.shared/Message/Media/1.jpg"]: "AppDomainGroup-group.net.whatsapp.WhatsApp.shared/Message/Media/1.jpg",
		bk + stored["HomeDomain/Library/x.jpg"]:                                              "",
	} {
		r, ok := byPath[p]
		if !ok {
			t.Errorf("%s not listed", p)
			continue
		}
		if r.DevicePath != dev {
			t.Errorf("%s: device_path %q, want %q", p, r.DevicePath, dev)
		}
		if strings.HasSuffix(p, ".JPG") || strings.HasSuffix(p, ".jpg") {
			if r.Kind != "picture" || r.SHA256 == "" {
				t.Errorf("%s: %+v", p, r)
			}
		}
	}
	if r := byPath[ufdr+"files/Image/IMG_0002.JPG"]; !r.Deleted || !r.Embedded {
		t.Errorf("the UFDR's deleted file: deleted %v embedded %v", r.Deleted, r.Embedded)
	}
	if r := byPath[ufdr+"files/Image/IMG_0001.JPG"]; r.Deleted {
		t.Error("an intact UFDR file shown deleted")
	}

	s := readStats(t, caseDir)
	if s.Embedded != 5 { // three pictures, report.xml, Report.pdf
		t.Errorf("embedded %d: %+v", s.Embedded, s.Counts)
	}
	text := mustScrim(t, "stats", "--case", caseDir)
	for _, want := range []string{
		"iTunes backup /MobileSync/00008030-0011223344556677 is encrypted: file names and contents not readable without the backup password",
		"extraction integrity: /private/var/mobile/Containers/Data/Application/9F/tmp/cache.jpg (/phone/Apple_iPhone.ufdr » files/Image/cache.jpg): SHA-256 is ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("stats does not say %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "extraction integrity"); n != 1 {
		t.Errorf("%d integrity notes, want 1 (only cache.jpg differs):\n%s", n, text)
	}

	csv := mustScrim(t, "files", "--case", caseDir, "--format", "csv")
	head, body, _ := strings.Cut(csv, "\n")
	if !strings.Contains(head, ",container_path,device_path,") {
		t.Fatalf("csv header %s", head)
	}
	if !strings.Contains(body, ",files/Image/IMG_0001.JPG,/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG,") {
		t.Errorf("csv rows lack the device path:\n%s", body)
	}
}
