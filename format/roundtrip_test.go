package format_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pgstow/pgstow/format"
)

// synthTOC is a small archive: a table with data in parts, an empty table, blobs.
func synthTOC() *format.TOC {
	ts := ""
	return &format.TOC{
		Header: format.Header{Created: time.Date(2026, 11, 25, 1, 2, 3, 0, time.UTC), DBName: "db", ServerVersion: "15.20", DumpVersion: "pgstow test"},
		Entries: []*format.Entry{
			{DumpID: 1, Tag: "ENCODING", Desc: "ENCODING", Section: format.SectionPreData, Defn: "SET client_encoding = 'UTF8';\n"},
			{DumpID: 2, TableOID: 1259, OID: 16386, Tag: "t", Desc: "TABLE", Section: format.SectionPreData, Namespace: "public", Owner: "postgres", Tablespace: &ts, TableAM: "heap", Defn: "CREATE TABLE public.t (a int);\n", DropStmt: "DROP TABLE public.t;\n"},
			{DumpID: 3, TableOID: 1259, OID: 16390, Tag: "e", Desc: "TABLE", Section: format.SectionPreData, Namespace: "public", Owner: "postgres", Tablespace: &ts, TableAM: "heap", Defn: "CREATE TABLE public.e (a int);\n", DropStmt: "DROP TABLE public.e;\n"},
			{DumpID: 4, OID: 16386, Tag: "t", Desc: "TABLE DATA", Section: format.SectionData, Namespace: "public", Owner: "postgres", HadDumper: true, CopyStmt: "COPY public.t (a) FROM stdin;\n", FileName: "4.dat", Deps: []int{2}},
			{DumpID: 5, OID: 16390, Tag: "e", Desc: "TABLE DATA", Section: format.SectionData, Namespace: "public", Owner: "postgres", HadDumper: true, CopyStmt: "COPY public.e (a) FROM stdin;\n", FileName: "5.dat", Deps: []int{3}},
			{DumpID: 6, Tag: "BLOBS", Desc: "BLOBS", Section: format.SectionData, HadDumper: true, FileName: "6.dat"},
		},
	}
}

func rows(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	return b.String()
}

// writeSynth writes synthTOC with table t in 3 parts (given out of order).
func writeSynth(t *testing.T, w format.Writer) {
	ctx := context.Background()
	if err := w.Begin(ctx, synthTOC(), map[int]int{4: 3}); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{2, 0, 1} {
		pw, err := w.Part(ctx, 4, i)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(pw, rows(i*1000, (i+1)*1000))
		if err := pw.Commit(1000); err != nil {
			t.Fatal(err)
		}
	}
	pw, err := w.Part(ctx, 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := pw.Commit(0); err != nil {
		t.Fatal(err)
	}
	bw, err := w.Blobs(ctx, 6)
	if err != nil {
		t.Fatal(err)
	}
	for _, oid := range []uint32{100, 200} {
		wc, err := bw.Blob(oid)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(wc, "blob %d", oid)
		wc.Close()
	}
	if err := bw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx, &format.Extra{Tool: "test"}); err != nil {
		t.Fatal(err)
	}
}

func checkSynth(t *testing.T, a format.Archive, chunks bool) {
	t.Helper()
	ctx := context.Background()
	data, blobs := readAll(t, a)
	if want := rows(0, 3000) + "\\.\n\n\n"; data[4] != want {
		t.Errorf("table t: got %d bytes, want %d", len(data[4]), len(want))
	}
	if data[5] != "\\.\n\n\n" {
		t.Errorf("empty table: %q", data[5])
	}
	if blobs[100] != "blob 100" || blobs[200] != "blob 200" || len(blobs) != 2 {
		t.Errorf("blobs: %v", blobs)
	}
	if !chunks {
		return
	}
	x := a.Extra()
	if x == nil {
		t.Fatal("no extra member")
	}
	e := a.TOC().Entry(4)
	for i := 0; i < 3; i++ {
		rc, err := a.OpenChunk(ctx, e, i)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != rows(i*1000, (i+1)*1000) {
			t.Errorf("chunk %d: %d bytes", i, len(b))
		}
	}
}

