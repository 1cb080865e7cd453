package format_test

// Tests named after the pitfalls of the archive spec (§13.1).

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgstow/pgstow/format"
	"github.com/pgstow/pgstow/internal/pgtest"
)

// tarMembers lists member names of a tar file in order.
func tarMembers(t *testing.T, path string) []string {
	t.Helper()
	out, err := exec.Command("tar", "tf", path).Output()
	if err != nil {
		t.Fatalf("tar tf: %v", err)
	}
	return strings.Fields(string(out))
}

// Pitfall 3: toc.dat first, data members in TOC order even when parts finish out of
// order, blob members contiguous before blobs.toc, pgstow's member after the data.
func TestPitfallTarMemberOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.tar")
	w, err := format.CreateTar(path, format.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writeSynth(t, w)
	got := strings.Join(tarMembers(t, path), " ")
	want := "toc.dat 4.dat 5.dat blob_100.dat blob_200.dat blobs.toc pgstow.json"
	if got != want {
		t.Errorf("members %q, want %q", got, want)
	}
}

// Pitfall 1: a "\." line inside a member makes the server drop the rest silently;
// verify must flag it.
func TestPitfallTerminatorInsideData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a")
	w, err := format.CreateDirectory(path, format.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := w.Begin(ctx, synthTOC(), map[int]int{4: 2}); err != nil {
		t.Fatal(err)
	}
	for i, text := range []string{"1\n2\n\\.\n", "3\n"} { // a chunk that wrongly kept its terminator
		pw, _ := w.Part(ctx, 4, i)
		io.WriteString(pw, text)
		pw.Commit(int64(strings.Count(text, "\n")))
	}
	pw, _ := w.Part(ctx, 5, 0)
	pw.Commit(0)
	bw, _ := w.Blobs(ctx, 6)
	bw.Close()
	if err := w.Close(ctx, nil); err != nil {
		t.Fatal(err)
	}
	a, err := format.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	res, err := format.Verify(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, p := range res.Problems {
		msgs = append(msgs, p.String())
	}
	all := strings.Join(msgs, "\n")
	if !strings.Contains(all, "after the COPY terminator") || !strings.Contains(all, "terminator inside a chunk") {
		t.Errorf("problems do not flag the terminator:\n%s", all)
	}
}

// Pitfall 4: stock pg_restore refuses compressed tar archives, so pgstow's
// compressed tar is the tar of a directory archive: extracted, pg_restore -j reads
// it.
func TestPitfallCompressedTarExtractsToDirectory(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		needClientDump(t, s)
		db := fixtureDB(t, s)
		src, err := format.Open(context.Background(), pgDump(t, db, "-Fd", "-Z0"))
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		path := filepath.Join(t.TempDir(), "a.tar")
		w, err := format.CreateTar(path, format.WriterOptions{Compression: format.Compression{Algorithm: format.AlgGzip}})
		if err != nil {
			t.Fatal(err)
		}
		rewrite(t, src, w, 2)
		for _, m := range tarMembers(t, path) {
			if strings.HasSuffix(m, ".dat") && !strings.HasPrefix(m, "toc") {
				t.Errorf("member %s is not compressed", m)
			}
		}
		dir := t.TempDir()
		if out, err := exec.Command("tar", "xf", path, "-C", dir).CombinedOutput(); err != nil {
			t.Fatalf("tar xf: %v %s", err, out)
		}
		dst := s.NewDB(t)
		s.RunClient(t, "pg_restore", "-j2", "--exit-on-error", "-d", dst.ConnString(), dir)
		pgtest.AssertSameDB(t, db, dst)
		// Stock pg_restore refuses the tar itself; say so rather than restore garbage.
		cmd := exec.Command(pgtest.ClientBin(t, "pg_restore"), "-l", path)
		if out, err := cmd.CombinedOutput(); err == nil || !bytes.Contains(out, []byte("compression")) {
			t.Errorf("pg_restore read a compressed tar? %v %s", err, out)
		}
	})
}

// Pitfall 5 and 9: NULL, not "", for absent fields; version 1.14 unless lz4/zstd.
func TestPitfallNullFieldsAndVersion(t *testing.T) {
	b, err := format.EncodeTOC(synthTOC())
	if err != nil {
		t.Fatal(err)
	}
	if b[5] != 1 || b[6] != 14 {
		t.Errorf("version %d.%d, want 1.14", b[5], b[6])
	}
	// Entry 1 (ENCODING) has no namespace, tablespace, tableam, owner: each is the
	// NULL string (sign byte 1, value 1), never a zero length.
	null := []byte{1, 1, 0, 0, 0}
	i := bytes.Index(b, []byte("SET client_encoding = 'UTF8';\n"))
	rest := b[i+len("SET client_encoding = 'UTF8';\n"):]
	// dropStmt, copyStmt, namespace, tablespace, tableam, owner
	for k := 0; k < 6; k++ {
		if !bytes.Equal(rest[k*5:k*5+5], null) {
			t.Fatalf("field %d after defn is % x, want NULL", k, rest[k*5:k*5+5])
		}
	}
	if !bytes.HasPrefix(rest[30:], append([]byte{0, 5, 0, 0, 0}, "false"...)) {
		t.Errorf("\"with oids\" is not the string false")
	}
}

// A stream cannot go back: asking for data out of archive order is a clear error.
func TestStreamOutOfOrder(t *testing.T) {
	var buf bytes.Buffer
	writeSynth(t, format.NewTarWriter(&buf, format.WriterOptions{}))
	a, err := format.OpenStream(context.Background(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := a.OpenData(context.Background(), a.TOC().Entry(5))
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if _, err := a.OpenData(context.Background(), a.TOC().Entry(4)); !errors.Is(err, format.ErrOutOfOrder) {
		t.Errorf("got %v, want ErrOutOfOrder", err)
	}
}
