package format

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// Custom-format data block types (pg_backup_archiver.h).
const (
	blkData  = 1
	blkBlobs = 3
)

// customArchive reads pg_dump -F c files: seekable files by offset (or by an index
// built with one scan when pg_dump could not record offsets), streams in order.
type customArchive struct {
	toc   *TOC
	label string
	alg   Algorithm

	// seekable
	f      *os.File
	size   int64
	blocks map[int]int64 // dumpId -> block start

	// stream
	seqMu  sync.Mutex
	seq    *decoder
	passed map[int]bool
	cur    io.Closer
}

func openCustom(f *os.File, size int64, label string) (Archive, error) {
	sr := io.NewSectionReader(f, 0, size)
	cr := &countingReader{r: sr}
	d := newDecoder(cr, label)
	toc, err := decodeTOC(d)
	if err != nil {
		return nil, fmt.Errorf("open archive %s: %w", label, err)
	}
	a := &customArchive{toc: toc, label: label, alg: toc.Header.Compression.Algorithm, f: f, size: size, blocks: make(map[int]int64)}
	need := false
	for _, e := range toc.Entries {
		if e.HadDumper {
			if e.OffsetKnown {
				a.blocks[e.DumpID] = e.DataOffset
			} else {
				need = true
			}
		}
	}
	if need {
		if err := a.scan(d.off); err != nil {
			return nil, fmt.Errorf("open archive %s: %w", label, err)
		}
	}
	return a, nil
}