func TestWriteReadEveryLayoutAndCompression(t *testing.T) {
	for _, comp := range []string{"none", "gzip", "gzip:1", "lz4", "zstd", "zstd:19"} {
		for _, layout := range []string{"tar", "dir"} {
			t.Run(layout+"-"+comp, func(t *testing.T) {
				c, err := format.ParseCompression(comp)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(t.TempDir(), "a")
				var w format.Writer
				if layout == "tar" {
					w, err = format.CreateTar(path, format.WriterOptions{Compression: c, SpoolDir: t.TempDir()})
				} else {
					w, err = format.CreateDirectory(path, format.WriterOptions{Compression: c})
				}
				if err != nil {
					t.Fatal(err)
				}
				writeSynth(t, w)
				ents, _ := os.ReadDir(filepath.Dir(path))
				if len(ents) != 1 {
					t.Errorf("temporary files left next to the archive: %v", ents)
				}
				a, err := format.Open(context.Background(), path)
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				if got := a.TOC().Header.Compression.Algorithm; got != c.Algorithm {
					t.Errorf("header compression %v, want %v", got, c.Algorithm)
				}
				wantVersion := format.Version1_14
				if c.Algorithm == format.AlgLZ4 || c.Algorithm == format.AlgZstd {
					wantVersion = format.Version1_15
				}
				if a.TOC().Header.Version != wantVersion {
					t.Errorf("version %v, want %v", a.TOC().Header.Version, wantVersion)
				}
				checkSynth(t, a, true)
				res, err := format.Verify(context.Background(), a)
				if err != nil || len(res.Problems) != 0 {
					t.Fatalf("verify: %v %v", err, res.Problems)
				}
				if res.Rows != 3000 {
					t.Errorf("verify counted %d rows", res.Rows)
				}
				if layout == "tar" {
					f, err := os.Open(path)
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					sa, err := format.OpenStream(context.Background(), f)
					if err != nil {
						t.Fatal(err)
					}
					checkSynth(t, sa, false)
				}
			})
		}
	}
}

func TestTarToNonSeekableWriter(t *testing.T) {
	pr, pw := io.Pipe()
	var got bytes.Buffer
	done := make(chan error)
	go func() { _, err := io.Copy(&got, pr); done <- err }()
	writeSynth(t, format.NewTarWriter(pw, format.WriterOptions{}))
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	a, err := format.OpenStream(context.Background(), &got)
	if err != nil {
		t.Fatal(err)
	}
	checkSynth(t, a, false)
}

func TestVerifyFindsCorruption(t *testing.T) {
	for _, layout := range []string{"tar", "dir"} {
		t.Run(layout, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "a")
			var w format.Writer
			var err error
			if layout == "tar" {
				w, err = format.CreateTar(path, format.WriterOptions{})
			} else {
				w, err = format.CreateDirectory(path, format.WriterOptions{Compression: format.Compression{Algorithm: format.AlgLZ4}})
			}
			if err != nil {
				t.Fatal(err)
			}
			writeSynth(t, w)
			// Flip one byte in the middle of table t's data member.
			if layout == "tar" {
				b, _ := os.ReadFile(path)
				i := bytes.Index(b, []byte("1500\n"))
				if i < 0 {
					t.Fatal("row not found")
				}
				b[i] = '7'
				os.WriteFile(path, b, 0o600)
			} else {
				p := filepath.Join(path, "4.dat.lz4")
				b, _ := os.ReadFile(p)
				b[len(b)/2] ^= 0x40
				os.WriteFile(p, b, 0o600)
			}
			a, err := format.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			res, err := format.Verify(context.Background(), a)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Problems) == 0 {
				t.Fatal("corruption not reported")
			}
			found := false
			for _, p := range res.Problems {
				if strings.Contains(p.String(), "4.dat") && errors.Is(p.Err, format.ErrChecksum) {
					found = true
				}
			}
			if !found {
				t.Errorf("no checksum problem naming 4.dat: %v", res.Problems)
			}
		})
	}
}

