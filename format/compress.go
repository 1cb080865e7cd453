package format

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

func (a Algorithm) String() string {
	switch a {
	case AlgNone:
		return "none"
	case AlgGzip:
		return "gzip"
	case AlgLZ4:
		return "lz4"
	case AlgZstd:
		return "zstd"
	}
	return "algorithm(" + strconv.Itoa(int(a)) + ")"
}

// Suffix is the file-name suffix of a member compressed with a (pg_dump's names).
func (a Algorithm) Suffix() string {
	switch a {
	case AlgGzip:
		return ".gz"
	case AlgLZ4:
		return ".lz4"
	case AlgZstd:
		return ".zst"
	}
	return ""
}

func (c Compression) String() string {
	if c.Algorithm == AlgNone || c.Level == 0 {
		return c.Algorithm.String()
	}
	return c.Algorithm.String() + ":" + strconv.Itoa(c.Level)
}

// ParseCompression reads pg_dump's -Z syntax: "none", "gzip", "lz4", "zstd",
// optionally ":LEVEL" or ":level=LEVEL", or a bare level 0-9 meaning gzip.
func ParseCompression(s string) (Compression, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 9 {
			return Compression{}, fmt.Errorf("compression level %d out of range 0-9", n)
		}
		if n == 0 {
			return Compression{}, nil
		}
		return Compression{Algorithm: AlgGzip, Level: n}, nil
	}
	name, level, hasLevel := strings.Cut(s, ":")
	var c Compression
	switch name {
	case "none", "":
		c.Algorithm = AlgNone
	case "gzip":
		c.Algorithm = AlgGzip
	case "lz4":
		c.Algorithm = AlgLZ4
	case "zstd":
		c.Algorithm = AlgZstd
	default:
		return c, fmt.Errorf("unknown compression %q (want none, gzip, lz4 or zstd, with an optional :LEVEL)", s)
	}
	if hasLevel {
		level = strings.TrimPrefix(level, "level=")
		n, err := strconv.Atoi(level)
		if err != nil {
			return c, fmt.Errorf("compression %q: invalid level %q", s, level)
		}
		lo, hi := 1, 9
		switch c.Algorithm {
		case AlgNone:
			lo, hi = 0, 0
		case AlgLZ4:
			lo, hi = 1, 12
		case AlgZstd:
			lo, hi = 1, 22
		}
		if n < lo || n > hi {
			return c, fmt.Errorf("compression %q: level %d out of range %d-%d", s, n, lo, hi)
		}
		c.Level = n
	}
	return c, nil
}

// NewCompressor returns a writer that compresses into w as one stream (gzip member,
// lz4 frame, zstd frame). Close finishes the stream but does not close w.
func NewCompressor(w io.Writer, c Compression) (io.WriteCloser, error) {
	switch c.Algorithm {
	case AlgNone:
		return nopWriteCloser{w}, nil
	case AlgGzip:
		lvl := c.Level
		if lvl == 0 {
			lvl = gzip.DefaultCompression
		}
		return gzip.NewWriterLevel(w, lvl)
	case AlgLZ4:
		zw := lz4.NewWriter(w)
		opts := []lz4.Option{lz4.ConcurrencyOption(1), lz4.BlockSizeOption(lz4.Block1Mb)}
		if c.Level > 0 {
			opts = append(opts, lz4.CompressionLevelOption(lz4.CompressionLevel(1<<(8+c.Level))))
		}
		if err := zw.Apply(opts...); err != nil {
			return nil, fmt.Errorf("lz4: %w", err)
		}
		return zw, nil
	case AlgZstd:
		lvl := zstd.SpeedDefault
		if c.Level > 0 {
			lvl = zstd.EncoderLevelFromZstd(c.Level)
		}
		return zstd.NewWriter(w, zstd.WithEncoderLevel(lvl), zstd.WithEncoderConcurrency(1), zstd.WithLowerEncoderMem(true))
	}
	return nil, fmt.Errorf("unknown compression algorithm %d", c.Algorithm)
}

// NewDecompressor returns the decompressed stream of r. Concatenated streams
// (several gzip members, lz4 or zstd frames) decode as one, since pgstow writes a
// chunked table as concatenated frames.
func NewDecompressor(r io.Reader, a Algorithm) (io.ReadCloser, error) {
	switch a {
	case AlgNone:
		return io.NopCloser(r), nil
	case AlgGzip:
		zr, err := gzip.NewReader(bufio.NewReaderSize(r, 64<<10))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", corruptIfFormat(err))
		}
		return zr, nil
	case AlgLZ4:
		return io.NopCloser(&lz4Frames{src: bufio.NewReaderSize(r, 64<<10)}), nil
	case AlgZstd:
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return &zstdCloser{zr}, nil
	}
	return nil, fmt.Errorf("unknown compression algorithm %d", a)
}

// newZlibDecompressor reads the custom format's gzip payload, a zlib stream.
func newZlibDecompressor(r io.Reader) (io.ReadCloser, error) {
	zr, err := zlib.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("zlib: %w", corruptIfFormat(err))
	}
	return zr, nil
}

func corruptIfFormat(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w: truncated compressed data", ErrCorrupt)
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

type zstdCloser struct{ *zstd.Decoder }

func (z *zstdCloser) Close() error { z.Decoder.Close(); return nil }

// lz4Frames decodes concatenated LZ4 frames: after one frame ends it starts a new
// frame reader if more input follows.
type lz4Frames struct {
	src *bufio.Reader
	cur *lz4.Reader
}

func (f *lz4Frames) Read(p []byte) (int, error) {
	for {
		if f.cur == nil {
			if _, err := f.src.Peek(1); err != nil {
				if err == io.EOF {
					return 0, io.EOF
				}
				return 0, err
			}
			f.cur = lz4.NewReader(f.src)
			_ = f.cur.Apply(lz4.ConcurrencyOption(1))
		}
		n, err := f.cur.Read(p)
		if err == io.EOF {
			f.cur = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		if err != nil {
			return n, fmt.Errorf("lz4: %w", corruptIfFormat(err))
		}
		return n, nil
	}
}

// compressorPool reuses compressors of one writer: a zstd or lz4 encoder holds
// megabytes of tables and buffers, and an archive opens one per part.
type compressorPool struct {
	c    Compression
	pool sync.Pool
}

func newCompressorPool(c Compression) *compressorPool { return &compressorPool{c: c} }

// resetter is what gzip, lz4 and zstd writers share.
type resetter interface {
	io.WriteCloser
	Reset(w io.Writer)
}

// get returns a compressor writing into w; its Close finishes the stream and gives
// it back to the pool.
func (p *compressorPool) get(w io.Writer) (io.WriteCloser, error) {
	if p.c.Algorithm == AlgNone {
		return nopWriteCloser{w}, nil
	}
	if r, ok := p.pool.Get().(resetter); ok {
		r.Reset(w)
		return &pooled{r: r, p: p}, nil
	}
	zw, err := NewCompressor(w, p.c)
	if err != nil {
		return nil, err
	}
	r, ok := zw.(resetter)
	if !ok {
		return zw, nil
	}
	return &pooled{r: r, p: p}, nil
}

type pooled struct {
	r    resetter
	p    *compressorPool
	done bool
}

func (c *pooled) Write(b []byte) (int, error) { return c.r.Write(b) }

func (c *pooled) Close() error {
	if c.done {
		return nil
	}
	c.done = true
	err := c.r.Close()
	if err == nil {
		c.r.Reset(nil)
		c.p.pool.Put(c.r)
	}
	return err
}
