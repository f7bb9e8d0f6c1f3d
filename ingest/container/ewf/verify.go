package ewf

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"sync/atomic"
)

// Verification is the outcome of recomputing the media digests.
type Verification struct {
	Status     string // "verified", "mismatch" or "no stored hash"
	MD5, SHA1  string // computed over the whole media, lower-case hex
	StoredMD5  string // from the image, "" when absent
	StoredSHA1 string
	Bytes      int64
}

// verifyBlock is the read unit: large enough to keep every worker busy.
const verifyBlock = 8 << 20

// block is one read unit on its way through the two hashers.
type block struct {
	b       []byte
	pending atomic.Int32 // hashers still to see it
}

// Verify reads the whole media once and compares MD5 and SHA-1 with the
// stored digests. MD5 and SHA-1 each run in their own goroutine on a block
// while the next one is decompressed: MD5 alone is slower than inflating.
// A stored digest that is absent is not compared; a read error ends it.
func (im *Image) Verify(ctx context.Context, progress func(done, total int64)) (Verification, error) {
	v := Verification{}
	stored := im.StoredHashes()
	v.StoredMD5, v.StoredSHA1 = stored["md5"], stored["sha1"]
	bs := min(verifyBlock, max(im.size, 1))
	free := make(chan *block, 3)
	for range cap(free) {
		free <- &block{b: make([]byte, bs)}
	}
	hashes := []hash.Hash{md5.New(), sha1.New()}
	feeds := make([]chan *block, len(hashes))
	finished := make(chan struct{}, len(hashes))
	for i, h := range hashes {
		feeds[i] = make(chan *block, cap(free))
		go func() {
			for blk := range feeds[i] {
				h.Write(blk.b)
				if blk.pending.Add(-1) == 0 {
					free <- blk
				}
			}
			finished <- struct{}{}
		}()
	}
	var err error
	for off := int64(0); off < im.size; {
		if err = ctx.Err(); err != nil {
			break
		}
		blk := <-free
		blk.b = blk.b[:min(int64(cap(blk.b)), im.size-off)]
		if _, err = im.ReadAt(blk.b, off); err != nil {
			break
		}
		blk.pending.Store(int32(len(feeds)))
		for _, f := range feeds {
			f <- blk
		}
		off += int64(len(blk.b))
		if progress != nil {
			progress(off, im.size)
		}
	}
	for _, f := range feeds {
		close(f)
	}
	for range feeds {
		<-finished
	}
	if err != nil {
		var ce *ChunkError
		if errors.As(err, &ce) {
			return v, err
		}
		return v, fmt.Errorf("ewf: verify: %w", err)
	}
	v.Bytes = im.size
	v.MD5, v.SHA1 = hex.EncodeToString(hashes[0].Sum(nil)), hex.EncodeToString(hashes[1].Sum(nil))
	switch {
	case v.StoredMD5 == "" && v.StoredSHA1 == "":
		v.Status = "no stored hash"
	case (v.StoredMD5 != "" && v.StoredMD5 != v.MD5) || (v.StoredSHA1 != "" && v.StoredSHA1 != v.SHA1):
		v.Status = "mismatch"
	default:
		v.Status = "verified"
	}
	return v, nil
}
