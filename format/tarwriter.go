package format

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// memorySpool is how many bytes of finished-out-of-turn parts a tar writer keeps in
// memory before it spools to temp files.
const memorySpool = 8 << 20

// tarWriter streams an archive as one tar: toc.dat, data members in TOC order,
// pgstow.json, two zero blocks. Parts that finish before their turn are spooled.
type tarWriter struct {
	out   *countWriter // counts the bytes written, the position of the next header
	opts  WriterOptions
	file  *os.File // when writing to a path: the temp file
	final string   // the path to rename to on Close

	comp   *compressorPool
	budget atomic.Int64
	mtime  time.Time
	term   []byte // the compressed COPY terminator

	mu      sync.Mutex
	cond    *sync.Cond
	members []*memberPlan
	byID    map[int]*memberPlan
	begun   bool
	closing bool
	aborted bool
	err     error // first emitter error
	emitted []Member
	done    chan struct{}
	closed  bool
}

// NewTarWriter returns a Writer that streams a tar archive to w, which need not be
// seekable (stdout). Compressed data makes it the tar of a directory archive (stock
// pg_restore reads it once extracted; pgstow reads it directly).
func NewTarWriter(w io.Writer, o WriterOptions) Writer {
	t := &tarWriter{out: &countWriter{w: w}, opts: o, comp: newCompressorPool(o.Compression)}
	t.cond = sync.NewCond(&t.mu)
	t.budget.Store(memorySpool)
	return t
}

// CreateTar writes a tar archive to path through a temporary file in the same
// directory, renamed to path by Close, so a failed dump leaves no archive.
func CreateTar(path string, o WriterOptions) (Writer, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".pgstow-tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create archive %s: %w", path, err)
	}
	t := NewTarWriter(&writebackFile{f: f, noSync: o.NoSync}, o).(*tarWriter)
	t.file, t.final = f, path
	return t, nil
}

