package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"

	"scrim/ingest/container/ewf"
	"scrim/ingest/digest"
)

// Verification is the outcome of hashing a whole disk image.
type Verification struct {
	Status   string            // "verified", "mismatch", "no stored hash"
	Computed map[string]string // "md5", "sha1" (and "sha256" where we hash ourselves)
	Detail   string
}

// ErrNothingToVerify: folders and loose files carry no acquisition hashes.
var ErrNothingToVerify = errors.New("only disk images can be verified")

// Verify reads the whole media of a disk image once and compares its digests
// with the acquisition hashes the container stores (E01). Images without
// stored hashes get their digests computed and recorded, so the report can
// state what was received.
func Verify(ctx context.Context, src Source, progress func(done, total int64)) (Verification, error) {
	d, ok := src.(*diskImage)
	if !ok {
		return Verification{}, ErrNothingToVerify
	}
	if im, ok := d.img.(*ewf.Image); ok {
		v, err := im.Verify(ctx, progress)
		if err != nil {
			return Verification{}, fmt.Errorf("verify %s: %w", d.path, err)
		}
		out := Verification{Status: v.Status, Computed: map[string]string{"md5": v.MD5, "sha1": v.SHA1}}
		if v.Status == "mismatch" {
			out.Detail = fmt.Sprintf("stored md5 %s sha1 %s", v.StoredMD5, v.StoredSHA1)
		}
		return out, nil
	}
	h := digest.NewHasher()
	defer h.Close()
	r := &progressReader{r: io.NewSectionReader(d.img, 0, d.img.Size()), total: d.img.Size(), fn: progress, ctx: ctx}
	sums, err := h.Sum(r, d.img.Size(), nil)
	if err != nil {
		return Verification{}, fmt.Errorf("hash %s: %w", d.path, err)
	}
	m, s1, s256 := sums.Hex()
	return Verification{Status: "no stored hash", Computed: map[string]string{"md5": m, "sha1": s1, "sha256": s256}}, nil
}

// progressReader reports bytes read and stops when ctx is done.
type progressReader struct {
	r     io.Reader
	done  int64
	total int64
	fn    func(done, total int64)
	ctx   context.Context
}

func (p *progressReader) Read(b []byte) (int, error) {
	if err := p.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := p.r.Read(b)
	p.done += int64(n)
	if p.fn != nil {
		p.fn(p.done, p.total)
	}
	return n, err
}
