package restore

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pgstow/pgstow/format"
)

// WriteScript writes the archive as a plain SQL script for psql, like
// pg_restore -f FILE: session SETs, each selected entry's definition and owner,
// table data as COPY ... FROM stdin; blocks ended by \., large objects as
// lo_open/lowrite calls. The script is wrapped in \restrict KEY / \unrestrict KEY
// (a random key) as current pg_dump minors do, so psql refuses meta-commands
// smuggled into the data. Jobs is ignored.
func WriteScript(ctx context.Context, w io.Writer, a format.Archive, o Options) error {
	if a == nil || a.TOC() == nil {
		return errors.New("restore: no archive")
	}
	if err := checkOptions(&o); err != nil {
		return err
	}
	r, err := newRestorer(a, o)
	if err != nil {
		return err
	}
	key, err := restrictKey()
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	sw := &scriptWriter{r: r, w: bw, key: key, sess: &session{}}
	if err := sw.write(ctx); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("restore: write script: %w", err)
	}
	return nil
}

func restrictKey() (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 64)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("restore: restrict key: %w", err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

type scriptWriter struct {
	r    *restorer
	w    *bufio.Writer
	key  string
	sess *session
}

func (sw *scriptWriter) p(format string, args ...any) { fmt.Fprintf(sw.w, format, args...) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return strings.ReplaceAll(s, "\n", " ")
}

func (sw *scriptWriter) header(e *format.Entry, data bool) {
	kind := "Name"
	if data {
		kind = "Data for Name"
	}
	sw.p("--\n-- %s: %s; Type: %s; Schema: %s; Owner: %s\n--\n\n", kind, orDash(e.Tag), e.Desc, orDash(e.Namespace), orDash(e.Owner))
}

// settings writes the per-entry SETs, each followed by a blank line as
// pg_restore does.
func (sw *scriptWriter) settings(e *format.Entry) {
	for _, l := range strings.SplitAfter(sw.r.entrySettings(sw.sess, e), "\n") {
		if l != "" {
			sw.w.WriteString(l + "\n")
		}
	}
}

func (sw *scriptWriter) setup() {
	sw.w.WriteString(sw.r.sessionSetup(0, ""))
	sw.w.WriteString("\n")
}

func (sw *scriptWriter) write(ctx context.Context) error {
	r := sw.r
	h := r.toc.Header
	sw.p("--\n-- PostgreSQL database dump\n--\n\n\\restrict %s\n\n", sw.key)
	if h.ServerVersion != "" {
		sw.p("-- Dumped from database version %s\n", h.ServerVersion)
	}
	if h.DumpVersion != "" {
		sw.p("-- Dumped by pg_dump version %s\n", h.DumpVersion)
	}
	sw.p("\n")
	sw.setup()
	jobs := r.jobs
	if r.o.Create {
		var rest []*job
		for _, j := range jobs {
			if j.e.Desc != "DATABASE" {
				rest = append(rest, j)
				continue
			}
			if r.o.Clean && j.e.DropStmt != "" {
				stmt, _ := dropStatement(j.e, r.o.IfExists)
				sw.w.WriteString(stmt)
			}
			if err := sw.entry(ctx, j); err != nil {
				return err
			}
			sw.p("\\unrestrict %s\n\\connect -reuse-previous=on %s\n\\restrict %s\n\n", sw.key,
				quoteLiteral("dbname="+quoteLiteral(j.e.Tag)), sw.key)
			sw.setup()
			sw.sess = &session{}
		}
		jobs = rest
	}
	if r.o.SingleTransaction {
		sw.p("BEGIN;\n\n")
	}
	if r.o.Clean && !r.o.Create {
		for i := len(jobs) - 1; i >= 0; i-- {
			if jobs[i].e.DropStmt == "" {
				continue
			}
			stmt, _ := dropStatement(jobs[i].e, r.o.IfExists)
			sw.w.WriteString(r.entrySettings(sw.sess, jobs[i].e))
			sw.w.WriteString(stmt)
		}
	}
	for pass := passMain; pass <= passPostACL; pass++ {
		for _, j := range jobs {
			if j.pass != pass {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := sw.entry(ctx, j); err != nil {
				return err
			}
		}
	}
	if r.o.SingleTransaction {
		sw.p("COMMIT;\n\n")
	}
	sw.p("--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict %s\n\n", sw.key)
	return nil
}

func (sw *scriptWriter) entry(ctx context.Context, j *job) error {
	r, e := sw.r, j.e
	if j.runsDefn() {
		sql := definition(r.entry, e, &r.o)
		sw.settings(e)
		sw.header(e, false)
		if sql != "" {
			sw.w.WriteString(sql)
			sw.p("\n\n")
		}
		if !r.o.NoOwner {
			stmt, err := ownerStatement(e)
			if err != nil {
				return entryErr(e, "owner", err)
			}
			if stmt != "" {
				sw.p("%s\n", stmt)
			}
		}
	}
	if !(j.data && e.HadDumper) {
		return nil
	}
	sw.settings(e)
	sw.header(e, true)
	if e.Desc == "BLOBS" {
		return sw.blobs(ctx, e)
	}
	rc, err := r.a.OpenData(ctx, e)
	if err != nil {
		return entryErr(e, "read", err)
	}
	defer rc.Close()
	t := quoteQualified(e.Namespace, e.Tag)
	triggers := r.o.DataOnly && r.o.DisableTriggers
	if triggers {
		sw.p("ALTER TABLE ONLY %s DISABLE TRIGGER ALL;\n\n", t)
	}
	if e.CopyStmt == "" {
		if _, err := io.Copy(sw.w, rc); err != nil {
			return entryErr(e, "read", err)
		}
	} else {
		sw.w.WriteString(e.CopyStmt)
		if !strings.HasSuffix(e.CopyStmt, "\n") {
			sw.w.WriteString("\n")
		}
		tw := &tailWriter{w: sw.w}
		if _, err := io.Copy(tw, rc); err != nil {
			return entryErr(e, "read", err)
		}
		if !tw.terminated() {
			if n := len(tw.tail); n > 0 && tw.tail[n-1] != '\n' {
				sw.w.WriteString("\n")
			}
			sw.w.WriteString("\\.\n\n\n")
		}
	}
	if triggers {
		sw.p("ALTER TABLE ONLY %s ENABLE TRIGGER ALL;\n\n", t)
	}
	return nil
}

// tailWriter passes bytes on and remembers the last few.
type tailWriter struct {
	w    io.Writer
	tail []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.tail = append(t.tail, p...)
	if len(t.tail) > 16 {
		t.tail = append(t.tail[:0], t.tail[len(t.tail)-16:]...)
	}
	return t.w.Write(p)
}

// terminated reports whether the data ended with a "\." line.
func (t *tailWriter) terminated() bool {
	s := strings.TrimRight(string(t.tail), "\n")
	return s == `\.` || strings.HasSuffix(s, "\n\\.")
}

func (sw *scriptWriter) blobs(ctx context.Context, e *format.Entry) error {
	br, err := sw.r.a.OpenBlobs(ctx, e)
	if err != nil {
		return entryErr(e, "blobs", err)
	}
	defer br.Close()
	if !sw.r.o.SingleTransaction {
		sw.p("BEGIN;\n\n")
	}
	buf := make([]byte, 32<<10)
	for {
		oid, data, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return entryErr(e, "blobs", err)
		}
		sw.p("SELECT pg_catalog.lo_open('%d', 131072);\n", oid)
		for {
			n, rerr := io.ReadFull(data, buf)
			if n > 0 {
				if sw.r.set.stdStrings == "on" {
					sw.p("SELECT pg_catalog.lowrite(0, '\\x%s');\n", hex.EncodeToString(buf[:n]))
				} else {
					sw.p("SELECT pg_catalog.lowrite(0, E'\\\\x%s');\n", hex.EncodeToString(buf[:n]))
				}
			}
			if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
				break
			}
			if rerr != nil {
				return entryErr(e, "blobs", fmt.Errorf("large object %d: %w", oid, rerr))
			}
		}
		sw.p("SELECT pg_catalog.lo_close(0);\n\n")
	}
	if !sw.r.o.SingleTransaction {
		sw.p("COMMIT;\n\n")
	}
	return nil
}
