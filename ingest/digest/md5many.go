package digest

import (
	"crypto/md5"
	"encoding/binary"
)

//go:generate go run gen_md5x8.go

// MD5Many sets sums[i] to the MD5 of msgs[i]; sums must be as long.
//
// A small file's MD5 costs more than its SHA-1 and SHA-256 together, which
// the CPU accelerates: MD5's steps depend each on the one before, so one
// message keeps one core's adders mostly waiting. With AVX2, eight messages
// run at once, one per 32-bit lane, several times faster than one by one;
// a batch of small files read together is hashed this way. Without AVX2,
// or for a single message, crypto/md5 runs.
func MD5Many(msgs [][]byte, sums [][md5.Size]byte) {
	_ = sums[:len(msgs)] // one clear panic for a short sums
	if len(msgs) < 2 || !haveBlocks8() {
		for i, m := range msgs {
			sums[i] = md5.Sum(m)
		}
		return
	}
	md5x8(msgs, sums)
}

// md5Lane is one message in flight in one lane of blocks8.
type md5Lane struct {
	msg  int    // index into msgs; -1 once there is none left to start
	seg  []byte // whole blocks left to run: the message's, then tail's
	tail []byte // the padded end (one or two blocks), once seg is done
	pad  [2 * md5.BlockSize]byte
}

// md5x8 feeds msgs through blocks8, eight at a time. Each call runs as
// many blocks as the lane closest to the end of its segment has left;
// a lane done with its message takes the next one. A lane with nothing
// left to hash reads another lane's blocks, and its result is ignored.
func md5x8(msgs [][]byte, sums [][md5.Size]byte) {
	var (
		state [4][8]uint32 // word of the state, then lane
		ptrs  [8]*byte
		lanes [8]md5Lane
		next  int
		// MD5's initial state, a to d (RFC 1321, 3.3).
		md5Init = [4]uint32{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}
	)
	start := func(l int) {
		ln := &lanes[l]
		if next == len(msgs) {
			ln.msg = -1
			return
		}
		m := msgs[next]
		ln.msg = next
		next++
		whole := len(m) &^ (md5.BlockSize - 1)
		n := copy(ln.pad[:], m[whole:])
		clear(ln.pad[n:])
		ln.pad[n] = 0x80
		end := md5.BlockSize
		if n >= md5.BlockSize-8 {
			end = 2 * md5.BlockSize
		}
		binary.LittleEndian.PutUint64(ln.pad[end-8:end], uint64(len(m))<<3)
		ln.seg, ln.tail = m[:whole], ln.pad[:end]
		if whole == 0 {
			ln.seg, ln.tail = ln.tail, nil
		}
		for w := range state {
			state[w][l] = md5Init[w]
		}
	}
	for l := range lanes {
		start(l)
	}
	for {
		blocks, busy := 0, -1
		for l := range lanes {
			if lanes[l].msg < 0 {
				continue
			}
			if n := len(lanes[l].seg) / md5.BlockSize; busy < 0 || n < blocks {
				blocks = n
			}
			if busy < 0 {
				busy = l
			}
		}
		if busy < 0 {
			return
		}
		for l := range lanes {
			from := l
			if lanes[l].msg < 0 {
				from = busy
			}
			ptrs[l] = &lanes[from].seg[0]
		}
		blocks8(&state, &ptrs, blocks)
		for l := range lanes {
			ln := &lanes[l]
			if ln.msg < 0 {
				continue
			}
			ln.seg = ln.seg[blocks*md5.BlockSize:]
			switch {
			case len(ln.seg) > 0:
			case ln.tail != nil:
				ln.seg, ln.tail = ln.tail, nil
			default:
				sum := &sums[ln.msg]
				for w := range state {
					binary.LittleEndian.PutUint32(sum[4*w:], state[w][l])
				}
				start(l)
			}
		}
	}
}
