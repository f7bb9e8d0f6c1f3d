package store

// ShownPlace is how a place reads for an examiner: the path on the seized
// device first when a phone extraction names it, with the stored path
// (the one read back) beside it.
func (o Occurrence) ShownPlace() string { return ShownPath(o.DevicePath, o.Path) }

// ShownPath puts a device path before the stored path it was found at.
func ShownPath(devicePath, stored string) string {
	if devicePath == "" || devicePath == stored {
		return stored
	}
	return devicePath + " (stored as " + stored + ")"
}
