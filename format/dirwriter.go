package format

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// dirWriter writes a directory archive into a temporary sibling directory that
// Close renames into place. Members are written concurrently, each to its own file;
// a member in several parts is written as part files and concatenated when its last
// part commits.
type dirWriter struct {
	final, tmp string
	opts       WriterOptions
	comp       *compressorPool
	term       []byte

	mu      sync.Mutex
	members []*memberPlan
	byID    map[int]*memberPlan
	results map[int][]Member
	begun   bool
	over    bool
}

// CreateDirectory returns a Writer for a directory archive at path, which must not
// exist or be an empty directory (as pg_dump -F d).
func CreateDirectory(path string, o WriterOptions) (Writer, error) {
	if fi, err := os.Stat(path); err == nil {
		if !fi.IsDir() {
			return nil, fmt.Errorf("create archive %s: exists and is not a directory", path)
		}
		ents, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("create archive %s: %w", path, err)
		}
		if len(ents) > 0 {
			return nil, fmt.Errorf("create archive %s: directory exists and is not empty", path)
		}
	}
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(path)), "."+filepath.Base(path)+".pgstow-tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create archive %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o700); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	return &dirWriter{final: path, tmp: tmp, opts: o, comp: newCompressorPool(o.Compression), results: make(map[int][]Member)}, nil
}

