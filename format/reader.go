package format

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// memberSource serves named members of a tar file or files of a directory.
type memberSource interface {
	// open returns the stored bytes of a member from off, n bytes (n < 0: to the end).
	open(name string, off, n int64) (io.ReadCloser, error)
	size(name string) (int64, bool)
	close() error
}

// Open opens an archive at path: a directory archive, a tar file (pg_dump's or
// pgstow's, compressed members included) or a custom-format file. Data can be read
// in any order and concurrently.
func Open(ctx context.Context, path string) (Archive, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	if fi.IsDir() {
		return openDirectory(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	var head [tarBlock]byte
	n, _ := io.ReadFull(f, head[:])
	switch {
	case n >= 5 && string(head[:5]) == "PGDMP":
		a, err := openCustom(f, fi.Size(), path)
		if err != nil {
			f.Close()
			return nil, err
		}
		return a, nil
	case n == tarBlock:
		if _, _, ok, err := parseTarHeader(&head); ok && err == nil {
			a, err := openTarFile(f, fi.Size(), path)
			if err != nil {
				f.Close()
				return nil, err
			}
			return a, nil
		}
	}
	f.Close()
	if n > 0 && isPlainScript(head[:n]) {
		return nil, fmt.Errorf("open archive %s: this is a plain SQL script; run it with psql", path)
	}
	return nil, fmt.Errorf("open archive %s: %w: not a pg_dump archive (tar, directory or custom)", path, ErrCorrupt)
}

func isPlainScript(b []byte) bool {
	s := string(b)
	return strings.HasPrefix(s, "--") || strings.HasPrefix(s, "SET ") || strings.HasPrefix(s, "\\restrict")
}

// seekArchive is an archive whose members can be opened at will.
type seekArchive struct {
	src     memberSource
	toc     *TOC
	extra   *Extra
	layout  Layout
	label   string
	extraOf map[int]*Member
}

func newSeekArchive(src memberSource, label string, layout Layout) (*seekArchive, error) {
	rc, err := src.open("toc.dat", 0, -1)
	if err != nil {
		return nil, fmt.Errorf("open archive %s: %w", label, err)
	}
	defer rc.Close()
	toc, err := DecodeTOC(rc, "toc.dat")
	if err != nil {
		return nil, fmt.Errorf("open archive %s: %w", label, err)
	}
	if toc.Header.Layout != LayoutTar {
		return nil, fmt.Errorf("open archive %s: toc.dat: %w: format code is not tar/directory", label, ErrCorrupt)
	}
	a := &seekArchive{src: src, toc: toc, layout: layout, label: label}
	if _, ok := src.size(ExtraMemberName); ok {
		rc, err := src.open(ExtraMemberName, 0, -1)
		if err != nil {
			return nil, fmt.Errorf("open archive %s: %w", label, err)
		}
		defer rc.Close()
		var x Extra
		if err := json.NewDecoder(io.LimitReader(rc, 1<<30)).Decode(&x); err != nil {
			return nil, fmt.Errorf("open archive %s: %s: %w: %w", label, ExtraMemberName, ErrCorrupt, err)
		}
		if x.FormatVersion != 1 {
			return nil, fmt.Errorf("open archive %s: %s: format version %d: %w", label, ExtraMemberName, x.FormatVersion, ErrUnsupportedVersion)
		}
		a.extra = &x
		a.extraOf = make(map[int]*Member)
		for i := range x.Members {
			m := &x.Members[i]
			if strings.HasPrefix(m.Name, "blob") {
				continue
			}
			a.extraOf[m.DumpID] = m
		}
	}
	return a, nil
}

func (a *seekArchive) TOC() *TOC        { return a.toc }
func (a *seekArchive) Extra() *Extra    { return a.extra }
func (a *seekArchive) Layout() Layout   { return a.layout }
func (a *seekArchive) Sequential() bool { return false }
func (a *seekArchive) Close() error     { return a.src.close() }

// findMember resolves a TOC file name to a stored member as pg_restore does: the
// exact name (uncompressed), else .gz, .lz4, .zst.
func findMember(src memberSource, name string) (string, Algorithm, error) {
	if _, ok := src.size(name); ok {
		return name, AlgNone, nil
	}
	for _, alg := range []Algorithm{AlgGzip, AlgLZ4, AlgZstd} {
		if _, ok := src.size(name + alg.Suffix()); ok {
			return name + alg.Suffix(), alg, nil
		}
	}
	return "", AlgNone, fmt.Errorf("%w: data member %q is missing", ErrCorrupt, name)
}

func entryLabel(e *Entry) string {
	if e.Namespace != "" {
		return fmt.Sprintf("%d; %s %s.%s", e.DumpID, e.Desc, e.Namespace, e.Tag)
	}
	return fmt.Sprintf("%d; %s %s", e.DumpID, e.Desc, e.Tag)
}

func (a *seekArchive) OpenData(ctx context.Context, e *Entry) (io.ReadCloser, error) {
	if !e.HadDumper || e.FileName == "" {
		return nil, fmt.Errorf("entry %s has no data", entryLabel(e))
	}
	name, alg, err := findMember(a.src, e.FileName)
	if err != nil {
		return nil, fmt.Errorf("entry %s: %w", entryLabel(e), err)
	}
	var want *checkedReader
	if m := a.extraOf[e.DumpID]; m != nil && m.Name == name && m.Checksum != "" {
		want = &checkedReader{size: m.Size, sum: m.Checksum, name: name}
	}
	return a.openDecompressed(name, alg, 0, -1, want)
}

// openDecompressed opens n stored bytes of a member from off, decompressed. With
// check, the stored bytes are hashed on the way and a mismatch at their end is an
// ErrChecksum read error, so a restore fails the COPY instead of loading it.
func (a *seekArchive) openDecompressed(name string, alg Algorithm, off, n int64, check *checkedReader) (io.ReadCloser, error) {
	rc, err := a.src.open(name, off, n)
	if err != nil {
		return nil, err
	}
	var raw io.Reader = rc
	if check != nil {
		check.r, check.h = rc, newChecksum()
		raw = check
	}
	zr, err := NewDecompressor(raw, alg)
	if err != nil {
		rc.Close()
		return nil, &MemberError{Member: name, Offset: off, Err: err}
	}
	return &memberReader{r: zr, closers: []io.Closer{zr, rc}, name: name, raw: check}, nil
}

// checkedReader hashes stored bytes and checks size and checksum at their end.
type checkedReader struct {
	r    io.Reader
	h    hash.Hash64
	n    int64
	size int64
	sum  string
	name string
}

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	if err == io.EOF {
		if c.n != c.size {
			return n, &MemberError{Member: c.name, Offset: c.n, Err: fmt.Errorf("%w: %d bytes stored, %s says %d", ErrCorrupt, c.n, ExtraMemberName, c.size)}
		}
		if got := checksumHex(c.h); got != c.sum {
			return n, &MemberError{Member: c.name, Offset: c.n, Err: fmt.Errorf("%w: %s %s, expected %s", ErrChecksum, checksumName, got, c.sum)}
		}
	}
	return n, err
}

func (a *seekArchive) OpenChunk(ctx context.Context, e *Entry, i int) (io.ReadCloser, error) {
	m := a.extraOf[e.DumpID]
	if m == nil || i < 0 || i >= len(m.Chunks) {
		return nil, fmt.Errorf("entry %s: no chunk %d", entryLabel(e), i)
	}
	c := m.Chunks[i]
	alg := algorithmOfName(m.Name)
	var check *checkedReader
	if c.Checksum != "" {
		check = &checkedReader{size: c.Size, sum: c.Checksum, name: fmt.Sprintf("%s chunk %d", m.Name, i)}
	}
	return a.openDecompressed(m.Name, alg, c.Offset, c.Size, check)
}

func algorithmOfName(name string) Algorithm {
	for _, alg := range []Algorithm{AlgGzip, AlgLZ4, AlgZstd} {
		if strings.HasSuffix(name, alg.Suffix()) {
			return alg
		}
	}
	return AlgNone
}

func (a *seekArchive) OpenBlobs(ctx context.Context, e *Entry) (BlobReader, error) {
	list := "blobs.toc"
	if a.toc.Header.Version >= Version1_16 {
		list = "blobs_" + strconv.Itoa(e.DumpID) + ".toc"
	}
	rc, err := a.src.open(list, 0, -1)
	if err != nil {
		return nil, fmt.Errorf("entry %s: %s: %w", entryLabel(e), list, err)
	}
	defer rc.Close()
	oids, names, err := parseBlobList(rc, list)
	if err != nil {
		return nil, fmt.Errorf("entry %s: %w", entryLabel(e), err)
	}
	return &seekBlobs{a: a, oids: oids, names: names}, nil
}

func parseBlobList(r io.Reader, list string) ([]uint32, []string, error) {
	var oids []uint32
	var names []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, nil, fmt.Errorf("%s: %w: invalid line %q", list, ErrCorrupt, line)
		}
		oid, err := strconv.ParseUint(f[0], 10, 32)
		if err != nil || oid == 0 {
			return nil, nil, fmt.Errorf("%s: %w: invalid OID %q", list, ErrCorrupt, f[0])
		}
		oids = append(oids, uint32(oid))
		names = append(names, f[1])
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", list, err)
	}
	return oids, names, nil
}

