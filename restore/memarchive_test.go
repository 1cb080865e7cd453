package restore

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/pgstow/pgstow/format"
)

// memArchive is an in-memory format.Archive for tests: a hand-built TOC whose
// data is served from strings. It stands in for the archive, never for
// PostgreSQL.
type memArchive struct {
	toc    *format.TOC
	data   map[int]string   // dumpId -> COPY text with terminator
	chunks map[int][]string // dumpId -> chunk texts (no terminator)
	blobs  map[int][]memBlob
	seq    bool
	next   int          // sequential: index into toc entries of the next readable data
	failAt map[int]bool // dumpIds whose data read fails mid-way
}

type memBlob struct {
	oid  uint32
	data string
}

func newMem() *memArchive {
	return &memArchive{toc: &format.TOC{Header: format.Header{Version: format.Version1_14, DBName: "src", ServerVersion: "15", DumpVersion: "test"}},
		data: map[int]string{}, chunks: map[int][]string{}, blobs: map[int][]memBlob{}, failAt: map[int]bool{}}
}

// add appends an entry, giving it the next dumpId.
func (m *memArchive) add(e format.Entry) *format.Entry {
	e.DumpID = len(m.toc.Entries) + 1
	if e.HadDumper && e.FileName == "" {
		e.FileName = fmt.Sprintf("%d.dat", e.DumpID)
	}
	m.toc.Entries = append(m.toc.Entries, &e)
	return &e
}

func (m *memArchive) TOC() *format.TOC { return m.toc }

func (m *memArchive) Extra() *format.Extra {
	if len(m.chunks) == 0 {
		return nil
	}
	x := &format.Extra{FormatVersion: 1, Tool: "test"}
	for _, e := range m.toc.Entries {
		cs, ok := m.chunks[e.DumpID]
		if !ok {
			continue
		}
		mem := format.Member{DumpID: e.DumpID, Name: e.FileName}
		var off int64
		for _, c := range cs {
			rows := int64(strings.Count(c, "\n"))
			mem.Chunks = append(mem.Chunks, format.Chunk{Offset: off, Size: int64(len(c)), Rows: rows})
			off += int64(len(c))
			mem.Rows += rows
		}
		mem.Size = off
		x.Members = append(x.Members, mem)
	}
	return x
}

func (m *memArchive) Layout() format.Layout { return format.LayoutTar }
func (m *memArchive) Sequential() bool      { return m.seq }

func (m *memArchive) text(e *format.Entry) string {
	if cs, ok := m.chunks[e.DumpID]; ok {
		return strings.Join(cs, "") + "\\.\n\n\n"
	}
	if d, ok := m.data[e.DumpID]; ok {
		return d
	}
	return "\\.\n\n\n"
}

type failingReader struct{ r io.Reader }

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, &format.MemberError{Member: "x.dat", Offset: 7, Err: format.ErrCorrupt}
	}
	return n, err
}

func (m *memArchive) OpenData(ctx context.Context, e *format.Entry) (io.ReadCloser, error) {
	if m.seq {
		idx := -1
		for i, x := range m.toc.Entries {
			if x == e {
				idx = i
			}
		}
		if idx < m.next {
			return nil, format.ErrOutOfOrder
		}
		m.next = idx + 1
	}
	t := m.text(e)
	if m.failAt[e.DumpID] {
		return io.NopCloser(&failingReader{strings.NewReader(t[:len(t)/2])}), nil
	}
	return io.NopCloser(strings.NewReader(t)), nil
}

func (m *memArchive) OpenChunk(ctx context.Context, e *format.Entry, i int) (io.ReadCloser, error) {
	cs := m.chunks[e.DumpID]
	if m.seq || i < 0 || i >= len(cs) {
		return nil, fmt.Errorf("no chunk %d of %d", i, e.DumpID)
	}
	return io.NopCloser(strings.NewReader(cs[i])), nil
}

type memBlobReader struct {
	bs []memBlob
	i  int
}

func (b *memBlobReader) Next() (uint32, io.Reader, error) {
	if b.i >= len(b.bs) {
		return 0, nil, io.EOF
	}
	x := b.bs[b.i]
	b.i++
	return x.oid, strings.NewReader(x.data), nil
}
func (b *memBlobReader) Close() error { return nil }

func (m *memArchive) OpenBlobs(ctx context.Context, e *format.Entry) (format.BlobReader, error) {
	return &memBlobReader{bs: m.blobs[e.DumpID]}, nil
}

func (m *memArchive) Close() error { return nil }

var _ format.Archive = (*memArchive)(nil)