func (d *dirWriter) Begin(ctx context.Context, toc *TOC, parts map[int]int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.begun {
		return errors.New("archive: Begin called twice")
	}
	d.begun = true
	out, err := headerFor(toc, d.opts.Compression, LayoutTar)
	if err != nil {
		return err
	}
	// The directory reader opens blobs.toc for the BLOBS entry.
	entries := make([]*Entry, len(out.Entries))
	for i, e := range out.Entries {
		if e.Desc == "BLOBS" && e.HadDumper {
			c := *e
			c.FileName = "blobs.toc"
			e = &c
		}
		entries[i] = e
	}
	out.Entries = entries
	if d.members, d.byID, err = planMembers(out, parts, d.opts.Compression); err != nil {
		return err
	}
	if d.term, err = compressBytes([]byte(copyTerminator), d.opts.Compression); err != nil {
		return err
	}
	data, err := EncodeTOC(out)
	if err != nil {
		return err
	}
	return writeFileSync(filepath.Join(d.tmp, "toc.dat"), data)
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (d *dirWriter) member(dumpID int) (*memberPlan, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.begun {
		return nil, errors.New("archive: Begin not called")
	}
	if d.over {
		return nil, errors.New("archive: writer is closed")
	}
	m := d.byID[dumpID]
	if m == nil {
		return nil, fmt.Errorf("archive: entry %d has no data member", dumpID)
	}
	return m, nil
}

// fileSink is a file being written through a buffer, counting and hashing.
type fileSink struct {
	f  *writebackFile
	bw *bufio.Writer
	cw *countWriter
}

func newFileSink(path string, noSync bool) (*fileSink, error) {
	of, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	f := &writebackFile{f: of, noSync: noSync}
	bw := bufio.NewWriterSize(f, 256<<10)
	return &fileSink{f: f, bw: bw, cw: &countWriter{w: bw, h: newChecksum()}}, nil
}

func (s *fileSink) close() error {
	if s.bw == nil {
		return nil
	}
	err := s.bw.Flush()
	if err == nil {
		err = s.f.sync()
	}
	if cerr := s.f.f.Close(); err == nil {
		err = cerr
	}
	// Drop the buffer now: size and checksum stay readable.
	s.bw, s.cw.w = nil, nil
	return err
}

func (d *dirWriter) Part(ctx context.Context, dumpID, index int) (PartWriter, error) {
	m, err := d.member(dumpID)
	if err != nil {
		return nil, err
	}
	if err := m.checkPart(index); err != nil {
		return nil, err
	}
	// Part 0 writes the member file itself; later parts go to part files that are
	// appended in order as soon as everything before them is in place.
	name := m.name
	if index > 0 {
		name += ".part" + strconv.Itoa(index)
	}
	// Part files are appended and removed, never kept: no need to sync them.
	sink, err := newFileSink(filepath.Join(d.tmp, name), d.opts.NoSync || index > 0)
	if err != nil {
		return nil, fmt.Errorf("archive: entry %d: %w", dumpID, err)
	}
	if index == 0 {
		d.mu.Lock()
		m.sink = sink
		d.mu.Unlock()
	}
	pc := &countWriter{w: sink.cw, h: newChecksum()}
	zw, err := d.comp.get(pc)
	if err != nil {
		sink.close()
		return nil, err
	}
	return &dirPart{d: d, m: m, index: index, sink: sink, pc: pc, zw: zw}, nil
}

type dirPart struct {
	d     *dirWriter
	m     *memberPlan
	index int
	sink  *fileSink
	pc    *countWriter // the part's own bytes and checksum
	zw    io.WriteCloser
	over  bool
}

func (p *dirPart) Write(b []byte) (int, error) {
	if p.over {
		return 0, errors.New("archive: write after Commit/Abort")
	}
	return p.zw.Write(b)
}

func (p *dirPart) Commit(rows int64) error {
	if p.over {
		return errors.New("archive: part committed twice")
	}
	p.over = true
	d, m := p.d, p.m
	fail := func(err error) error {
		return fmt.Errorf("archive: entry %d (%s %s) part %d: %w", m.entry.DumpID, m.entry.Desc, m.entry.Tag, p.index, err)
	}
	if err := p.zw.Close(); err != nil {
		p.sink.close()
		return fail(err)
	}
	stored := p.pc.n
	if p.index > 0 {
		if err := p.sink.close(); err != nil {
			return fail(err)
		}
	} else if err := p.sink.bw.Flush(); err != nil {
		return fail(err)
	}
	d.mu.Lock()
	m.parts[p.index] = partResult{done: true, size: stored, rows: rows, sum: checksumHex(p.pc.h)}
	m.ready++
	d.mu.Unlock()
	if err := d.advance(m); err != nil {
		return fail(err)
	}
	return nil
}

// advance appends the parts of m that are ready, in order, to its member file, and
// finishes the file after the last one.
func (d *dirWriter) advance(m *memberPlan) error {
	m.appendMu.Lock()
	defer m.appendMu.Unlock()
	var buf []byte
	for {
		d.mu.Lock()
		i := m.next
		ready := i < m.nparts && m.parts[i].done
		var pr partResult
		if ready {
			pr = m.parts[i]
		}
		sink := m.sink
		d.mu.Unlock()
		if !ready {
			return nil
		}
		if i > 0 {
			part := filepath.Join(d.tmp, m.name+".part"+strconv.Itoa(i))
			f, err := os.Open(part)
			if err != nil {
				return err
			}
			if buf == nil {
				buf = make([]byte, 1<<20)
			}
			n, err := io.CopyBuffer(sink.cw, f, buf)
			f.Close()
			if err == nil && n != pr.size {
				err = fmt.Errorf("part %d: %d bytes, expected %d", i, n, pr.size)
			}
			if err != nil {
				return err
			}
			os.Remove(part)
		}
		m.next++
		if m.next < m.nparts {
			continue
		}
		// The last part is in: terminator, close, record.
		if m.isCopy {
			if _, err := sink.cw.Write(d.term); err != nil {
				return err
			}
		}
		err := sink.close()
		d.mu.Lock()
		m.sink = nil // its buffer is large; a dump has thousands of members
		d.mu.Unlock()
		if err != nil {
			return err
		}
		mem := Member{DumpID: m.entry.DumpID, Name: m.name, Size: sink.cw.n, Checksum: checksumHex(sink.cw.h)}
		var off int64
		for _, pr := range m.parts {
			mem.Chunks = append(mem.Chunks, Chunk{Offset: off, Size: pr.size, Rows: pr.rows, Checksum: pr.sum})
			mem.Rows += pr.rows
			off += pr.size
		}
		d.mu.Lock()
		d.results[m.entry.DumpID] = []Member{mem}
		d.mu.Unlock()
		return nil
	}
}

func (p *dirPart) Abort() {
	if !p.over {
		p.over = true
		p.zw.Close()
		p.sink.close()
	}
}

func (d *dirWriter) Blobs(ctx context.Context, dumpID int) (BlobWriter, error) {
	m, err := d.member(dumpID)
	if err != nil {
		return nil, err
	}
	if err := m.checkBlobs(); err != nil {
		return nil, err
	}
	return &dirBlobs{d: d, m: m}, nil
}

type dirBlobs struct {
	d    *dirWriter
	m    *memberPlan
	mems []Member
	oids []uint32 // of mems, in order
	open bool
	last uint32
}

func (b *dirBlobs) Blob(oid uint32) (io.WriteCloser, error) {
	if b.open {
		return nil, errors.New("archive: previous large object not closed")
	}
	if len(b.mems) > 0 && oid <= b.last {
		return nil, fmt.Errorf("archive: large object %d out of OID order", oid)
	}
	name := blobMemberName(oid, b.d.opts.Compression)
	sink, err := newFileSink(filepath.Join(b.d.tmp, name), b.d.opts.NoSync)
	if err != nil {
		return nil, fmt.Errorf("archive: large object %d: %w", oid, err)
	}
	zw, err := b.d.comp.get(sink.cw)
	if err != nil {
		sink.close()
		return nil, err
	}
	b.open, b.last = true, oid
	return &dirBlob{b: b, oid: oid, name: name, sink: sink, zw: zw}, nil
}

func (b *dirBlobs) Close() error {
	if b.open {
		return errors.New("archive: large object not closed")
	}
	var list []byte
	for i, m := range b.mems {
		list = append(list, strconv.FormatUint(uint64(b.oids[i]), 10)+" "+m.Name+"\n"...)
	}
	if err := writeFileSync(filepath.Join(b.d.tmp, "blobs.toc"), list); err != nil {
		return fmt.Errorf("archive: blobs.toc: %w", err)
	}
	h := newChecksum()
	h.Write(list)
	mems := append(b.mems, Member{DumpID: b.m.entry.DumpID, Name: "blobs.toc", Size: int64(len(list)), Checksum: checksumHex(h), Rows: int64(len(b.mems))})
	b.d.mu.Lock()
	b.m.blobsDone = true
	b.d.results[b.m.entry.DumpID] = mems
	b.d.mu.Unlock()
	return nil
}

type dirBlob struct {
	b    *dirBlobs
	oid  uint32
	name string
	sink *fileSink
	zw   io.WriteCloser
}

func (w *dirBlob) Write(p []byte) (int, error) { return w.zw.Write(p) }

func (w *dirBlob) Close() error {
	w.b.open = false
	if err := w.zw.Close(); err != nil {
		w.sink.close()
		return err
	}
	if err := w.sink.close(); err != nil {
		return err
	}
	w.b.oids = append(w.b.oids, w.oid)
	w.b.mems = append(w.b.mems, Member{DumpID: w.b.m.entry.DumpID, Name: w.name, Size: w.sink.cw.n, Checksum: checksumHex(w.sink.cw.h)})
	return nil
}

func (d *dirWriter) Close(ctx context.Context, extra *Extra) error {
	d.mu.Lock()
	if d.over {
		d.mu.Unlock()
		return errors.New("archive: already closed")
	}
	if !d.begun {
		d.mu.Unlock()
		return errors.New("archive: Close before Begin")
	}
	var ms []Member
	for _, m := range d.members {
		r, ok := d.results[m.entry.DumpID]
		if !ok || !m.complete() {
			d.mu.Unlock()
			return fmt.Errorf("archive: data of entry %d (%s %s) was never written", m.entry.DumpID, m.entry.Desc, m.entry.Tag)
		}
		ms = append(ms, r...)
	}
	d.over = true
	d.mu.Unlock()
	if extra == nil {
		extra = &Extra{}
	}
	extra.FormatVersion = 1
	extra.Compression = d.opts.Compression.String()
	extra.Checksum = checksumName
	extra.Members = ms
	js, err := json.MarshalIndent(extra, "", " ")
	if err != nil {
		return err
	}
	if err := writeFileSync(filepath.Join(d.tmp, ExtraMemberName), js); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if !d.opts.NoSync {
		if err := syncDir(d.tmp); err != nil {
			return fmt.Errorf("archive: %w", err)
		}
	}
	if fi, err := os.Stat(d.final); err == nil && fi.IsDir() {
		if err := os.Remove(d.final); err != nil { // empty, checked at create
			return fmt.Errorf("archive: %w", err)
		}
	}
	if err := os.Rename(d.tmp, d.final); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	d.tmp = ""
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func (d *dirWriter) Abort() error {
	d.mu.Lock()
	d.over = true
	tmp := d.tmp
	d.tmp = ""
	d.mu.Unlock()
	if tmp == "" {
		return nil
	}
	return os.RemoveAll(tmp)
}
