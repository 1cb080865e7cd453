package dump

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// copyOutBuf is the socket read size of copyOut: large reads, few syscalls.
const copyOutBuf = 256 << 10

// copyOut runs sql, a COPY … TO STDOUT, on pc and streams the rows into w, reading
// the protocol from the socket itself. pgconn's CopyTo decodes every row as a
// message (a few hundred nanoseconds each); a dump moves tens of millions of rows,
// and on a small machine the client's CPU is taken from the server's COPY. Here a
// row costs a header check and a copy into w.
//
// A server error ends the COPY cleanly and is returned as *pgconn.PgError. Any
// other failure (a write to w, a broken socket, ctx ending) leaves the protocol
// mid-stream, so the connection is closed: the dump is failing anyway.
func copyOut(ctx context.Context, pc *pgconn.PgConn, sql string, w io.Writer) (rows int64, err error) {
	if err := pc.SyncConn(ctx); err != nil {
		return 0, err
	}
	nc := pc.Conn()
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	clean := false
	defer func() {
		if !stop() && err == nil {
			err = ctx.Err()
		}
		if !clean {
			_ = nc.Close()
			if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
				err = fmt.Errorf("%w: %w", cerr, err)
			}
		}
	}()

	q := make([]byte, 5, len(sql)+6)
	q[0] = 'Q'
	q = append(q, sql...)
	q = append(q, 0)
	binary.BigEndian.PutUint32(q[1:], uint32(len(q)-1))
	if _, err := nc.Write(q); err != nil {
		return 0, fmt.Errorf("send COPY: %w", err)
	}

	r := &msgReader{nc: nc, buf: make([]byte, copyOutBuf)}
	var pgErr *pgconn.PgError
	for {
		typ, n, err := r.header()
		if err != nil {
			if pgErr != nil { // FATAL errors are followed by the server closing
				return rows, pgErr
			}
			return rows, err
		}
		if typ == 'd' {
			if err := r.stream(n, w); err != nil {
				return rows, err
			}
			continue
		}
		body, err := r.body(n)
		if err != nil {
			if pgErr != nil {
				return rows, pgErr
			}
			return rows, err
		}
		switch typ {
		case 'H', 'c', 'N', 'S', 'A': // CopyOutResponse, CopyDone, notice, parameter, notification
		case 'C': // CommandComplete "COPY n"
			if i := bytes.LastIndexByte(body, ' '); i >= 0 {
				rows, _ = strconv.ParseInt(string(bytes.TrimRight(body[i+1:], "\x00")), 10, 64)
			}
		case 'E':
			pgErr = parseErrorResponse(body)
		case 'Z': // ReadyForQuery: the statement is over, the connection is in sync
			clean = true
			if pgErr != nil {
				return rows, pgErr
			}
			return rows, nil
		default:
			return rows, fmt.Errorf("COPY: unexpected protocol message %q", typ)
		}
	}
}

// msgReader reads protocol messages from a socket through one buffer.
type msgReader struct {
	nc         net.Conn
	buf        []byte
	start, end int
}

// fill reads until at least need bytes are buffered, compacting or growing.
func (r *msgReader) fill(need int) error {
	if r.end-r.start >= need {
		return nil
	}
	if need > len(r.buf) {
		nb := make([]byte, need)
		r.end = copy(nb, r.buf[r.start:r.end])
		r.buf, r.start = nb, 0
	} else if r.start+need > len(r.buf) {
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.start = 0
	}
	for r.end-r.start < need {
		n, err := r.nc.Read(r.buf[r.end:])
		r.end += n
		if err != nil {
			if r.end-r.start >= need {
				return nil
			}
			if err == io.EOF {
				return fmt.Errorf("COPY: server closed the connection: %w", io.ErrUnexpectedEOF)
			}
			return fmt.Errorf("COPY: read: %w", err)
		}
	}
	return nil
}

func (r *msgReader) header() (byte, int, error) {
	if err := r.fill(5); err != nil {
		return 0, 0, err
	}
	typ := r.buf[r.start]
	n := int(binary.BigEndian.Uint32(r.buf[r.start+1:])) - 4
	if n < 0 || n > 1<<30 {
		return 0, 0, fmt.Errorf("COPY: invalid protocol message length %d", n)
	}
	r.start += 5
	return typ, n, nil
}

// body returns the next n bytes (valid until the next read).
func (r *msgReader) body(n int) ([]byte, error) {
	if err := r.fill(n); err != nil {
		return nil, err
	}
	b := r.buf[r.start : r.start+n]
	r.start += n
	return b, nil
}

// stream copies the next n bytes to w without holding them whole.
func (r *msgReader) stream(n int, w io.Writer) error {
	for n > 0 {
		if r.start == r.end {
			r.start, r.end = 0, 0
			if err := r.fill(1); err != nil {
				return err
			}
		}
		k := min(n, r.end-r.start)
		if _, err := w.Write(r.buf[r.start : r.start+k]); err != nil {
			return err
		}
		r.start += k
		n -= k
	}
	return nil
}

// parseErrorResponse decodes an ErrorResponse body into pgx's error type.
func parseErrorResponse(b []byte) *pgconn.PgError {
	e := &pgconn.PgError{}
	for len(b) > 0 && b[0] != 0 {
		code := b[0]
		b = b[1:]
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			i = len(b)
		}
		v := string(b[:i])
		if i < len(b) {
			b = b[i+1:]
		} else {
			b = nil
		}
		switch code {
		case 'S':
			e.Severity = v
		case 'V':
			e.SeverityUnlocalized = v
		case 'C':
			e.Code = v
		case 'M':
			e.Message = v
		case 'D':
			e.Detail = v
		case 'H':
			e.Hint = v
		case 'W':
			e.Where = v
		case 's':
			e.SchemaName = v
		case 't':
			e.TableName = v
		case 'c':
			e.ColumnName = v
		case 'n':
			e.ConstraintName = v
		case 'F':
			e.File = v
		case 'R':
			e.Routine = v
		case 'L':
			if n, err := strconv.Atoi(v); err == nil {
				e.Line = int32(n)
			}
		case 'P':
			if n, err := strconv.Atoi(v); err == nil {
				e.Position = int32(n)
			}
		}
	}
	return e
}
