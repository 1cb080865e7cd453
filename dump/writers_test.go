package dump_test

import (
	"os"
	"testing"

	"github.com/pgstow/pgstow/format"
)

// The archive writers under test, in one place: the rest of dump_test.go only
// sees format.Writer.

func createTar(t *testing.T, path string) format.Writer {
	t.Helper()
	w, err := format.CreateTar(path, format.WriterOptions{SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatalf("create tar %s: %v", path, err)
	}
	return w
}

func createDir(t *testing.T, path string) format.Writer {
	t.Helper()
	w, err := format.CreateDirectory(path, format.WriterOptions{})
	if err != nil {
		t.Fatalf("create directory archive %s: %v", path, err)
	}
	return w
}

var _ = os.Stat
