package format

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
)

// tarStream reads a tar archive from a non-seekable stream, forward only: data must
// be requested in archive order, as pg_restore does for tar.
type tarStream struct {
	r   *bufio.Reader
	off int64
	toc *TOC

	mu     sync.Mutex
	name   string // current member
	left   int64  // unread bytes of the current member
	pad    int64
	cur    io.Closer
	passed map[string]bool
	extra  *Extra
	ended  bool
	fresh  bool // the current member's header was read but no reader opened

	// Every member's stored bytes are hashed as they pass, so verify can check a
	// stream against the extra member at its end.
	hash hash.Hash64
	size int64
	sums map[string]storedSum
}

type storedSum struct {
	size int64
	sum  string
}

func openTarStream(r *bufio.Reader) (Archive, error) {
	t := &tarStream{r: r, passed: make(map[string]bool), sums: make(map[string]storedSum)}
	for {
		name, err := t.next()
		if err != nil {
			return nil, fmt.Errorf("open archive from stdin: %w", err)
		}
		if name == "" {
			return nil, fmt.Errorf("open archive from stdin: %w: no toc.dat member", ErrCorrupt)
		}
		if name == "toc.dat" {
			break
		}
	}
	if t.left > maxString {
		return nil, fmt.Errorf("open archive from stdin: %w: toc.dat of %d bytes", ErrCorrupt, t.left)
	}
	b, err := io.ReadAll(io.LimitReader(t.r, t.left))
	t.off += int64(len(b))
	t.left -= int64(len(b))
	if err == nil && t.left > 0 {
		err = fmt.Errorf("%w: archive ends inside toc.dat", ErrCorrupt)
	}
	if err != nil {
		return nil, fmt.Errorf("open archive from stdin: %w", err)
	}
	toc, err := DecodeTOC(bytes.NewReader(b), "toc.dat")
	if err != nil {
		return nil, fmt.Errorf("open archive from stdin: %w", err)
	}
	t.toc = toc
	return t, nil
}

// next skips the rest of the current member and reads the next header; "" at end.
func (t *tarStream) next() (string, error) {
	if t.ended {
		return "", nil
	}
	if t.hash != nil && t.left > 0 {
		n, err := io.CopyN(t.hash, t.r, t.left)
		t.off += n
		t.left -= n
		if err != nil {
			return "", &MemberError{Member: t.name, Offset: t.off, Err: fmt.Errorf("%w: archive ends inside member", ErrCorrupt)}
		}
	}
	if err := t.discard(t.left + t.pad); err != nil {
		return "", err
	}
	t.left, t.pad = 0, 0
	if t.hash != nil {
		t.sums[t.name] = storedSum{size: t.size, sum: checksumHex(t.hash)}
		t.hash = nil
	}
	var h [tarBlock]byte
	for {
		n, err := io.ReadFull(t.r, h[:])
		t.off += int64(n)
		if err == io.EOF {
			t.ended = true
			return "", nil
		}
		if err != nil {
			return "", &MemberError{Member: "tar header", Offset: t.off, Err: fmt.Errorf("%w: truncated tar header", ErrCorrupt)}
		}
		name, size, ok, err := parseTarHeader(&h)
		if err != nil {
			return "", &MemberError{Member: "tar header", Offset: t.off - tarBlock, Err: err}
		}
		if !ok {
			continue
		}
		t.name, t.left, t.pad = name, size, tarPadding(size)
		t.hash, t.size = newChecksum(), size
		t.passed[name] = true
		t.fresh = true
		return name, nil
	}
}

func (t *tarStream) discard(n int64) error {
	for n > 0 {
		step := n
		if step > 1<<30 {
			step = 1 << 30
		}
		m, err := t.r.Discard(int(step))
		t.off += int64(m)
		n -= int64(m)
		if err != nil {
			return &MemberError{Member: t.name, Offset: t.off, Err: fmt.Errorf("%w: archive ends inside member", ErrCorrupt)}
		}
	}
	return nil
}

func (t *tarStream) TOC() *TOC        { return t.toc }
func (t *tarStream) Extra() *Extra    { return t.extra }
func (t *tarStream) Layout() Layout   { return LayoutTar }
func (t *tarStream) Sequential() bool { return true }
func (t *tarStream) Close() error     { return nil }

// seek moves forward to the member stored for file (with or without a compression
// suffix); a member already passed cannot be read again.
func (t *tarStream) seek(e *Entry, file string) (string, Algorithm, error) {
	if t.cur != nil {
		t.cur.Close()
		t.cur = nil
	}
	match := func(name string) (Algorithm, bool) {
		if name == file {
			return AlgNone, true
		}
		for _, alg := range []Algorithm{AlgGzip, AlgLZ4, AlgZstd} {
			if name == file+alg.Suffix() {
				return alg, true
			}
		}
		return AlgNone, false
	}
	if t.fresh {
		if alg, ok := match(t.name); ok {
			t.fresh = false
			return t.name, alg, nil
		}
	}
	for _, suffix := range []string{"", ".gz", ".lz4", ".zst"} {
		if t.passed[file+suffix] {
			return "", 0, fmt.Errorf("entry %s: %w: member %s was already passed (input is not seekable)", entryLabel(e), ErrOutOfOrder, file+suffix)
		}
	}
	for {
		name, err := t.next()
		if err != nil {
			return "", 0, err
		}
		if name == "" {
			return "", 0, fmt.Errorf("entry %s: %w: member %s not found before the end of the archive", entryLabel(e), ErrCorrupt, file)
		}
		if name == ExtraMemberName {
			t.readExtra()
			continue
		}
		if alg, ok := match(name); ok {
			t.fresh = false
			return name, alg, nil
		}
	}
}

