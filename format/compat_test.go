package format_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pgstow/pgstow/format"
	"github.com/pgstow/pgstow/internal/pgtest"
)

// fixtureDB builds the fixture database on s.
func fixtureDB(t *testing.T, s *pgtest.Server) *pgtest.DB {
	t.Helper()
	db := s.NewDB(t)
	db.ExecFile(t, "testdata/fixture.sql")
	return db
}

// pgDump runs stock pg_dump against db and returns the output path.
func pgDump(t *testing.T, db *pgtest.DB, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "dump")
	db.Server.RunClient(t, "pg_dump", append(args, "-f", out, "-d", db.ConnString())...)
	return out
}

// needClientDump skips servers newer than the installed pg_dump.
func needClientDump(t *testing.T, s *pgtest.Server) {
	if !s.ClientCanDump() {
		t.Skipf("installed pg_dump %d cannot dump server %d (pg_dump refuses newer servers)", pgtest.ClientMajor(), s.Major)
	}
}

var createdLine = regexp.MustCompile(`(?m)^; Archive created at .*$`)

// listText returns pgstow's listing of the archive at path.
func listText(t *testing.T, path string, o format.ListOptions) string {
	t.Helper()
	a, err := format.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var b bytes.Buffer
	if err := format.List(&b, a, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestListMatchesPgRestore(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		needClientDump(t, s)
		db := fixtureDB(t, s)
		for _, args := range [][]string{{"-Ft"}, {"-Fd"}, {"-Fd", "-Z0"}, {"-Fc"}, {"-Fc", "-Z0"}} {
			t.Run(strings.Join(args, ""), func(t *testing.T) {
				path := pgDump(t, db, args...)
				want := s.RunClient(t, "pg_restore", "-l", path)
				got := listText(t, path, format.ListOptions{})
				want = createdLine.ReplaceAllString(want, "; Archive created at X")
				got = createdLine.ReplaceAllString(got, "; Archive created at X")
				if got != want {
					t.Errorf("listing differs\n--- pgstow\n%s\n--- pg_restore -l\n%s", got, want)
				}
			})
		}
	})
}

// readAll returns every data member of a decompressed, keyed by dumpId, and the
// large objects.
func readAll(t *testing.T, a format.Archive) (map[int]string, map[uint32]string) {
	t.Helper()
	ctx := context.Background()
	data := map[int]string{}
	blobs := map[uint32]string{}
	for _, e := range a.TOC().Entries {
		if !e.HadDumper {
			continue
		}
		if e.Desc == "BLOBS" {
			br, err := a.OpenBlobs(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			for {
				oid, r, err := br.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(r)
				if err != nil {
					t.Fatal(err)
				}
				blobs[oid] = string(b)
			}
			br.Close()
			continue
		}
		rc, err := a.OpenData(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("entry %d %s: %v", e.DumpID, e.Tag, err)
		}
		data[e.DumpID] = string(b)
	}
	return data, blobs
}

func TestReadPgDumpFormats(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		needClientDump(t, s)
		db := fixtureDB(t, s)
		ref, err := format.Open(context.Background(), pgDump(t, db, "-Fd", "-Z0"))
		if err != nil {
			t.Fatal(err)
		}
		defer ref.Close()
		wantData, wantBlobs := readAll(t, ref)
		if len(wantBlobs) != 2 || len(wantData) < 5 {
			t.Fatalf("reference archive: %d data members, %d large objects", len(wantData), len(wantBlobs))
		}
		for _, args := range [][]string{{"-Ft"}, {"-Fd"}, {"-Fd", "-Zlz4"}, {"-Fd", "-Zzstd"}, {"-Fc"}, {"-Fc", "-Z0"}, {"-Fc", "-Zlz4"}, {"-Fc", "-Zzstd"}} {
			t.Run(strings.Join(args, ""), func(t *testing.T) {
				if pgtest.ClientMajor() < 16 && strings.HasPrefix(args[len(args)-1], "-Z") && args[len(args)-1] != "-Z0" {
					t.Skipf("pg_dump %d writes only gzip", pgtest.ClientMajor())
				}
				path := pgDump(t, db, args...)
				check := func(t *testing.T, a format.Archive) {
					gotData, gotBlobs := readAll(t, a)
					for id, want := range wantData {
						if gotData[id] != want {
							t.Errorf("entry %d: %d bytes, want %d", id, len(gotData[id]), len(want))
						}
					}
					if fmt.Sprint(gotBlobs) != fmt.Sprint(wantBlobs) {
						t.Errorf("large objects differ")
					}
				}
				a, err := format.Open(context.Background(), path)
				if err != nil {
					t.Fatal(err)
				}
				check(t, a)
				a.Close()
				if args[0] == "-Fd" {
					return
				}
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				sa, err := format.OpenStream(context.Background(), f)
				if err != nil {
					t.Fatal(err)
				}
				if !sa.Sequential() {
					t.Error("stream archive not sequential")
				}
				check(t, sa)
			})
		}
	})
}

