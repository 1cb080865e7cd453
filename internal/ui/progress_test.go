package ui

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestLogLinesWithoutTerminal(t *testing.T) {
	var out syncBuf
	p := newProgress(&out, false, "dumping", 10*time.Millisecond)
	p.SetTables(2)
	p.TableStarted("public.t", 100)
	p.Add("public.t", 2048, 7)
	p.TableDone("public.t", nil)
	time.Sleep(50 * time.Millisecond)
	p.Close()
	got := out.String()
	if !strings.Contains(got, "dumping: 2.0 KiB, 7 rows, 1/2 tables") {
		t.Fatalf("log line missing totals:\n%s", got)
	}
	if strings.Contains(got, "\x1b[") {
		t.Fatalf("escape codes written to a non-terminal:\n%q", got)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 5 << 30: "5.0 GiB"} {
		if got := HumanBytes(n); got != want {
			t.Errorf("HumanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
