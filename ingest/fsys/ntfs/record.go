package ntfs

import (
	"time"

	"www.velocidex.com/golang/go-ntfs/parser"
)

// rootRecord is the MFT record of the root directory.
const rootRecord = 5

// fileName is one $FILE_NAME attribute: a link from a parent directory.
type fileName struct {
	parent    int64
	parentSeq uint16
	name      string
	dos       bool // the 8.3 alias, only used when nothing else names the record
}

// stream is one $DATA attribute (its first VCN piece for split streams).
type stream struct {
	name string
	id   uint16
	size int64
}

// record is what Walk needs from one MFT record.
type record struct {
	valid   bool // FILE magic, fix-ups applied, not an extension record
	inUse   bool
	isDir   bool
	seq     uint16
	names   []fileName
	streams []stream
	mtime   time.Time
	atime   time.Time
	ctime   time.Time
	btime   time.Time
	entry   *parser.MFT_ENTRY
}

// primaryName is the long name a directory is shown under.
func (r *record) primaryName() (fileName, bool) {
	for _, n := range r.names {
		if !n.dos {
			return n, true
		}
	}
	if len(r.names) > 0 {
		return r.names[0], true
	}
	return fileName{}, false
}

// readRecord parses MFT record id through the library; a damaged record
// comes back with valid false and the reason.
func (v *FS) readRecord(id int64) (*record, error) {
	rec := &record{}
	err := guard("record", func() error {
		e, err := v.ctx.GetMFT(id)
		if err != nil {
			return err
		}
		if !e.Magic().IsValid() { // not "FILE"
			return nil
		}
		if e.Base_record_reference()&0xffffffffffff != 0 {
			return nil // extension record: its attributes belong to the base
		}
		flags := e.Flags().Value
		rec.valid = true
		rec.entry = e
		rec.inUse = flags&1 != 0
		rec.isDir = flags&2 != 0
		rec.seq = e.Sequence_value()
		attrs := e.EnumerateAttributes(v.ctx)
		if len(attrs) > 4096 {
			attrs = attrs[:4096]
		}
		for _, a := range attrs {
			switch a.Type().Value {
			case parser.ATTR_TYPE_STANDARD_INFORMATION:
				si := v.ctx.Profile.STANDARD_INFORMATION(a.Data(v.ctx), 0)
				rec.mtime = si.File_altered_time().Time
				rec.atime = si.File_accessed_time().Time
				rec.ctime = si.Mft_altered_time().Time
				rec.btime = si.Create_time().Time
			case parser.ATTR_TYPE_FILE_NAME:
				fn := v.ctx.Profile.FILE_NAME(a.Data(v.ctx), 0)
				rec.names = append(rec.names, fileName{
					parent:    int64(fn.MftReference() & 0xffffffffffff),
					parentSeq: fn.Seq_num(),
					name:      fn.Name(),
					dos:       fn.NameType().Value == 2,
				})
			case parser.ATTR_TYPE_DATA:
				if !a.IsResident() && a.Runlist_vcn_start() != 0 {
					continue
				}
				rec.streams = append(rec.streams, stream{name: a.Name(), id: a.Attribute_id(), size: a.DataSize()})
			}
		}
		return nil
	})
	return rec, err
}