type seekBlobs struct {
	a     *seekArchive
	oids  []uint32
	names []string
	i     int
	cur   io.Closer
}

func (b *seekBlobs) Next() (uint32, io.Reader, error) {
	if b.cur != nil {
		b.cur.Close()
		b.cur = nil
	}
	if b.i >= len(b.oids) {
		return 0, nil, io.EOF
	}
	oid, name := b.oids[b.i], b.names[b.i]
	b.i++
	stored, alg, err := findMember(b.a.src, strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".lz4"), ".zst"))
	if err != nil {
		return 0, nil, fmt.Errorf("large object %d: %w", oid, err)
	}
	rc, err := b.a.openDecompressed(stored, alg, 0, -1, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("large object %d: %w", oid, err)
	}
	b.cur = rc
	return oid, rc, nil
}

func (b *seekBlobs) Close() error {
	if b.cur != nil {
		b.cur.Close()
	}
	return nil
}

// memberReader wraps a member's decompressed stream and names it in errors.
type memberReader struct {
	r       io.Reader
	closers []io.Closer
	name    string
	off     int64
	raw     *checkedReader // when set, drained at the end so its check runs
}

func (m *memberReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err == io.EOF && m.raw != nil {
		if _, derr := io.Copy(io.Discard, m.raw); derr != nil {
			err = derr
		}
		m.raw = nil
	}
	m.off += int64(n)
	if err != nil && err != io.EOF {
		var me *MemberError
		if !errors.As(err, &me) {
			err = &MemberError{Member: m.name, Offset: m.off, Err: err}
		}
	}
	return n, err
}

