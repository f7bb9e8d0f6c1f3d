package hashset

// validJSON reports whether b is one valid JSON value, exactly as
// json.Valid does (FuzzValidJSON compares them), in one tight loop over
// the bytes: json.Valid steps a state machine through a function pointer
// per byte, which was a third of a VICS import's CPU.
//
// stack holds the open containers ('{' or '['); it is reused across calls
// so a record costs no allocation. Nesting is bounded like encoding/json's.
func validJSON(b []byte, stack *[]byte) bool {
	const maxDepth = 10000 // encoding/json's maxNestingDepth
	st := (*stack)[:0]
	defer func() { *stack = st[:0] }()
	i := skipWS(b, 0)
	for {
		// A value starts at b[i].
		if i >= len(b) {
			return false
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if len(st) >= maxDepth {
				return false
			}
			st = append(st, c)
			i = skipWS(b, i+1)
			if i < len(b) && b[i] == c+2 { // '}' is '{'+2, ']' is '['+2
				st = st[:len(st)-1]
				i++
				break
			}
			if c == '{' {
				if i = objectKey(b, i); i < 0 {
					return false
				}
			}
			continue
		case c == '"':
			if i = validString(b, i); i < 0 {
				return false
			}
		case c == '-' || c >= '0' && c <= '9':
			if i = validNumber(b, i); i < 0 {
				return false
			}
		case c == 't':
			if !hasLiteral(b, i, "true") {
				return false
			}
			i += 4
		case c == 'f':
			if !hasLiteral(b, i, "false") {
				return false
			}
			i += 5
		case c == 'n':
			if !hasLiteral(b, i, "null") {
				return false
			}
			i += 4
		default:
			return false
		}
		// After a value: close containers, or go on to the next member.
		for {
			i = skipWS(b, i)
			if len(st) == 0 {
				return i == len(b)
			}
			if i >= len(b) {
				return false
			}
			open := st[len(st)-1]
			switch b[i] {
			case ',':
				i = skipWS(b, i+1)
				if open == '{' {
					if i = objectKey(b, i); i < 0 {
						return false
					}
				}
			case open + 2:
				st = st[:len(st)-1]
				i++
				continue
			default:
				return false
			}
			break
		}
	}
}

// objectKey checks `"key" :` at b[i] and returns the index of the value
// after it (blanks skipped), or -1.
func objectKey(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = validString(b, i); i < 0 {
		return -1
	}
	i = skipWS(b, i)
	if i >= len(b) || b[i] != ':' {
		return -1
	}
	return skipWS(b, i+1)
}

// validString returns the index after the string starting at b[i] == '"',
// or -1: control characters are refused and escapes checked. Like
// encoding/json's scanner, it does not check UTF-8.
func validString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1
		case c < 0x20:
			return -1
		case c == '\\':
			j++
			if j >= len(b) {
				return -1
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(b) {
					return -1
				}
				for _, h := range b[j+1 : j+5] {
					if !isHex(h) {
						return -1
					}
				}
				j += 4
			default:
				return -1
			}
		}
	}
	return -1
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// validNumber returns the index after the number at b[i], or -1:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > j
	}
	switch {
	case i >= len(b):
		return -1
	case b[i] == '0':
		i++
	case !digits():
		return -1
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return -1
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return -1
		}
	}
	return i
}

func hasLiteral(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}
