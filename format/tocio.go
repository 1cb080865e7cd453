package format

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// Format bytes of the header (pg_backup.h); directories write the tar code.
const (
	fmtCustom = 1
	fmtTar    = 3
)

var magic = []byte("PGDMP")

// minRead and maxRead bound the archive versions pgstow reads.
var (
	minRead = Version1_12
	maxRead = Version1_16
)

func (v Version) String() string {
	return fmt.Sprintf("%d.%d-%d", int(v)>>16, int(v)>>8&0xff, int(v)&0xff)
}

// EncodeTOC returns the header and TOC as toc.dat (tar, directory) or the start of a
// custom file. Layout selects the per-entry extra field: a file name for tar and
// directory, a data offset for custom.
func EncodeTOC(toc *TOC) ([]byte, error) {
	h := toc.Header
	if h.Version == 0 {
		h.Version = Version1_14
	}
	if h.Version < Version1_14 || h.Version > Version1_16 {
		return nil, fmt.Errorf("write archive version %s: %w", h.Version, ErrUnsupportedVersion)
	}
	if h.Version < Version1_15 && (h.Compression.Algorithm == AlgLZ4 || h.Compression.Algorithm == AlgZstd) {
		return nil, fmt.Errorf("archive version %s cannot record %s compression", h.Version, h.Compression.Algorithm)
	}
	e := &encoder{intSize: 4}
	e.buf.Write(magic)
	e.byte(byte(int(h.Version) >> 16))
	e.byte(byte(int(h.Version) >> 8))
	e.byte(byte(h.Version))
	e.byte(4)
	e.byte(8)
	if h.Layout == LayoutCustom {
		e.byte(fmtCustom)
	} else {
		e.byte(fmtTar)
	}
	if h.Version >= Version1_15 {
		e.byte(byte(h.Compression.Algorithm))
	} else {
		switch {
		case h.Compression.Algorithm == AlgNone:
			e.int(0)
		case h.Compression.Level == 0:
			e.int(-1)
		default:
			e.int(h.Compression.Level)
		}
	}
	t := h.Created.UTC()
	for _, v := range []int{t.Second(), t.Minute(), t.Hour(), t.Day(), int(t.Month()) - 1, t.Year() - 1900, 0} {
		e.int(v)
	}
	e.str(h.DBName, true)
	e.str(h.ServerVersion, true)
	e.str(h.DumpVersion, true)

	e.int(len(toc.Entries))
	for _, te := range toc.Entries {
		if te.DumpID <= 0 {
			return nil, fmt.Errorf("TOC entry %q has dumpId %d", te.Tag, te.DumpID)
		}
		e.int(te.DumpID)
		if te.HadDumper {
			e.int(1)
		} else {
			e.int(0)
		}
		e.str(oidString(te.TableOID), true)
		e.str(oidString(te.OID), true)
		e.str(te.Tag, true)
		e.str(te.Desc, true)
		e.int(int(te.Section))
		e.str(te.Defn, false)
		e.str(te.DropStmt, false)
		e.str(te.CopyStmt, false)
		e.str(te.Namespace, false)
		if te.Tablespace == nil {
			e.null()
		} else {
			e.str(*te.Tablespace, true)
		}
		e.str(te.TableAM, false)
		if h.Version >= Version1_16 {
			e.int(int(te.RelKind))
		}
		e.str(te.Owner, false)
		e.str("false", true)
		for _, d := range te.Deps {
			if d <= 0 {
				return nil, fmt.Errorf("TOC entry %d (%s %s): dependency %d out of range", te.DumpID, te.Desc, te.Tag, d)
			}
			e.str(strconv.Itoa(d), true)
		}
		e.null()
		if h.Layout == LayoutCustom {
			switch {
			case !te.HadDumper:
				e.offset(3, 0)
			case te.OffsetKnown:
				e.offset(2, te.DataOffset)
			default:
				e.offset(1, 0)
			}
		} else {
			e.str(te.FileName, true)
		}
	}
	return e.buf.Bytes(), nil
}

// DecodeTOC reads a header and TOC. name labels errors ("toc.dat"). The header's
// format byte decides the per-entry extra field; Layout is set to Custom for
// format 1 and Tar for format 3 (a directory reader overrides it).
func DecodeTOC(r io.Reader, name string) (*TOC, error) {
	d := newDecoder(r, name)
	toc, err := decodeTOC(d)
	return toc, err
}

