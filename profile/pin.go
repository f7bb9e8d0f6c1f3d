package profile

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// MinPINLength is the shortest PIN accepted, in characters.
const MinPINLength = 4

// argon2id parameters for new PINs (OWASP's minimum: 19 MiB, 2 passes).
// Each hash stores its own, so they can be raised later.
const (
	pinMemory  = 19 * 1024
	pinTime    = 2
	pinThreads = 1
	pinKeyLen  = 32
)

// PINCost is the argon2id cost of the PIN hashes a Home makes
// (Options.PINCost). The zero value is the default, OWASP's minimum;
// tests pass a small one to save seconds per hash. A hash keeps its own
// cost, so PINs hashed at any cost are checked at theirs.
type PINCost struct {
	MemoryKiB uint32 // at least 8
	Passes    uint32 // at least 1
}

// withDefault gives the zero cost the default's values.
func (c PINCost) withDefault() PINCost {
	if c == (PINCost{}) {
		return PINCost{MemoryKiB: pinMemory, Passes: pinTime}
	}
	return c
}

// check refuses a cost argon2id cannot run.
func (c PINCost) check() error {
	if c.MemoryKiB < 8*pinThreads || c.Passes < 1 {
		return fmt.Errorf("PIN cost %d KiB, %d passes: argon2id needs at least %d KiB and 1 pass", c.MemoryKiB, c.Passes, 8*pinThreads)
	}
	return nil
}

var b64 = base64.RawStdEncoding

// hashPIN returns a PHC string: $argon2id$v=19$m=..,t=..,p=..$salt$hash.
func hashPIN(pin string, cost PINCost) (string, error) {
	if utf8.RuneCountInString(pin) < MinPINLength {
		return "", fmt.Errorf("a PIN needs at least %d characters", MinPINLength)
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("PIN salt: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, cost.Passes, cost.MemoryKiB, pinThreads, pinKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, cost.MemoryKiB, cost.Passes, pinThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPIN compares pin with a stored hash in constant time.
func checkPIN(stored, pin string) (bool, error) {
	parts := strings.Split(stored, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("stored PIN hash is not argon2id")
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("stored PIN hash has argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 {
		return false, fmt.Errorf("stored PIN hash has bad parameters %q", parts[3])
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("stored PIN salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, fmt.Errorf("stored PIN hash is not readable")
	}
	got := argon2.IDKey([]byte(pin), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked for an unknown name, so that it is as slow as a
// wrong PIN of a profile hashed at cost.
func dummyHash(cost PINCost) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		argon2.Version, cost.MemoryKiB, cost.Passes, pinThreads)
}
