// Command mkdmg writes a UDIF (.dmg) disk image of a raw disk, for tests:
// no Linux tool writes DMGs. It follows the layout libyal documents (data
// chunks, XML plist of base64 "mish" block tables, 512-byte "koly"
// trailer) and stores chunks in turn with each method given, so one image
// exercises every chunk type a reader must know. Independent readers
// (dmg2img, Scrim) are then checked against the raw disk.
package main

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

const sector = 512

func main() {
	in := flag.String("in", "", "raw disk image")
	out := flag.String("out", "", "DMG to write")
	methods := flag.String("methods", "zlib", "chunk methods used in turn: raw, zlib, bzip2, adc")
	chunkSectors := flag.Int("chunk", 2048, "sectors per chunk")
	flag.Parse()
	if err := run(*in, *out, strings.Split(*methods, ","), *chunkSectors); err != nil {
		fmt.Fprintln(os.Stderr, "mkdmg:", err)
		os.Exit(1)
	}
}

type chunk struct {
	kind                 uint32
	start, count         uint64
	offset, storedLength uint64
}

func run(in, out string, methods []string, per int) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	if len(raw)%sector != 0 {
		raw = append(raw, make([]byte, sector-len(raw)%sector)...)
	}
	var data bytes.Buffer
	// Two partitions, as hdiutil writes them: the first 64 sectors, then the rest.
	parts := []struct {
		name        string
		first, last int
	}{{"Driver Descriptor Map (DDM : 0)", 0, min(64, len(raw)/sector)}, {"disk image (Apple_HFS : 1)", min(64, len(raw)/sector), len(raw) / sector}}
	var tables [][]byte
	k := 0
	for _, p := range parts {
		var cs []chunk
		for s := p.first; s < p.last; s += per {
			n := min(per, p.last-s)
			b := raw[s*sector : (s+n)*sector]
			c := chunk{start: uint64(s - p.first), count: uint64(n), offset: uint64(data.Len())}
			if allZero(b) {
				c.kind = [2]uint32{0, 2}[k%2] // zero-fill and free, in turn
				c.offset = 0
			} else {
				m := methods[k%len(methods)]
				enc, kind, err := encode(m, b)
				if err != nil {
					return err
				}
				c.kind = kind
				c.storedLength = uint64(len(enc))
				data.Write(enc)
			}
			k++
			cs = append(cs, c)
		}
		tables = append(tables, mish(uint64(p.first), uint64(p.last-p.first), cs))
	}
	dataLen := data.Len()
	var x strings.Builder
	x.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n" +
		"<plist version=\"1.0\">\n<dict>\n\t<key>resource-fork</key>\n\t<dict>\n\t\t<key>blkx</key>\n\t\t<array>\n")
	for i, t := range tables {
		fmt.Fprintf(&x, "\t\t\t<dict>\n\t\t\t\t<key>Attributes</key>\n\t\t\t\t<string>0x0050</string>\n\t\t\t\t<key>CFName</key>\n\t\t\t\t<string>%s</string>\n\t\t\t\t<key>Data</key>\n\t\t\t\t<data>\n", parts[i].name)
		enc := base64.StdEncoding.EncodeToString(t)
		for len(enc) > 0 {
			n := min(52, len(enc))
			fmt.Fprintf(&x, "\t\t\t\t%s\n", enc[:n])
			enc = enc[n:]
		}
		fmt.Fprintf(&x, "\t\t\t\t</data>\n\t\t\t\t<key>ID</key>\n\t\t\t\t<string>%d</string>\n\t\t\t\t<key>Name</key>\n\t\t\t\t<string>%s</string>\n\t\t\t</dict>\n", i-1, parts[i].name)
	}
	x.WriteString("\t\t</array>\n\t</dict>\n</dict>\n</plist>\n")
	data.WriteString(x.String())
	koly := make([]byte, sector)
	be := binary.BigEndian
	copy(koly, "koly")
	be.PutUint32(koly[4:], 4)
	be.PutUint32(koly[8:], sector)
	be.PutUint32(koly[12:], 1)
	be.PutUint64(koly[32:], uint64(dataLen))
	be.PutUint32(koly[60:], 1)
	be.PutUint64(koly[216:], uint64(dataLen))
	be.PutUint64(koly[224:], uint64(x.Len()))
	be.PutUint32(koly[488:], 1)
	be.PutUint64(koly[492:], uint64(len(raw)/sector))
	data.Write(koly)
	return os.WriteFile(out, data.Bytes(), 0o644)
}

// mish encodes a block table with a terminator entry.
func mish(first, count uint64, cs []chunk) []byte {
	be := binary.BigEndian
	b := make([]byte, 204+40*(len(cs)+1))
	copy(b, "mish")
	be.PutUint32(b[4:], 1)
	be.PutUint64(b[8:], first)
	be.PutUint64(b[16:], count)
	be.PutUint32(b[32:], 0x208)
	be.PutUint32(b[36:], uint32(len(cs)))
	be.PutUint32(b[200:], uint32(len(cs)+1))
	for i, c := range append(cs, chunk{kind: 0xffffffff, start: count}) {
		e := b[204+40*i:]
		be.PutUint32(e, c.kind)
		be.PutUint64(e[8:], c.start)
		be.PutUint64(e[16:], c.count)
		be.PutUint64(e[24:], c.offset)
		be.PutUint64(e[32:], c.storedLength)
	}
	return b
}

func encode(method string, b []byte) ([]byte, uint32, error) {
	switch method {
	case "raw":
		return b, 1, nil
	case "zlib":
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		w.Write(b)
		w.Close()
		return z.Bytes(), 0x80000005, nil
	case "bzip2":
		cmd := exec.Command("bzip2", "-c", "-9")
		cmd.Stdin = bytes.NewReader(b)
		out, err := cmd.Output()
		if err != nil {
			return nil, 0, fmt.Errorf("bzip2: %w", err)
		}
		return out, 0x80000006, nil
	case "adc":
		return adc(b), 0x80000004, nil
	}
	return nil, 0, fmt.Errorf("unknown method %q", method)
}

// adc compresses greedily with Apple Data Compression's three op kinds.
func adc(src []byte) []byte {
	var out, lit []byte
	flush := func() {
		for len(lit) > 0 {
			n := min(128, len(lit))
			out = append(out, 0x80|byte(n-1))
			out = append(out, lit[:n]...)
			lit = lit[n:]
		}
	}
	last := map[[3]byte]int{}
	for i := 0; i < len(src); {
		if i+3 <= len(src) {
			key := [3]byte(src[i : i+3])
			j, ok := last[key]
			last[key] = i
			if ok && i-j <= 65536 {
				n := 0
				for n < 67 && i+n < len(src) && src[j+n] == src[i+n] {
					n++
				}
				dist := i - j
				switch {
				case n >= 3 && n <= 18 && dist <= 1024:
					flush()
					out = append(out, byte(n-3)<<2|byte((dist-1)>>8), byte(dist-1))
					i += n
					continue
				case n >= 4:
					flush()
					out = append(out, 0x40|byte(n-4), byte((dist-1)>>8), byte(dist-1))
					i += n
					continue
				}
			}
		}
		lit = append(lit, src[i])
		i++
	}
	flush()
	return out
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
