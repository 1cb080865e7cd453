package format

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Problem is one defect Verify found, naming the member or entry.
type Problem struct {
	Member string
	Err    error
}

func (p Problem) String() string { return p.Member + ": " + p.Err.Error() }

// VerifyResult sums up what Verify read.
type VerifyResult struct {
	Members  int   // data members read
	Bytes    int64 // decompressed bytes
	Rows     int64
	Checked  int // members whose checksum was compared
	Problems []Problem
}

// Verify reads every data member of a: with pgstow's extra member it compares
// stored sizes and checksums; for every archive it decompresses each TABLE DATA
// member and checks its COPY framing (exactly one terminator, at the end) and, with
// the extra member, row counts and chunk boundaries. The error is only for failures
// to read the archive as a whole; defects of members are Problems.
func Verify(ctx context.Context, a Archive) (*VerifyResult, error) {
	res := &VerifyResult{}
	add := func(member string, err error) { res.Problems = append(res.Problems, Problem{Member: member, Err: err}) }
	sa, seekable := a.(*seekArchive)
	extraOf := map[int]*Member{}
	if x := a.Extra(); x != nil && seekable {
		for i := range x.Members {
			m := &x.Members[i]
			if err := ctx.Err(); err != nil {
				return res, err
			}
			size, ok := sa.src.size(m.Name)
			if !ok {
				add(m.Name, fmt.Errorf("%w: member listed in %s is missing", ErrCorrupt, ExtraMemberName))
				continue
			}
			if size != m.Size {
				add(m.Name, fmt.Errorf("%w: %d bytes stored, %s says %d", ErrCorrupt, size, ExtraMemberName, m.Size))
				continue
			}
			rc, err := sa.src.open(m.Name, 0, -1)
			if err != nil {
				add(m.Name, err)
				continue
			}
			h := newChecksum()
			_, err = io.Copy(h, rc)
			rc.Close()
			if err != nil {
				add(m.Name, err)
				continue
			}
			res.Checked++
			if got := checksumHex(h); got != m.Checksum {
				add(m.Name, fmt.Errorf("%w: %s %s, expected %s", ErrChecksum, checksumName, got, m.Checksum))
			}
			if !strings.HasPrefix(m.Name, "blob") {
				extraOf[m.DumpID] = m
			}
		}
	}
	for _, e := range a.TOC().Entries {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if !e.HadDumper {
			continue
		}
		if e.Desc == "BLOBS" {
			if err := verifyBlobs(ctx, a, e, res); err != nil {
				add(entryLabel(e), err)
			}
			continue
		}
		rc, err := a.OpenData(ctx, e)
		if err != nil {
			add(entryLabel(e), err)
			if a.Sequential() {
				return res, nil
			}
			continue
		}
		res.Members++
		var chk copyChecker
		n, err := io.Copy(&chk, rc)
		rc.Close()
		res.Bytes += n
		if err != nil {
			add(entryLabel(e), err)
			continue
		}
		if e.CopyStmt == "" {
			continue
		}
		res.Rows += chk.rows
		framing := chk.result(true)
		if framing != nil {
			add(entryLabel(e), framing)
		}
		m := extraOf[e.DumpID]
		if m == nil {
			continue
		}
		if framing == nil && chk.rows != m.Rows {
			add(entryLabel(e), fmt.Errorf("%w: %d rows, %s says %d", ErrCorrupt, chk.rows, ExtraMemberName, m.Rows))
		}
		for i, c := range m.Chunks {
			rc, err := a.OpenChunk(ctx, e, i)
			if err != nil {
				add(entryLabel(e), err)
				break
			}
			var cc copyChecker
			_, err = io.Copy(&cc, rc)
			rc.Close()
			if err == nil {
				err = cc.result(false)
			}
			if err == nil && cc.rows != c.Rows {
				err = fmt.Errorf("%w: %d rows, %s says %d", ErrCorrupt, cc.rows, ExtraMemberName, c.Rows)
			}
			if err != nil {
				add(fmt.Sprintf("%s chunk %d", entryLabel(e), i), err)
			}
		}
	}
	if ts, ok := a.(*tarStream); ok {
		probs, checked, err := ts.checkStored()
		if err != nil {
			add("archive", err)
		}
		res.Problems = append(res.Problems, probs...)
		res.Checked += checked
	}
	return res, nil
}

func verifyBlobs(ctx context.Context, a Archive, e *Entry, res *VerifyResult) error {
	br, err := a.OpenBlobs(ctx, e)
	if err != nil {
		return err
	}
	defer br.Close()
	for {
		oid, r, err := br.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		n, err := io.Copy(io.Discard, r)
		res.Bytes += n
		if err != nil {
			return fmt.Errorf("large object %d: %w", oid, err)
		}
		res.Members++
	}
}

// copyChecker follows COPY text: counts rows and finds the "\." terminator line.
type copyChecker struct {
	state int // 0 line start, 1 after "\" at line start, 2 after "\.", 3 inside a line
	rows  int64
	term  bool
	junk  bool
	bytes int64
}

func (c *copyChecker) Write(p []byte) (int, error) {
	c.bytes += int64(len(p))
	i := 0
	for i < len(p) {
		if c.term {
			for _, b := range p[i:] {
				if b != '\n' && b != '\r' {
					c.junk = true
				}
			}
			return len(p), nil
		}
		if c.state == 3 {
			j := bytes.IndexByte(p[i:], '\n')
			if j < 0 {
				return len(p), nil
			}
			i += j + 1
			c.rows++
			c.state = 0
			continue
		}
		b := p[i]
		i++
		switch {
		case c.state == 0 && b == '\\':
			c.state = 1
		case c.state == 1 && b == '.':
			c.state = 2
		case c.state == 2 && b == '\r':
		case c.state == 2 && b == '\n':
			c.term = true
		case b == '\n':
			c.rows++
			c.state = 0
		default:
			c.state = 3
		}
	}
	return len(p), nil
}

// result checks the framing: a whole member ends with the terminator (pg_dump
// archives written without one are accepted), a chunk has none.
func (c *copyChecker) result(whole bool) error {
	switch {
	case c.junk:
		return fmt.Errorf("%w: data after the COPY terminator line (a restore would silently drop it)", ErrCorrupt)
	case !whole && c.term:
		return fmt.Errorf("%w: COPY terminator inside a chunk", ErrCorrupt)
	case c.state != 0 && !c.term:
		return fmt.Errorf("%w: COPY data ends inside a row (truncated?)", ErrCorrupt)
	}
	return nil
}
