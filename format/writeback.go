package format

import (
	"os"

	"golang.org/x/sys/unix"
)

// writebackStep is how much is written to an archive file between writeback kicks.
const writebackStep = 16 << 20

// writebackFile writes to f and asks the kernel to start writing each finished
// stretch to disk (sync_file_range, SYNC_FILE_RANGE_WRITE, which does not wait), so
// the final fsync finds little left to do instead of flushing the whole archive at
// the end of the dump. With noSync it is a plain file.
type writebackFile struct {
	f       *os.File
	noSync  bool
	written int64
	kicked  int64
}

func (w *writebackFile) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.written += int64(n)
	if !w.noSync && w.written-w.kicked >= writebackStep {
		// Errors are ignored: the fsync at the end is what reports them.
		_ = unix.SyncFileRange(int(w.f.Fd()), w.kicked, w.written-w.kicked, unix.SYNC_FILE_RANGE_WRITE)
		w.kicked = w.written
	}
	return n, err
}

// sync makes the file durable unless noSync.
func (w *writebackFile) sync() error {
	if w.noSync {
		return nil
	}
	return w.f.Sync()
}