// OpenStream reads an archive from a stream such as stdin: a tar (pg_dump's or
// pgstow's) or a custom-format archive. Data must be read in TOC order.
func OpenStream(ctx context.Context, r io.Reader) (Archive, error) {
	d := newDecoder(r, "stdin")
	head, err := d.r.Peek(5)
	if err != nil && len(head) == 0 {
		return nil, fmt.Errorf("open archive from stdin: %w: empty input", ErrCorrupt)
	}
	if string(head) == "PGDMP" {
		toc, err := decodeTOC(d)
		if err != nil {
			return nil, fmt.Errorf("open archive from stdin: %w", err)
		}
		return &customArchive{toc: toc, label: "stdin", alg: toc.Header.Compression.Algorithm, seq: d, passed: make(map[int]bool)}, nil
	}
	return openTarStream(d.r)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// scan walks the data blocks from off and records where each starts.
func (a *customArchive) scan(off int64) error {
	d := newDecoder(io.NewSectionReader(a.f, off, a.size-off), a.label)
	d.intSize, d.offSize = a.toc.Header.IntSize, a.toc.Header.OffSize
	d.off = off
	for {
		start := d.off
		typ, err := d.r.ReadByte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		d.off++
		id, err := d.int()
		if err != nil {
			return err
		}
		if _, dup := a.blocks[id]; !dup {
			a.blocks[id] = start
		}
		if err := skipBlock(d, typ); err != nil {
			return err
		}
	}
}

func skipBlock(d *decoder, typ byte) error {
	switch typ {
	case blkData:
		return skipChunks(d)
	case blkBlobs:
		for {
			oid, err := d.int()
			if err != nil {
				return err
			}
			if oid == 0 {
				return nil
			}
			if err := skipChunks(d); err != nil {
				return err
			}
		}
	}
	return d.fail("unknown data block type %d", typ)
}

func skipChunks(d *decoder) error {
	for {
		n, err := d.int()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if n < 0 {
			return d.fail("negative chunk length %d", n)
		}
		m, err := d.r.Discard(n)
		d.off += int64(m)
		if err != nil {
			return d.eof(err)
		}
	}
}

func (a *customArchive) TOC() *TOC        { return a.toc }
func (a *customArchive) Extra() *Extra    { return nil }
func (a *customArchive) Layout() Layout   { return LayoutCustom }
func (a *customArchive) Sequential() bool { return a.f == nil }

func (a *customArchive) Close() error {
	if a.f != nil {
		return a.f.Close()
	}
	return nil
}

func (a *customArchive) OpenChunk(ctx context.Context, e *Entry, i int) (io.ReadCloser, error) {
	return nil, fmt.Errorf("entry %s: custom archives have no chunk index", entryLabel(e))
}

// block positions a decoder after the header of e's data block and checks its type.
func (a *customArchive) block(e *Entry, want byte) (*decoder, error) {
	if a.f == nil {
		return a.nextBlock(e, want)
	}
	off, ok := a.blocks[e.DumpID]
	if !ok {
		return nil, fmt.Errorf("entry %s: %w: no data block in archive", entryLabel(e), ErrCorrupt)
	}
	if off < 0 || off >= a.size {
		return nil, fmt.Errorf("entry %s: %w: data offset %d outside the file", entryLabel(e), ErrCorrupt, off)
	}
	d := newDecoder(io.NewSectionReader(a.f, off, a.size-off), a.label)
	d.intSize, d.offSize = a.toc.Header.IntSize, a.toc.Header.OffSize
	d.off = off
	typ, err := d.byte()
	if err != nil {
		return nil, err
	}
	id, err := d.int()
	if err != nil {
		return nil, err
	}
	if id != e.DumpID {
		return nil, fmt.Errorf("entry %s: %w: found block of entry %d at offset %d", entryLabel(e), ErrCorrupt, id, off)
	}
	if typ != want {
		return nil, fmt.Errorf("entry %s: %w: block type %d", entryLabel(e), ErrCorrupt, typ)
	}
	return d, nil
}

// nextBlock reads a stream forward to e's block, skipping others.
func (a *customArchive) nextBlock(e *Entry, want byte) (*decoder, error) {
	a.seqMu.Lock()
	defer a.seqMu.Unlock()
	if a.cur != nil {
		a.cur.Close() // drains the previous block
		a.cur = nil
	}
	if a.passed[e.DumpID] {
		return nil, fmt.Errorf("entry %s: %w (input is not seekable)", entryLabel(e), ErrOutOfOrder)
	}
	d := a.seq
	for {
		typ, err := d.r.ReadByte()
		if err == io.EOF {
			return nil, fmt.Errorf("entry %s: %w: data block not found before end of input", entryLabel(e), ErrCorrupt)
		}
		if err != nil {
			return nil, d.eof(err)
		}
		d.off++
		id, err := d.int()
		if err != nil {
			return nil, err
		}
		a.passed[id] = true
		if id == e.DumpID {
			if typ != want {
				return nil, fmt.Errorf("entry %s: %w: block type %d", entryLabel(e), ErrCorrupt, typ)
			}
			return d, nil
		}
		if err := skipBlock(d, typ); err != nil {
			return nil, err
		}
	}
}

func (a *customArchive) decompress(r io.Reader) (io.ReadCloser, error) {
	if a.alg == AlgGzip {
		return newZlibDecompressor(r)
	}
	return NewDecompressor(r, a.alg)
}

func (a *customArchive) OpenData(ctx context.Context, e *Entry) (io.ReadCloser, error) {
	if !e.HadDumper {
		return nil, fmt.Errorf("entry %s has no data", entryLabel(e))
	}
	d, err := a.block(e, blkData)
	if err != nil {
		return nil, err
	}
	cr := &chunkReader{d: d}
	zr, err := a.decompress(cr)
	if err != nil {
		return nil, fmt.Errorf("entry %s: %w", entryLabel(e), err)
	}
	mr := &memberReader{r: zr, closers: []io.Closer{zr, cr}, name: a.label}
	if a.f == nil {
		a.seqMu.Lock()
		a.cur = mr
		a.seqMu.Unlock()
	}
	return mr, nil
}

// chunkReader reads a block's chunk sequence (int length + bytes, int 0 ends).
// Close skips what is left, so a stream can go on to the next block.
type chunkReader struct {
	d    *decoder
	left int
	done bool
	err  error
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for c.left == 0 {
		if c.done {
			return 0, io.EOF
		}
		if c.err != nil {
			return 0, c.err
		}
		n, err := c.d.int()
		if err != nil {
			c.err = err
			return 0, err
		}
		if n == 0 {
			c.done = true
			return 0, io.EOF
		}
		if n < 0 {
			c.err = c.d.fail("negative chunk length %d", n)
			return 0, c.err
		}
		c.left = n
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	n, err := c.d.r.Read(p)
	c.d.off += int64(n)
	c.left -= n
	if err == io.EOF {
		if c.left > 0 {
			c.err = c.d.eof(io.ErrUnexpectedEOF)
			return n, c.err
		}
		err = nil
	}
	return n, err
}

func (c *chunkReader) Close() error {
	if c.err != nil {
		return nil
	}
	_, err := io.Copy(io.Discard, c)
	return err
}

func (a *customArchive) OpenBlobs(ctx context.Context, e *Entry) (BlobReader, error) {
	d, err := a.block(e, blkBlobs)
	if err != nil {
		return nil, err
	}
	return &customBlobs{a: a, d: d}, nil
}

type customBlobs struct {
	a    *customArchive
	d    *decoder
	cur  *chunkReader
	zr   io.ReadCloser
	done bool
}

func (b *customBlobs) Next() (uint32, io.Reader, error) {
	if b.done {
		return 0, nil, io.EOF
	}
	if b.cur != nil {
		b.zr.Close()
		if err := b.cur.Close(); err != nil {
			return 0, nil, err
		}
		b.cur = nil
	}
	oid, err := b.d.int()
	if err != nil {
		return 0, nil, err
	}
	if oid == 0 {
		b.done = true
		return 0, nil, io.EOF
	}
	if oid < 0 {
		return 0, nil, b.d.fail("negative large object OID")
	}
	b.cur = &chunkReader{d: b.d}
	b.zr, err = b.a.decompress(b.cur)
	if err != nil {
		return 0, nil, fmt.Errorf("large object %d: %w", oid, err)
	}
	return uint32(oid), b.zr, nil
}

func (b *customBlobs) Close() error {
	for !b.done {
		if _, _, err := b.Next(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
	return nil
}
