package expand

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// Many encrypted PDFs have an empty user password: they open without one
// and only restrict printing or copying. Their images are read with the
// key that password gives (ISO 32000-2, 7.6.4: the standard security
// handler, RC4 and AES-128 at revisions 2–4, AES-256 at 5 and 6). With any
// other password the images are listed as not readable.

// pdfCrypt decrypts the streams and strings of one PDF.
type pdfCrypt struct {
	key    []byte
	aes    bool // AESV2/AESV3, else RC4
	aesV3  bool // AES-256: the file key is used as is
	plainM bool // /EncryptMetadata false: metadata streams are not encrypted
}

var errPDFPassword = errors.New("a user password is needed")

// pdfPadding pads passwords (Algorithm 2, step a).
var pdfPadding = []byte("\x28\xbf\x4e\x5e\x4e\x75\x8a\x41\x64\x00\x4e\x56\xff\xfa\x01\x08\x2e\x2e\x00\xb6\xd0\x68\x3e\x80\x2f\x0c\xa9\xfe\x64\x53\x69\x7a")

// newPDFCrypt opens the standard security handler of enc with the empty
// user password; id is the first element of the trailer's /ID.
func (d *pdfDoc) newPDFCrypt(enc pdfDict, id []byte) (*pdfCrypt, error) {
	if f, _ := d.resolve(enc["Filter"]).(pdfName); f != "Standard" {
		return nil, fmt.Errorf("security handler %s not supported", f)
	}
	v, _ := pdfInt(d.resolve(enc["V"]))
	r, _ := pdfInt(d.resolve(enc["R"]))
	o, _ := d.resolve(enc["O"]).(pdfString)
	u, _ := d.resolve(enc["U"]).(pdfString)
	p, _ := pdfInt(d.resolve(enc["P"]))
	c := &pdfCrypt{}
	if m, ok := d.resolve(enc["EncryptMetadata"]).(bool); ok && !m {
		c.plainM = true
	}
	if v >= 4 {
		cfm := pdfName("")
		if cf, ok := d.resolve(enc["CF"]).(pdfDict); ok {
			stmf, _ := d.resolve(enc["StmF"]).(pdfName)
			if std, ok := d.resolve(cf[stmf]).(pdfDict); ok {
				cfm, _ = d.resolve(std["CFM"]).(pdfName)
			}
		}
		switch cfm {
		case "AESV2":
			c.aes = true
		case "AESV3":
			c.aes, c.aesV3 = true, true
		case "V2":
		case "None", "":
			if stmf, _ := d.resolve(enc["StmF"]).(pdfName); stmf == "Identity" || stmf == "" {
				return nil, nil // streams are not encrypted
			}
			return nil, fmt.Errorf("crypt filter method %q not supported", cfm)
		default:
			return nil, fmt.Errorf("crypt filter method %s not supported", cfm)
		}
	}
	switch {
	case r >= 2 && r <= 4:
		if len(o) < 32 || len(u) < 16 {
			return nil, fmt.Errorf("/O or /U too short")
		}
		n := 5
		if r >= 3 {
			l, _ := pdfInt(d.resolve(enc["Length"]))
			if l == 0 {
				l = 40
			}
			if l < 40 || l > 128 || l%8 != 0 {
				return nil, fmt.Errorf("key length %d not supported", l)
			}
			n = int(l / 8)
		}
		h := md5.New()
		h.Write(pdfPadding)
		h.Write(o[:32])
		binary.Write(h, binary.LittleEndian, uint32(int32(p)))
		h.Write(id)
		if r >= 4 && c.plainM {
			h.Write([]byte{0xff, 0xff, 0xff, 0xff})
		}
		key := h.Sum(nil)
		if r >= 3 {
			for range 50 {
				s := md5.Sum(key[:n])
				key = s[:]
			}
		}
		c.key = key[:n]
		// The key is right when it encrypts the padding (R2) or the
		// padding's hash with the ID (R3, R4) to /U.
		var check []byte
		if r == 2 {
			check = rc4XOR(c.key, pdfPadding)
			u = u[:32]
		} else {
			s := md5.Sum(append(append([]byte(nil), pdfPadding...), id...))
			check = s[:]
			for i := range 20 {
				k := make([]byte, len(c.key))
				for j := range k {
					k[j] = c.key[j] ^ byte(i)
				}
				check = rc4XOR(k, check)
			}
			u = u[:16]
		}
		if !bytes.Equal(check, u) {
			return nil, errPDFPassword
		}
		return c, nil
	case r == 5 || r == 6:
		ue, _ := d.resolve(enc["UE"]).(pdfString)
		if len(u) < 48 || len(ue) < 32 {
			return nil, fmt.Errorf("/U or /UE too short")
		}
		if !bytes.Equal(pdfHash2B(int(r), u[32:40]), u[:32]) {
			return nil, errPDFPassword
		}
		k, err := aesCBCDecryptRaw(pdfHash2B(int(r), u[40:48]), make([]byte, 16), ue[:32])
		if err != nil {
			return nil, err
		}
		c.key, c.aes, c.aesV3 = k, true, true
		return c, nil
	}
	return nil, fmt.Errorf("security handler revision %d not supported", r)
}

// pdfHash2B is Algorithm 2.B (revision 6; plain SHA-256 at 5) for the
// empty password with salt.
func pdfHash2B(r int, salt []byte) []byte {
	k := sha256.Sum256(salt)
	if r == 5 {
		return k[:]
	}
	key := k[:]
	for i := 0; ; i++ {
		k1 := bytes.Repeat(key, 64)
		block, _ := aes.NewCipher(key[:16])
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, key[16:32]).CryptBlocks(e, k1)
		var sum int
		for _, b := range e[:16] {
			sum += int(b)
		}
		var h hash.Hash
		switch sum % 3 {
		case 0:
			h = sha256.New()
		case 1:
			h = sha512.New384()
		default:
			h = sha512.New()
		}
		h.Write(e)
		key = h.Sum(nil)
		if i >= 63 && int(e[len(e)-1]) <= i-31 {
			break
		}
	}
	return key[:32]
}

func rc4XOR(key, b []byte) []byte {
	c, _ := rc4.NewCipher(key)
	out := make([]byte, len(b))
	c.XORKeyStream(out, b)
	return out
}

func aesCBCDecryptRaw(key, iv, b []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if len(b)%16 != 0 {
		return nil, fmt.Errorf("AES data of %d bytes is not whole blocks", len(b))
	}
	out := make([]byte, len(b))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, b)
	return out, nil
}

// decrypt undoes the encryption of a stream or string of object num, gen.
func (c *pdfCrypt) decrypt(num, gen int64, b []byte) ([]byte, error) {
	key := c.key
	if !c.aesV3 {
		h := md5.New()
		h.Write(c.key)
		h.Write([]byte{byte(num), byte(num >> 8), byte(num >> 16), byte(gen), byte(gen >> 8)})
		if c.aes {
			h.Write([]byte("sAlT"))
		}
		key = h.Sum(nil)[:min(len(c.key)+5, 16)]
	}
	if !c.aes {
		return rc4XOR(key, b), nil
	}
	if len(b) < 16 {
		return nil, fmt.Errorf("AES data of %d bytes, shorter than its IV", len(b))
	}
	out, err := aesCBCDecryptRaw(key, b[:16], b[16:len(b)-(len(b)-16)%16])
	if err != nil {
		return nil, err
	}
	if n := len(out); n > 0 && out[n-1] >= 1 && out[n-1] <= 16 && int(out[n-1]) <= n {
		out = out[:n-int(out[n-1])] // PKCS#5 padding
	}
	return out, nil
}