func (t *tarStream) readExtra() {
	var x Extra
	if t.left > 1<<30 {
		return
	}
	b, err := io.ReadAll(&streamMember{t: t})
	if err == nil && json.Unmarshal(b, &x) == nil {
		t.extra = &x
	}
}

// streamMember reads the rest of the current member.
type streamMember struct {
	t *tarStream
}

func (s *streamMember) Read(p []byte) (int, error) {
	t := s.t
	if t.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > t.left {
		p = p[:t.left]
	}
	n, err := t.r.Read(p)
	t.off += int64(n)
	t.left -= int64(n)
	if t.hash != nil {
		t.hash.Write(p[:n])
	}
	if err == io.EOF && t.left > 0 {
		return n, &MemberError{Member: t.name, Offset: t.off, Err: fmt.Errorf("%w: archive ends inside member", ErrCorrupt)}
	}
	if err == io.EOF {
		err = nil
	}
	return n, err
}

func (t *tarStream) OpenData(ctx context.Context, e *Entry) (io.ReadCloser, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !e.HadDumper || e.FileName == "" {
		return nil, fmt.Errorf("entry %s has no data", entryLabel(e))
	}
	name, alg, err := t.seek(e, e.FileName)
	if err != nil {
		return nil, err
	}
	zr, err := NewDecompressor(&streamMember{t: t}, alg)
	if err != nil {
		return nil, &MemberError{Member: name, Offset: t.off, Err: err}
	}
	mr := &memberReader{r: zr, closers: []io.Closer{zr}, name: name}
	t.cur = mr
	return mr, nil
}

func (t *tarStream) OpenChunk(ctx context.Context, e *Entry, i int) (io.ReadCloser, error) {
	return nil, fmt.Errorf("entry %s: %w: chunks need a seekable archive", entryLabel(e), ErrOutOfOrder)
}

func (t *tarStream) OpenBlobs(ctx context.Context, e *Entry) (BlobReader, error) {
	return &streamBlobs{t: t, e: e}, nil
}

// streamBlobs reads consecutive blob_<oid>.dat members, as pg_restore does.
type streamBlobs struct {
	t       *tarStream
	e       *Entry
	started bool
	done    bool
	cur     io.Closer
}

func (b *streamBlobs) Next() (uint32, io.Reader, error) {
	t := b.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if b.done {
		return 0, nil, io.EOF
	}
	if b.cur != nil {
		b.cur.Close()
		b.cur = nil
	}
	for {
		name, err := t.next()
		if err != nil {
			return 0, nil, err
		}
		if name == "" {
			b.done = true
			return 0, nil, io.EOF
		}
		if !strings.HasPrefix(name, "blob_") {
			if b.started {
				b.done = true
				return 0, nil, io.EOF
			}
			continue
		}
		b.started = true
		t.fresh = false
		base := name[len("blob_"):]
		alg := algorithmOfName(base)
		base = strings.TrimSuffix(base, alg.Suffix())
		var oid uint64
		if _, err := fmt.Sscanf(base, "%d.dat", &oid); err != nil || oid == 0 || oid > 1<<32-1 {
			return 0, nil, &MemberError{Member: name, Offset: t.off, Err: fmt.Errorf("%w: bad large object member name", ErrCorrupt)}
		}
		zr, err := NewDecompressor(&streamMember{t: t}, alg)
		if err != nil {
			return 0, nil, &MemberError{Member: name, Offset: t.off, Err: err}
		}
		b.cur = zr
		return uint32(oid), zr, nil
	}
}

func (b *streamBlobs) Close() error {
	if b.cur != nil {
		b.cur.Close()
	}
	return nil
}

// checkStored reads the rest of the stream and compares every member's size and
// checksum with the extra member, which a stream only reaches at its end.
func (t *tarStream) checkStored() ([]Problem, int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cur != nil {
		t.cur.Close()
		t.cur = nil
	}
	for {
		name, err := t.next()
		if err != nil {
			return nil, 0, err
		}
		if name == "" {
			break
		}
		if name == ExtraMemberName {
			t.readExtra()
		}
	}
	if t.extra == nil {
		return nil, 0, nil
	}
	var probs []Problem
	checked := 0
	for _, m := range t.extra.Members {
		got, ok := t.sums[m.Name]
		switch {
		case !ok:
			probs = append(probs, Problem{Member: m.Name, Err: fmt.Errorf("%w: member listed in %s is missing", ErrCorrupt, ExtraMemberName)})
		case got.size != m.Size:
			probs = append(probs, Problem{Member: m.Name, Err: fmt.Errorf("%w: %d bytes stored, %s says %d", ErrCorrupt, got.size, ExtraMemberName, m.Size)})
		case got.sum != m.Checksum:
			probs = append(probs, Problem{Member: m.Name, Err: fmt.Errorf("%w: %s %s, expected %s", ErrChecksum, checksumName, got.sum, m.Checksum)})
		default:
			checked++
		}
	}
	return probs, checked, nil
}