func TestTruncatedAndGarbageArchives(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.tar")
	w, err := format.CreateTar(path, format.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writeSynth(t, w)
	full, _ := os.ReadFile(path)
	for _, n := range []int{0, 10, 511, 600, 2000, len(full) / 2, len(full) - 1600} {
		p := filepath.Join(t.TempDir(), "cut.tar")
		os.WriteFile(p, full[:n], 0o600)
		a, err := format.Open(context.Background(), p)
		if err == nil {
			// The index may be complete enough to open; reading must then fail or
			// verify must complain.
			res, verr := format.Verify(context.Background(), a)
			a.Close()
			if verr == nil && len(res.Problems) == 0 {
				t.Errorf("archive cut at %d bytes: no error", n)
			}
			continue
		}
		if !errors.Is(err, format.ErrCorrupt) {
			t.Errorf("cut at %d: error %v does not wrap ErrCorrupt", n, err)
		}
		sa, err := format.OpenStream(context.Background(), bytes.NewReader(full[:n]))
		if err == nil {
			_, _ = format.Verify(context.Background(), sa)
		}
	}
	if _, err := format.Open(context.Background(), filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing file opened")
	}
	p := filepath.Join(t.TempDir(), "plain.sql")
	os.WriteFile(p, []byte("--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\n"), 0o600)
	if _, err := format.Open(context.Background(), p); err == nil || !strings.Contains(err.Error(), "psql") {
		t.Errorf("plain script: %v", err)
	}
}

func TestNewerArchiveVersionRefused(t *testing.T) {
	toc := synthTOC()
	b, err := format.EncodeTOC(toc)
	if err != nil {
		t.Fatal(err)
	}
	b[6] = 17 // 1.17
	_, err = format.DecodeTOC(bytes.NewReader(b), "toc.dat")
	if !errors.Is(err, format.ErrUnsupportedVersion) {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "1.17") {
		t.Errorf("error does not name the version: %v", err)
	}
}

func TestEncodeDecodeTOCRoundTrip(t *testing.T) {
	for _, v := range []format.Version{format.Version1_14, format.Version1_15, format.Version1_16} {
		toc := synthTOC()
		toc.Header.Version = v
		b, err := format.EncodeTOC(toc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := format.DecodeTOC(bytes.NewReader(b), "toc.dat")
		if err != nil {
			t.Fatal(err)
		}
		b2, err := format.EncodeTOC(got)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, b2) {
			t.Errorf("version %v: re-encoded TOC differs", v)
		}
		if got.Entries[1].Tablespace == nil || *got.Entries[1].Tablespace != "" || got.Entries[0].Tablespace != nil {
			t.Errorf("tablespace NULL/empty distinction lost")
		}
	}
}

func TestParseCompression(t *testing.T) {
	good := map[string]format.Compression{
		"none": {}, "0": {}, "5": {Algorithm: format.AlgGzip, Level: 5}, "gzip": {Algorithm: format.AlgGzip},
		"lz4": {Algorithm: format.AlgLZ4}, "zstd:3": {Algorithm: format.AlgZstd, Level: 3}, "zstd:level=7": {Algorithm: format.AlgZstd, Level: 7},
	}
	for s, want := range good {
		got, err := format.ParseCompression(s)
		if err != nil || got != want {
			t.Errorf("%q: %v %v", s, got, err)
		}
	}
	for _, s := range []string{"brotli", "gzip:10", "zstd:x", "-1", "10"} {
		if _, err := format.ParseCompression(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestVerifyStreamChecksChecksums(t *testing.T) {
	var buf bytes.Buffer
	writeSynth(t, format.NewTarWriter(&buf, format.WriterOptions{}))
	clean := buf.Bytes()
	a, err := format.OpenStream(context.Background(), bytes.NewReader(clean))
	if err != nil {
		t.Fatal(err)
	}
	res, err := format.Verify(context.Background(), a)
	if err != nil || len(res.Problems) > 0 {
		t.Fatalf("clean stream: %v %v", err, res.Problems)
	}
	if res.Checked < 4 {
		t.Errorf("checked %d members, want every member", res.Checked)
	}
	bad := bytes.Clone(clean)
	i := bytes.Index(bad, []byte("2500\n"))
	bad[i] = '9'
	a, err = format.OpenStream(context.Background(), bytes.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	res, err = format.Verify(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 1 || !errors.Is(res.Problems[0].Err, format.ErrChecksum) || !strings.Contains(res.Problems[0].Member, "4.dat") {
		t.Errorf("problems: %v", res.Problems)
	}
}

func TestReadingCorruptMemberFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.tar")
	w, err := format.CreateTar(path, format.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writeSynth(t, w)
	b, _ := os.ReadFile(path)
	i := bytes.Index(b, []byte("1500\n")) // in part 1 of table t
	b[i] = '8'
	os.WriteFile(path, b, 0o600)
	a, err := format.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	e := a.TOC().Entry(4)
	rc, err := a.OpenData(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(rc)
	rc.Close()
	if !errors.Is(err, format.ErrChecksum) {
		t.Errorf("whole member: got %v, want a checksum error", err)
	}
	for i, want := range []bool{false, true, false} {
		rc, err := a.OpenChunk(context.Background(), e, i)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(rc)
		rc.Close()
		if got := errors.Is(err, format.ErrChecksum); got != want {
			t.Errorf("chunk %d: error %v, want checksum error %v", i, err, want)
		}
	}
}