func (t *tarWriter) writeMember(name string, size int64, r io.Reader) (string, error) {
	h, err := tarHeader(name, size, t.mtime)
	if err != nil {
		return "", err
	}
	if _, err := t.out.Write(h[:]); err != nil {
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	sum := newChecksum()
	cw := &countWriter{w: t.out, h: sum}
	buf := make([]byte, 1<<20)
	n, err := io.CopyBuffer(cw, r, buf)
	if err != nil {
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	if n != size {
		return "", fmt.Errorf("write %s: %d bytes, expected %d", name, n, size)
	}
	if pad := tarPadding(size); pad > 0 {
		if _, err := t.out.Write(make([]byte, pad)); err != nil {
			return "", fmt.Errorf("write %s: %w", name, err)
		}
	}
	return checksumHex(sum), nil
}

func (t *tarWriter) Begin(ctx context.Context, toc *TOC, parts map[int]int) error {
	t.mu.Lock()
	if t.begun {
		t.mu.Unlock()
		return errors.New("archive: Begin called twice")
	}
	t.begun = true
	t.mu.Unlock()
	out, err := headerFor(toc, t.opts.Compression, LayoutTar)
	if err != nil {
		return err
	}
	t.mtime = out.Header.Created
	if t.mtime.IsZero() {
		t.mtime = time.Now()
	}
	members, byID, err := planMembers(out, parts, t.opts.Compression)
	if err != nil {
		return err
	}
	if t.term, err = compressBytes([]byte(copyTerminator), t.opts.Compression); err != nil {
		return err
	}
	data, err := EncodeTOC(out)
	if err != nil {
		return err
	}
	if _, err := t.writeMember("toc.dat", int64(len(data)), strings.NewReader(string(data))); err != nil {
		return err
	}
	t.mu.Lock()
	t.members, t.byID = members, byID
	t.done = make(chan struct{})
	t.mu.Unlock()
	go t.emit()
	return nil
}

// emit writes members in TOC order as they complete.
func (t *tarWriter) emit() {
	defer close(t.done)
	for _, m := range t.members {
		if t.file != nil && !m.blobs {
			if err := t.emitRolling(m); err != nil {
				t.mu.Lock()
				if t.err == nil {
					t.err = err
				}
				t.mu.Unlock()
				return
			}
			continue
		}
		t.mu.Lock()
		for !m.complete() && !t.aborted && !t.closing {
			t.cond.Wait()
		}
		if t.aborted {
			t.mu.Unlock()
			return
		}
		if !m.complete() {
			t.err = fmt.Errorf("archive: data of entry %d (%s %s) was never written", m.entry.DumpID, m.entry.Desc, m.entry.Tag)
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
		if err := t.emitMember(m); err != nil {
			t.mu.Lock()
			t.err = err
			t.mu.Unlock()
			return
		}
	}
}

var errAborted = errors.New("archive: aborted")

// emitRolling writes member m to a seekable file part by part as each part is
// committed, so copying spooled parts overlaps the dump instead of following it;
// the header, whose size is known only at the end, is written last in its place.
func (t *tarWriter) emitRolling(m *memberPlan) error {
	fail := func(err error) error {
		return fmt.Errorf("archive: entry %d (%s %s): %w", m.entry.DumpID, m.entry.Desc, m.entry.Tag, err)
	}
	hdrOff := t.out.n
	if _, err := t.out.Write(make([]byte, tarBlock)); err != nil {
		return fail(err)
	}
	sum := newChecksum()
	cw := &countWriter{w: t.out, h: sum}
	mem := Member{DumpID: m.entry.DumpID, Name: m.name}
	buf := make([]byte, 1<<20)
	for i := range m.parts {
		t.mu.Lock()
		for !m.parts[i].done && !t.aborted && !t.closing {
			t.cond.Wait()
		}
		p := m.parts[i]
		aborted := t.aborted
		t.mu.Unlock()
		if aborted {
			return errAborted
		}
		if !p.done {
			return fail(fmt.Errorf("part %d was never written", i))
		}
		mem.Chunks = append(mem.Chunks, Chunk{Offset: cw.n, Size: p.size, Rows: p.rows, Checksum: p.sum})
		mem.Rows += p.rows
		n, err := io.CopyBuffer(cw, p.sp.reader(0, p.size), buf)
		p.sp.Close()
		if err == nil && n != p.size {
			err = fmt.Errorf("part %d: %d bytes, expected %d", i, n, p.size)
		}
		if err != nil {
			return fail(err)
		}
	}
	if m.isCopy {
		if _, err := cw.Write(t.term); err != nil {
			return fail(err)
		}
	}
	size := cw.n
	if pad := tarPadding(size); pad > 0 {
		if _, err := t.out.Write(make([]byte, pad)); err != nil {
			return fail(err)
		}
	}
	h, err := tarHeader(m.name, size, t.mtime)
	if err != nil {
		return fail(err)
	}
	if _, err := t.file.WriteAt(h[:], hdrOff); err != nil {
		return fail(err)
	}
	mem.Size, mem.Checksum = size, checksumHex(sum)
	t.mu.Lock()
	t.emitted = append(t.emitted, mem)
	t.mu.Unlock()
	return nil
}

func (t *tarWriter) emitMember(m *memberPlan) error {
	if m.blobs {
		return t.emitBlobs(m)
	}
	var size int64
	readers := make([]io.Reader, 0, len(m.parts)+1)
	mem := Member{DumpID: m.entry.DumpID, Name: m.name}
	for _, p := range m.parts {
		mem.Chunks = append(mem.Chunks, Chunk{Offset: size, Size: p.size, Rows: p.rows, Checksum: p.sum})
		mem.Rows += p.rows
		size += p.size
		readers = append(readers, p.sp.reader(0, p.size))
	}
	if m.isCopy {
		readers = append(readers, strings.NewReader(string(t.term)))
		size += int64(len(t.term))
	}
	sum, err := t.writeMember(m.name, size, io.MultiReader(readers...))
	for _, p := range m.parts {
		p.sp.Close()
	}
	if err != nil {
		return fmt.Errorf("archive: entry %d (%s %s): %w", m.entry.DumpID, m.entry.Desc, m.entry.Tag, err)
	}
	mem.Size, mem.Checksum = size, sum
	t.mu.Lock()
	t.emitted = append(t.emitted, mem)
	t.mu.Unlock()
	return nil
}

func (t *tarWriter) emitBlobs(m *memberPlan) error {
	var list strings.Builder
	sp := m.parts[0].sp
	defer sp.Close()
	var mems []Member
	for _, b := range m.blobList {
		name := blobMemberName(b.oid, t.opts.Compression)
		sum, err := t.writeMember(name, b.size, sp.reader(b.off, b.size))
		if err != nil {
			return fmt.Errorf("archive: large object %d: %w", b.oid, err)
		}
		mems = append(mems, Member{DumpID: m.entry.DumpID, Name: name, Size: b.size, Checksum: sum})
		list.WriteString(strconv.FormatUint(uint64(b.oid), 10) + " " + name + "\n")
	}
	s := list.String()
	sum, err := t.writeMember("blobs.toc", int64(len(s)), strings.NewReader(s))
	if err != nil {
		return err
	}
	mems = append(mems, Member{DumpID: m.entry.DumpID, Name: "blobs.toc", Size: int64(len(s)), Checksum: sum, Rows: int64(len(m.blobList))})
	t.mu.Lock()
	t.emitted = append(t.emitted, mems...)
	t.mu.Unlock()
	return nil
}

func (t *tarWriter) member(dumpID int) (*memberPlan, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.begun || t.members == nil {
		return nil, errors.New("archive: Begin not called")
	}
	if t.aborted || t.closing {
		return nil, errors.New("archive: writer is closed")
	}
	m := t.byID[dumpID]
	if m == nil {
		return nil, fmt.Errorf("archive: entry %d has no data member", dumpID)
	}
	return m, nil
}

func (t *tarWriter) Part(ctx context.Context, dumpID, index int) (PartWriter, error) {
	m, err := t.member(dumpID)
	if err != nil {
		return nil, err
	}
	if err := m.checkPart(index); err != nil {
		return nil, err
	}
	t.mu.Lock()
	done := m.parts[index].done
	t.mu.Unlock()
	if done {
		return nil, fmt.Errorf("archive: entry %d part %d written twice", dumpID, index)
	}
	sp := &spool{dir: t.opts.SpoolDir, budget: &t.budget}
	cw := &countWriter{w: sp, h: newChecksum()}
	zw, err := t.comp.get(cw)
	if err != nil {
		return nil, err
	}
	return &tarPart{t: t, m: m, index: index, sp: sp, cw: cw, zw: zw}, nil
}

type tarPart struct {
	t     *tarWriter
	m     *memberPlan
	index int
	sp    *spool
	cw    *countWriter
	zw    io.WriteCloser
	over  bool
}

func (p *tarPart) Write(b []byte) (int, error) {
	if p.over {
		return 0, errors.New("archive: write after Commit/Abort")
	}
	return p.zw.Write(b)
}

func (p *tarPart) Commit(rows int64) error {
	if p.over {
		return errors.New("archive: part committed twice")
	}
	p.over = true
	if err := p.zw.Close(); err != nil {
		p.sp.Close()
		return fmt.Errorf("archive: entry %d part %d: %w", p.m.entry.DumpID, p.index, err)
	}
	t := p.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.aborted {
		p.sp.Close()
		return errors.New("archive: aborted")
	}
	p.m.parts[p.index] = partResult{done: true, sp: p.sp, size: p.cw.n, rows: rows, sum: checksumHex(p.cw.h)}
	p.m.ready++
	t.cond.Broadcast()
	return nil
}

func (p *tarPart) Abort() {
	if !p.over {
		p.over = true
		p.zw.Close()
		p.sp.Close()
	}
}

func (t *tarWriter) Blobs(ctx context.Context, dumpID int) (BlobWriter, error) {
	m, err := t.member(dumpID)
	if err != nil {
		return nil, err
	}
	if err := m.checkBlobs(); err != nil {
		return nil, err
	}
	sp := &spool{dir: t.opts.SpoolDir, budget: &t.budget}
	m.parts = []partResult{{sp: sp}}
	return &tarBlobs{t: t, m: m, sp: sp}, nil
}

type tarBlobs struct {
	t    *tarWriter
	m    *memberPlan
	sp   *spool
	open bool
}

func (b *tarBlobs) Blob(oid uint32) (io.WriteCloser, error) {
	if b.open {
		return nil, errors.New("archive: previous large object not closed")
	}
	if n := len(b.m.blobList); n > 0 && b.m.blobList[n-1].oid >= oid {
		return nil, fmt.Errorf("archive: large object %d out of OID order", oid)
	}
	b.open = true
	cw := &countWriter{w: b.sp}
	zw, err := b.t.comp.get(cw)
	if err != nil {
		return nil, err
	}
	return &tarBlob{b: b, oid: oid, cw: cw, zw: zw, start: b.sp.size}, nil
}

func (b *tarBlobs) Close() error {
	if b.open {
		return errors.New("archive: large object not closed")
	}
	b.t.mu.Lock()
	b.m.blobsDone = true
	b.t.cond.Broadcast()
	b.t.mu.Unlock()
	return nil
}

type tarBlob struct {
	b     *tarBlobs
	oid   uint32
	cw    *countWriter
	zw    io.WriteCloser
	start int64
}

func (w *tarBlob) Write(p []byte) (int, error) { return w.zw.Write(p) }

func (w *tarBlob) Close() error {
	if err := w.zw.Close(); err != nil {
		return err
	}
	w.b.m.blobList = append(w.b.m.blobList, blobRecord{oid: w.oid, off: w.start, size: w.cw.n})
	w.b.open = false
	return nil
}

func (t *tarWriter) Close(ctx context.Context, extra *Extra) error {
	t.mu.Lock()
	if t.closed || t.aborted {
		t.mu.Unlock()
		return errors.New("archive: already closed")
	}
	if !t.begun || t.done == nil {
		t.mu.Unlock()
		return errors.New("archive: Close before Begin")
	}
	t.closing = true
	t.cond.Broadcast()
	t.mu.Unlock()
	<-t.done
	if t.err != nil {
		return t.err
	}
	if extra == nil {
		extra = &Extra{}
	}
	extra.FormatVersion = 1
	extra.Compression = t.opts.Compression.String()
	extra.Checksum = checksumName
	extra.Members = t.emitted
	js, err := json.MarshalIndent(extra, "", " ")
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if _, err := t.writeMember(ExtraMemberName, int64(len(js)), strings.NewReader(string(js))); err != nil {
		return err
	}
	if _, err := t.out.Write(make([]byte, 2*tarBlock)); err != nil {
		return fmt.Errorf("archive: end of tar: %w", err)
	}
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	if t.file != nil {
		if err := t.out.w.(*writebackFile).sync(); err != nil {
			return fmt.Errorf("archive: sync %s: %w", t.final, err)
		}
		if err := t.file.Close(); err != nil {
			return fmt.Errorf("archive: close %s: %w", t.final, err)
		}
		if err := os.Rename(t.file.Name(), t.final); err != nil {
			os.Remove(t.file.Name())
			return fmt.Errorf("archive: %w", err)
		}
	}
	return nil
}

func (t *tarWriter) Abort() error {
	t.mu.Lock()
	if t.aborted {
		t.mu.Unlock()
		return nil
	}
	wasClosed := t.closed
	t.aborted = true
	t.cond.Broadcast()
	done := t.done
	t.mu.Unlock()
	if done != nil {
		<-done
	}
	for _, m := range t.members {
		for _, p := range m.parts {
			if p.sp != nil {
				p.sp.Close()
			}
		}
	}
	if t.file != nil && !wasClosed {
		t.file.Close()
		return os.Remove(t.file.Name())
	}
	return nil
}