func decodeTOC(d *decoder) (*TOC, error) {
	var m [5]byte
	if err := d.full(m[:]); err != nil {
		return nil, err
	}
	if string(m[:]) != string(magic) {
		return nil, d.fail("not a pg_dump archive (no PGDMP magic)")
	}
	var vb [6]byte
	if err := d.full(vb[:]); err != nil {
		return nil, err
	}
	h := Header{Version: MakeVersion(int(vb[0]), int(vb[1]), int(vb[2])), IntSize: int(vb[3]), OffSize: int(vb[4])}
	if h.Version < minRead || h.Version>>8 > maxRead>>8 {
		return nil, &MemberError{Member: d.name, Offset: 5, Err: fmt.Errorf("%w: %s (pgstow reads 1.12 to 1.16)", ErrUnsupportedVersion, h.Version)}
	}
	if h.IntSize < 1 || h.IntSize > 32 || h.OffSize < 1 || h.OffSize > 32 {
		return nil, d.fail("integer size %d / offset size %d", h.IntSize, h.OffSize)
	}
	d.intSize, d.offSize = h.IntSize, h.OffSize
	switch vb[5] {
	case fmtCustom:
		h.Layout = LayoutCustom
	case fmtTar:
		h.Layout = LayoutTar
	default:
		return nil, d.fail("unknown archive format code %d", vb[5])
	}
	if h.Version >= Version1_15 {
		b, err := d.byte()
		if err != nil {
			return nil, err
		}
		if b > byte(AlgZstd) {
			return nil, d.fail("unknown compression algorithm %d", b)
		}
		h.Compression.Algorithm = Algorithm(b)
	} else {
		lvl, err := d.int()
		if err != nil {
			return nil, err
		}
		switch {
		case lvl == 0:
		case lvl == -1:
			h.Compression.Algorithm = AlgGzip
		case lvl >= 1 && lvl <= 9:
			h.Compression = Compression{Algorithm: AlgGzip, Level: lvl}
		default:
			return nil, d.fail("invalid compression level %d", lvl)
		}
	}
	var tm [7]int
	for i := range tm {
		v, err := d.int()
		if err != nil {
			return nil, err
		}
		tm[i] = v
	}
	h.Created = time.Date(tm[5]+1900, time.Month(tm[4]+1), tm[3], tm[2], tm[1], tm[0], 0, time.UTC)
	var err error
	if h.DBName, _, err = d.str(); err != nil {
		return nil, err
	}
	if h.ServerVersion, _, err = d.str(); err != nil {
		return nil, err
	}
	if h.DumpVersion, _, err = d.str(); err != nil {
		return nil, err
	}
	n, err := d.int()
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, d.fail("negative TOC entry count %d", n)
	}
	toc := &TOC{Header: h}
	seen := make(map[int]bool)
	for i := 0; i < n; i++ {
		te, err := decodeEntry(d, h)
		if err != nil {
			return nil, err
		}
		if seen[te.DumpID] {
			return nil, d.fail("duplicate dumpId %d", te.DumpID)
		}
		seen[te.DumpID] = true
		toc.Entries = append(toc.Entries, te)
	}
	return toc, nil
}

func decodeEntry(d *decoder, h Header) (*Entry, error) {
	te := &Entry{}
	var err error
	str := func() string {
		if err != nil {
			return ""
		}
		var s string
		s, _, err = d.str()
		return s
	}
	oid := func() uint32 {
		s := str()
		if err != nil || s == "" {
			return 0
		}
		v, perr := strconv.ParseUint(s, 10, 32)
		if perr != nil {
			err = d.fail("invalid OID %q", s)
		}
		return uint32(v)
	}
	if te.DumpID, err = d.int(); err != nil {
		return nil, err
	}
	if te.DumpID <= 0 {
		return nil, d.fail("entry ID %d out of range", te.DumpID)
	}
	had, err := d.int()
	if err != nil {
		return nil, err
	}
	te.HadDumper = had != 0
	te.TableOID = oid()
	te.OID = oid()
	te.Tag = str()
	te.Desc = str()
	if err != nil {
		return nil, err
	}
	sec, err := d.int()
	if err != nil {
		return nil, err
	}
	te.Section = Section(sec)
	te.Defn = str()
	te.DropStmt = str()
	te.CopyStmt = str()
	te.Namespace = str()
	if err != nil {
		return nil, err
	}
	ts, null, err := d.str()
	if err != nil {
		return nil, err
	}
	if !null {
		te.Tablespace = &ts
	}
	if h.Version >= Version1_14 {
		te.TableAM = str()
	}
	if h.Version >= Version1_16 && err == nil {
		var rk int
		if rk, err = d.int(); err == nil {
			te.RelKind = byte(rk)
		}
	}
	te.Owner = str()
	_ = str() // "with oids"
	if err != nil {
		return nil, err
	}
	for {
		s, null, err := d.str()
		if err != nil {
			return nil, err
		}
		if null {
			break
		}
		dep, perr := strconv.Atoi(s)
		if perr != nil || dep <= 0 {
			return nil, d.fail("entry %d: dependency ID %q out of range", te.DumpID, s)
		}
		te.Deps = append(te.Deps, dep)
	}
	if h.Layout == LayoutCustom {
		flag, off, err := d.offset()
		if err != nil {
			return nil, err
		}
		switch flag {
		case 1, 3:
		case 2:
			te.DataOffset, te.OffsetKnown = off, true
		default:
			return nil, d.fail("entry %d: unexpected data offset flag %d", te.DumpID, flag)
		}
	} else {
		if te.FileName, _, err = d.str(); err != nil {
			return nil, err
		}
	}
	return te, nil
}