// rewrite copies archive src into w, splitting each TABLE DATA member into parts
// parts written in reverse order, so a tar writer must spool and reorder them.
func rewrite(t *testing.T, src format.Archive, w format.Writer, parts int) {
	t.Helper()
	ctx := context.Background()
	toc := *src.TOC()
	toc.Entries = nil
	partsOf := map[int]int{}
	for _, e := range src.TOC().Entries {
		c := *e
		if c.HadDumper {
			c.FileName = strconv.Itoa(c.DumpID) + ".dat"
			if c.Desc == "TABLE DATA" {
				partsOf[c.DumpID] = parts
			}
		}
		toc.Entries = append(toc.Entries, &c)
	}
	data, blobs := readAll(t, src)
	if err := w.Begin(ctx, &toc, partsOf); err != nil {
		t.Fatal(err)
	}
	for _, e := range toc.Entries {
		if !e.HadDumper {
			continue
		}
		if e.Desc == "BLOBS" {
			bw, err := w.Blobs(ctx, e.DumpID)
			if err != nil {
				t.Fatal(err)
			}
			var oids []int
			for oid := range blobs {
				oids = append(oids, int(oid))
			}
			sortInts(oids)
			for _, oid := range oids {
				wc, err := bw.Blob(uint32(oid))
				if err != nil {
					t.Fatal(err)
				}
				io.WriteString(wc, blobs[uint32(oid)])
				if err := wc.Close(); err != nil {
					t.Fatal(err)
				}
			}
			if err := bw.Close(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		text := stripTerminator(data[e.DumpID])
		chunks := splitRows(text, parts)
		for i := len(chunks) - 1; i >= 0; i-- {
			pw, err := w.Part(ctx, e.DumpID, i)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(pw, chunks[i])
			if err := pw.Commit(int64(strings.Count(chunks[i], "\n"))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(ctx, &format.Extra{Tool: "pgstow test"}); err != nil {
		t.Fatal(err)
	}
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func stripTerminator(s string) string {
	if s == "\\.\n\n\n" || s == "\\.\n" {
		return ""
	}
	if i := strings.Index(s, "\n\\.\n"); i >= 0 {
		return s[:i+1]
	}
	return s
}

// splitRows cuts COPY text into n pieces at row boundaries (some may be empty).
func splitRows(s string, n int) []string {
	out := make([]string, 0, n)
	for i := 0; i < n-1; i++ {
		cut := len(s) / (n - i)
		if j := strings.IndexByte(s[cut:], '\n'); j >= 0 {
			cut += j + 1
		} else {
			cut = len(s)
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

func TestPgRestoreReadsOurArchives(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, s *pgtest.Server) {
		needClientDump(t, s)
		db := fixtureDB(t, s)
		src, err := format.Open(context.Background(), pgDump(t, db, "-Fd"))
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		for _, tc := range []struct {
			name   string
			layout format.Layout
			comp   string
			args   []string
			stdin  bool
		}{
			{"tar", format.LayoutTar, "none", nil, false},
			{"tar-stdin", format.LayoutTar, "none", nil, true},
			{"dir-j2", format.LayoutDirectory, "none", []string{"-j2"}, false},
			{"dir-gzip-j2", format.LayoutDirectory, "gzip", []string{"-j2"}, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c, err := format.ParseCompression(tc.comp)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(t.TempDir(), "out")
				var w format.Writer
				if tc.layout == format.LayoutTar {
					w, err = format.CreateTar(path, format.WriterOptions{Compression: c, SpoolDir: t.TempDir()})
				} else {
					w, err = format.CreateDirectory(path, format.WriterOptions{Compression: c})
				}
				if err != nil {
					t.Fatal(err)
				}
				rewrite(t, src, w, 3)
				dst := s.NewDB(t)
				args := append([]string{"-d", dst.ConnString(), "--exit-on-error"}, tc.args...)
				cmd := exec.Command(pgtest.ClientBin(t, "pg_restore"), args...)
				if tc.stdin {
					f, err := os.Open(path)
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					cmd.Stdin = f
				} else {
					cmd.Args = append(cmd.Args, path)
				}
				cmd.Env = s.Env()
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("pg_restore: %v\n%s", err, out)
				}
				pgtest.AssertSameDB(t, db, dst)

				// And pgstow reads back what it wrote, checksums included.
				a, err := format.Open(context.Background(), path)
				if err != nil {
					t.Fatal(err)
				}
				defer a.Close()
				if a.Extra() == nil || len(a.Extra().Members) == 0 {
					t.Fatal("no extra member read back")
				}
				res, err := format.Verify(context.Background(), a)
				if err != nil || len(res.Problems) > 0 {
					t.Fatalf("verify: %v %v", err, res.Problems)
				}
				if res.Checked == 0 || res.Rows < 20000 {
					t.Errorf("verify checked %d members, %d rows", res.Checked, res.Rows)
				}
			})
		}
	})
}
