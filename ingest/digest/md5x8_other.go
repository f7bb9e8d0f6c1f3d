//go:build !amd64

package digest

// Only amd64 has the eight-lane MD5: MD5Many runs crypto/md5 elsewhere.
func haveBlocks8() bool { return false }

func blocks8(*[4][8]uint32, *[8]*byte, int) { panic("digest: blocks8 without AVX2") }
