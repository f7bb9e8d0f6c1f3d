package expand

import "strings"

// phoneRoots are the top folders of a phone's own file system as Android
// and GrayKey/iOS full-file-system extractions store it in a TAR or ZIP
// (data/data/com.whatsapp/..., data/media/0/DCIM/..., private/var/mobile/...).
// A member under one of them is a file of the device at "/" + its name.
var phoneRoots = []string{
	"data/data/", "data/media/", "data/user/", "data/user_de/", "data/app/", "data/system/", "data/misc/",
	"sdcard/", "storage/emulated/", "private/var/", "var/mobile/",
}

// phoneTreePath is the device path of a TAR or ZIP member stored under a
// phone's file-system root, or "".
func phoneTreePath(name string) string {
	s := strings.TrimLeft(strings.TrimPrefix(name, "./"), "/")
	for _, root := range phoneRoots {
		if strings.HasPrefix(s, root) {
			return "/" + s
		}
	}
	return ""
}
