package format

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

const tarBlock = 512

// tarHeader builds a ustar header shaped like pg_dump's (spec §7.2): mode 0600,
// uid/gid, uname/gname postgres, no prefix, base-256 sizes from 8 GiB up.
func tarHeader(name string, size int64, mtime time.Time) ([tarBlock]byte, error) {
	var h [tarBlock]byte
	if len(name) > 99 || name == "" || strings.ContainsRune(name, 0) {
		return h, fmt.Errorf("tar member name %q: must be 1 to 99 bytes", name)
	}
	if size < 0 {
		return h, fmt.Errorf("tar member %s: negative size", name)
	}
	copy(h[0:], name)
	copy(h[100:], "0000600 ")
	copy(h[108:], "0004000 ")
	copy(h[116:], "0002000 ")
	if size < 1<<33 {
		copy(h[124:], fmt.Sprintf("%011o ", size))
	} else {
		h[124] = 0x80
		v := uint64(size)
		for i := 135; i > 124; i-- {
			h[i] = byte(v)
			v >>= 8
		}
	}
	mt := mtime.Unix()
	if mt < 0 || mt >= 1<<33 {
		mt = 0
	}
	copy(h[136:], fmt.Sprintf("%011o ", mt))
	h[156] = '0'
	copy(h[257:], "ustar\x00")
	copy(h[263:], "00")
	copy(h[265:], "postgres")
	copy(h[297:], "postgres")
	copy(h[329:], "0000000 ")
	copy(h[337:], "0000000 ")
	copy(h[148:], fmt.Sprintf("%07o ", tarChecksum(&h)))
	return h, nil
}

// tarChecksum sums the header bytes with the checksum field counted as spaces.
func tarChecksum(h *[tarBlock]byte) int {
	sum := 0
	for i, b := range h {
		if i >= 148 && i < 156 {
			sum += ' '
			continue
		}
		sum += int(b)
	}
	return sum
}

// parseTarHeader reads the fields pg_restore reads: name, size and checksum. ok is
// false for an all-zero block (end of archive, or padding to skip).
func parseTarHeader(h *[tarBlock]byte) (name string, size int64, ok bool, err error) {
	zero := true
	for _, b := range h {
		if b != 0 {
			zero = false
			break
		}
	}
	if zero {
		return "", 0, false, nil
	}
	sum, serr := parseOctal(h[148:156])
	if serr != nil || sum != int64(tarChecksum(h)) {
		return "", 0, false, fmt.Errorf("%w: tar header checksum mismatch", ErrCorrupt)
	}
	n := 0
	for n < 100 && h[n] != 0 {
		n++
	}
	name = string(h[:n])
	if h[124]&0x80 != 0 {
		if h[124] != 0x80 {
			return "", 0, false, fmt.Errorf("%w: tar member %s: negative base-256 size", ErrCorrupt, name)
		}
		var v uint64
		for _, b := range h[125:136] {
			if v>>55 != 0 {
				return "", 0, false, fmt.Errorf("%w: tar member %s: size too large", ErrCorrupt, name)
			}
			v = v<<8 | uint64(b)
		}
		if v > 1<<62 {
			return "", 0, false, fmt.Errorf("%w: tar member %s: size too large", ErrCorrupt, name)
		}
		size = int64(v)
	} else {
		size, err = parseOctal(h[124:136])
		if err != nil {
			return "", 0, false, fmt.Errorf("%w: tar member %s: invalid size", ErrCorrupt, name)
		}
	}
	switch h[156] {
	case '0', 0, '7':
	default:
		// Directories, links, PAX/GNU records: not pg_dump members; keep them
		// listed under their name with their size so they are skipped correctly.
	}
	return name, size, true, nil
}

// parseOctal reads leading spaces, then octal digits up to a NUL or space.
func parseOctal(b []byte) (int64, error) {
	s := strings.TrimLeft(string(b), " ")
	end := strings.IndexAny(s, " \x00")
	if end >= 0 {
		s = s[:end]
	}
	if s == "" {
		return 0, nil
	}
	return strconv.ParseInt(s, 8, 64)
}

func tarPadding(size int64) int64 {
	return (tarBlock - size%tarBlock) % tarBlock
}
