package demo

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
)

// BombSide is the width and height the bomb PNG's header claims.
const BombSide = 100000

// truncated keeps the first 40 % of a picture, like an interrupted download.
func truncated(data []byte) []byte {
	return bytes.Clone(data[:len(data)*4/10])
}

// garbageJPEG starts with the JPEG/JFIF magic and continues with random
// bytes free of 0xFF, so no decoder can find a marker after the first one.
func garbageJPEG(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	for i := 4; i < n; i++ {
		b[i] = byte(r.UintN(255)) // 0…254
	}
	return b
}

// bombPNG is a tiny, well-formed PNG whose header (with a valid CRC) claims
// BombSide×BombSide RGB pixels: 30 GB once decoded. Its IDAT holds a little
// compressed zero data, the start of what a real bomb would carry.
func bombPNG() []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], BombSide)
	binary.BigEndian.PutUint32(ihdr[4:], BombSide)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit, truecolour; compression, filter, interlace 0
	pngChunk(&out, "IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression) // level is valid
	zw.Write(make([]byte, 256<<10))                        // writes to a bytes.Buffer cannot fail
	zw.Close()
	pngChunk(&out, "IDAT", z.Bytes())
	pngChunk(&out, "IEND", nil)
	return out.Bytes()
}

// pngChunk appends length, type, data and the CRC over type and data.
func pngChunk(out *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	out.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	out.WriteString(typ)
	out.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	out.Write(n[:])
}
