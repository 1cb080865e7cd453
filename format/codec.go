package format

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// maxString caps one TOC string. Real definitions are far smaller; the cap keeps a
// corrupt length from allocating gigabytes before the read fails.
const maxString = 1 << 30

// encoder writes pg_dump's primitive encodings (spec §2) into a buffer.
type encoder struct {
	buf     bytes.Buffer
	intSize int
}

func (e *encoder) byte(b byte) { e.buf.WriteByte(b) }

// int writes a sign byte and intSize little-endian bytes of the absolute value.
func (e *encoder) int(v int) {
	if v < 0 {
		e.buf.WriteByte(1)
		v = -v
	} else {
		e.buf.WriteByte(0)
	}
	for i := 0; i < e.intSize; i++ {
		e.buf.WriteByte(byte(v))
		v >>= 8
	}
}

// str writes s; an empty s is written as NULL unless keepEmpty.
func (e *encoder) str(s string, keepEmpty bool) {
	if s == "" && !keepEmpty {
		e.int(-1)
		return
	}
	e.int(len(s))
	e.buf.WriteString(s)
}

func (e *encoder) null() { e.int(-1) }

// offset writes a custom-format data offset: flag byte then offSize bytes.
func (e *encoder) offset(flag byte, off int64) {
	e.buf.WriteByte(flag)
	for i := 0; i < 8; i++ {
		e.buf.WriteByte(byte(off))
		off >>= 8
	}
}

// decoder reads primitive encodings from a stream, tracking the offset for errors.
type decoder struct {
	r       *bufio.Reader
	off     int64
	intSize int
	offSize int
	name    string // member name for errors
}

func newDecoder(r io.Reader, name string) *decoder {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &decoder{r: br, intSize: 4, offSize: 8, name: name}
}

func (d *decoder) fail(format string, args ...any) error {
	return &MemberError{Member: d.name, Offset: d.off, Err: fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)}
}

func (d *decoder) eof(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &MemberError{Member: d.name, Offset: d.off, Err: fmt.Errorf("%w: unexpected end of data", ErrCorrupt)}
	}
	return &MemberError{Member: d.name, Offset: d.off, Err: err}
}

func (d *decoder) byte() (byte, error) {
	b, err := d.r.ReadByte()
	if err != nil {
		return 0, d.eof(err)
	}
	d.off++
	return b, nil
}

func (d *decoder) full(p []byte) error {
	n, err := io.ReadFull(d.r, p)
	d.off += int64(n)
	if err != nil {
		return d.eof(err)
	}
	return nil
}

// int reads a sign byte and intSize bytes. Values must fit in 31 bits, as in
// pg_restore, whose reader accumulates into a C int.
func (d *decoder) int() (int, error) {
	sign, err := d.byte()
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := 0; i < d.intSize; i++ {
		b, err := d.byte()
		if err != nil {
			return 0, err
		}
		if i >= 4 && b != 0 {
			return 0, d.fail("integer does not fit in 32 bits")
		}
		v |= uint64(b) << (8 * i)
	}
	if v > 1<<31-1 {
		return 0, d.fail("integer %d out of range", v)
	}
	if sign != 0 {
		return -int(v), nil
	}
	return int(v), nil
}

// str reads a string; null reports the NULL string (length -1).
func (d *decoder) str() (s string, null bool, err error) {
	n, err := d.int()
	if err != nil {
		return "", false, err
	}
	if n < 0 {
		if n != -1 {
			return "", false, d.fail("negative string length %d", n)
		}
		return "", true, nil
	}
	if n > maxString {
		return "", false, d.fail("string length %d too large", n)
	}
	// Read in steps so a corrupt length fails at end of data instead of allocating.
	var b bytes.Buffer
	m, err := io.CopyN(&b, d.r, int64(n))
	d.off += m
	if err != nil {
		return "", false, d.eof(err)
	}
	return b.String(), false, nil
}

// offset reads a custom-format data offset.
func (d *decoder) offset() (flag byte, off int64, err error) {
	flag, err = d.byte()
	if err != nil {
		return 0, 0, err
	}
	var v uint64
	for i := 0; i < d.offSize; i++ {
		b, err := d.byte()
		if err != nil {
			return 0, 0, err
		}
		if i >= 8 && b != 0 {
			return 0, 0, d.fail("data offset too large")
		}
		if i < 8 {
			v |= uint64(b) << (8 * i)
		}
	}
	if v > 1<<62 {
		return 0, 0, d.fail("data offset %d out of range", v)
	}
	return flag, int64(v), nil
}

// oidString formats an OID as pg_dump does ("0" for none).
func oidString(v uint32) string { return strconv.FormatUint(uint64(v), 10) }
