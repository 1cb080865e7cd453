package format

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
)

// copyTerminator ends the COPY text of every TABLE DATA member, once, at the very end.
const copyTerminator = "\\.\n\n\n"

// checksumName names the member checksum. xxh64 runs at memory speed, so a dump
// never waits on it; it guards against corruption, not against tampering.
const checksumName = "xxh64"

func newChecksum() hash.Hash64 { return xxhash.New() }

func checksumHex(h hash.Hash64) string {
	var b [8]byte
	return hex.EncodeToString(h.Sum(b[:0]))
}

// memberPlan is one data member of the archive being written, in TOC order.
type memberPlan struct {
	entry  *Entry
	name   string // stored name with compression suffix
	nparts int
	isCopy bool // append the COPY terminator
	blobs  bool
	parts  []partResult
	ready  int // committed parts
	// directory writer: the member file while parts are appended to it in order
	sink     *fileSink
	next     int // the next part to append
	appendMu sync.Mutex
	// blob members (BLOBS entry)
	blobList  []blobRecord
	blobsDone bool
}

type partResult struct {
	done bool
	sum  string // checksum of the part's stored bytes
	sp   *spool // tar: the spooled stored bytes
	size int64  // stored bytes
	rows int64
}

type blobRecord struct {
	oid     uint32
	off     int64 // into the blob spool (tar)
	size    int64 // stored bytes
	sum     string
	closed  bool
	fileSum hash.Hash64
}

// checkPart reports whether m has a data part index (blob members have none).
func (m *memberPlan) checkPart(index int) error {
	if m.blobs || index < 0 || index >= m.nparts {
		return fmt.Errorf("archive: entry %d has no part %d", m.entry.DumpID, index)
	}
	return nil
}

// checkBlobs reports whether m is a BLOBS entry's member.
func (m *memberPlan) checkBlobs() error {
	if !m.blobs {
		return fmt.Errorf("archive: entry %d is not a BLOBS entry", m.entry.DumpID)
	}
	return nil
}

func (m *memberPlan) complete() bool {
	if m.blobs {
		return m.blobsDone
	}
	return m.ready == m.nparts
}

// planMembers lists the data members of toc in order with their part counts.
func planMembers(toc *TOC, parts map[int]int, c Compression) ([]*memberPlan, map[int]*memberPlan, error) {
	var list []*memberPlan
	byID := make(map[int]*memberPlan)
	for _, e := range toc.Entries {
		n, listed := parts[e.DumpID]
		if !e.HadDumper {
			if listed {
				return nil, nil, fmt.Errorf("archive: entry %d (%s %s) has parts but no data", e.DumpID, e.Desc, e.Tag)
			}
			continue
		}
		if !listed {
			n = 1
		}
		if n < 1 {
			return nil, nil, fmt.Errorf("archive: entry %d (%s %s): %d parts", e.DumpID, e.Desc, e.Tag, n)
		}
		m := &memberPlan{entry: e, nparts: n, isCopy: e.CopyStmt != "", blobs: e.Desc == "BLOBS"}
		if m.blobs {
			m.name = "blobs.toc"
		} else {
			if e.FileName == "" {
				return nil, nil, fmt.Errorf("archive: entry %d (%s %s) has data but no file name", e.DumpID, e.Desc, e.Tag)
			}
			m.name = e.FileName + c.Algorithm.Suffix()
			m.parts = make([]partResult, n)
		}
		list = append(list, m)
		byID[e.DumpID] = m
	}
	return list, byID, nil
}

// compressBytes compresses b as one complete stream.
func compressBytes(b []byte, c Compression) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := NewCompressor(&buf, c)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// headerFor fills the archive header fields a writer owns.
func headerFor(toc *TOC, c Compression, layout Layout) (*TOC, error) {
	out := *toc
	out.Header.Layout = layout
	out.Header.IntSize, out.Header.OffSize = 4, 8
	out.Header.Compression = c
	// 1.14 is read by pg_restore 12-18; only lz4/zstd need 1.15 (16+).
	switch {
	case c.Algorithm == AlgLZ4 || c.Algorithm == AlgZstd:
		if out.Header.Version < Version1_15 {
			out.Header.Version = Version1_15
		}
	case out.Header.Version == 0:
		out.Header.Version = Version1_14
	}
	return &out, nil
}

// countWriter counts and optionally hashes what passes to w.
type countWriter struct {
	w io.Writer
	n int64
	h hash.Hash64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if c.h != nil {
		c.h.Write(p[:n])
	}
	return n, err
}

// spool holds stored bytes of a member that cannot be written yet: in memory while
// the writer's shared budget lasts, then in an unlinked temp file, so nothing is left
// behind even if the process dies. Memory is held in fixed-size blocks, so a spool
// never over-allocates by growing a slice.
type spool struct {
	dir    string
	budget *atomic.Int64 // bytes of memory spool still available to the writer
	blocks [][]byte
	held   int64 // bytes of budget taken by blocks
	f      *os.File
	size   int64
}

const spoolBlock = 256 << 10

func (s *spool) Write(p []byte) (int, error) {
	written := 0
	for s.f == nil && len(p) > 0 {
		n := len(s.blocks)
		if n == 0 || len(s.blocks[n-1]) == spoolBlock {
			if s.budget.Add(-spoolBlock) < 0 {
				s.budget.Add(spoolBlock)
				if err := s.toFile(); err != nil {
					return written, err
				}
				break
			}
			s.held += spoolBlock
			s.blocks = append(s.blocks, make([]byte, 0, spoolBlock))
			n++
		}
		b := s.blocks[n-1]
		k := min(spoolBlock-len(b), len(p))
		s.blocks[n-1] = append(b, p[:k]...)
		p = p[k:]
		written += k
		s.size += int64(k)
	}
	if len(p) == 0 {
		return written, nil
	}
	n, err := s.f.Write(p)
	s.size += int64(n)
	if err != nil {
		return written + n, fmt.Errorf("spool: %w", err)
	}
	return written + n, nil
}

// toFile moves the memory blocks into a new unlinked temp file.
func (s *spool) toFile() error {
	f, err := os.CreateTemp(s.dir, "pgstow-spool-*")
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	os.Remove(f.Name())
	for _, b := range s.blocks {
		if _, err := f.Write(b); err != nil {
			f.Close()
			return fmt.Errorf("spool: %w", err)
		}
	}
	s.f = f
	s.blocks = nil
	s.budget.Add(s.held)
	s.held = 0
	return nil
}

func (s *spool) reader(off, n int64) io.Reader {
	if s.f != nil {
		return io.NewSectionReader(s.f, off, n)
	}
	var rs []io.Reader
	for _, b := range s.blocks {
		if n <= 0 {
			break
		}
		if off >= int64(len(b)) {
			off -= int64(len(b))
			continue
		}
		part := b[off:]
		off = 0
		if int64(len(part)) > n {
			part = part[:n]
		}
		n -= int64(len(part))
		rs = append(rs, bytes.NewReader(part))
	}
	return io.MultiReader(rs...)
}

func (s *spool) Close() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	s.blocks = nil
	if s.held > 0 {
		s.budget.Add(s.held)
		s.held = 0
	}
}

func blobMemberName(oid uint32, c Compression) string {
	return "blob_" + strconv.FormatUint(uint64(oid), 10) + ".dat" + c.Algorithm.Suffix()
}