func (m *memberReader) Close() error {
	var err error
	for _, c := range m.closers {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// --- directory ---

type dirSource struct{ dir string }

func openDirectory(dir string) (Archive, error) {
	a, err := newSeekArchive(&dirSource{dir: dir}, dir, LayoutDirectory)
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (d *dirSource) path(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
		return "", fmt.Errorf("%w: invalid member name %q", ErrCorrupt, name)
	}
	return filepath.Join(d.dir, name), nil
}

func (d *dirSource) size(name string) (int64, bool) {
	p, err := d.path(name)
	if err != nil {
		return 0, false
	}
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return 0, false
	}
	return fi.Size(), true
}

func (d *dirSource) open(name string, off, n int64) (io.ReadCloser, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	if off == 0 && n < 0 {
		return f, nil
	}
	if n < 0 {
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		n = fi.Size() - off
	}
	return &sectionCloser{SectionReader: io.NewSectionReader(f, off, n), c: f}, nil
}

func (d *dirSource) close() error { return nil }

type sectionCloser struct {
	*io.SectionReader
	c io.Closer
}

func (s *sectionCloser) Close() error {
	if s.c != nil {
		return s.c.Close()
	}
	return nil
}

// --- tar file ---

type tarMember struct {
	off, size int64
}

type tarSource struct {
	f       *os.File
	members map[string]tarMember
	order   []string
}

// openTarFile indexes the members of a seekable tar without reading their data.
func openTarFile(f *os.File, fileSize int64, label string) (Archive, error) {
	src := &tarSource{f: f, members: make(map[string]tarMember)}
	var off int64
	var h [tarBlock]byte
	for off+tarBlock <= fileSize {
		if _, err := f.ReadAt(h[:], off); err != nil {
			return nil, &MemberError{Member: label, Offset: off, Err: err}
		}
		name, size, ok, err := parseTarHeader(&h)
		if err != nil {
			return nil, fmt.Errorf("open archive %s: %w", label, &MemberError{Member: "tar header", Offset: off, Err: err})
		}
		off += tarBlock
		if !ok {
			continue
		}
		if off+size > fileSize {
			return nil, fmt.Errorf("open archive %s: %w", label, &MemberError{Member: name, Offset: off, Err: fmt.Errorf("%w: member of %d bytes runs past the end of the file (truncated archive?)", ErrCorrupt, size)})
		}
		if _, dup := src.members[name]; !dup {
			src.members[name] = tarMember{off: off, size: size}
			src.order = append(src.order, name)
		}
		off += size + tarPadding(size)
	}
	if _, ok := src.members["toc.dat"]; !ok {
		return nil, fmt.Errorf("open archive %s: %w: no toc.dat member", label, ErrCorrupt)
	}
	a, err := newSeekArchive(src, label, LayoutTar)
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (t *tarSource) size(name string) (int64, bool) {
	m, ok := t.members[name]
	return m.size, ok
}

func (t *tarSource) open(name string, off, n int64) (io.ReadCloser, error) {
	m, ok := t.members[name]
	if !ok {
		return nil, fmt.Errorf("%w: member %q not in archive", ErrCorrupt, name)
	}
	if n < 0 {
		n = m.size - off
	}
	if off < 0 || n < 0 || off+n > m.size {
		return nil, fmt.Errorf("%w: range %d+%d outside member %q", ErrCorrupt, off, n, name)
	}
	return &sectionCloser{SectionReader: io.NewSectionReader(t.f, m.off+off, n)}, nil
}

func (t *tarSource) close() error { return t.f.Close() }
