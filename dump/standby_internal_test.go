package dump

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pgstow/pgstow/internal/pgtest"
)

// startStandby starts a hot standby of srv (streaming from it) and returns its
// port. It copies the running primary's data directory inside a non-exclusive
// base backup, so it needs only the server binaries pgtest has (no pg_basebackup,
// whose Debian 15 build refuses newer servers).
func startStandby(t *testing.T, srv *pgtest.Server) int {
	t.Helper()
	ctx := context.Background()
	root, err := os.MkdirTemp("", "pgstow-standby-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs an OS user postgres: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	data, sock := filepath.Join(root, "data"), filepath.Join(root, "sock")

	conn, err := pgx.Connect(ctx, srv.ConnString("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	start, stop := "SELECT pg_start_backup('pgstow-test', true, false)", "SELECT labelfile FROM pg_stop_backup(false, true)"
	if srv.Major >= 15 {
		start, stop = "SELECT pg_backup_start('pgstow-test', true)", "SELECT labelfile FROM pg_backup_stop(true)"
	}
	if _, err := conn.Exec(ctx, start); err != nil {
		t.Fatalf("start backup: %v", err)
	}
	if err := copyTree(srv.DataDir, data); err != nil {
		t.Fatalf("copy data directory: %v", err)
	}
	var label string
	if err := conn.QueryRow(ctx, stop).Scan(&label); err != nil {
		t.Fatalf("stop backup: %v", err)
	}
	_ = os.Remove(filepath.Join(data, "postmaster.pid"))
	_ = os.Remove(filepath.Join(data, "postmaster.opts"))
	files := map[string]string{
		"backup_label":   label,
		"standby.signal": "",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(data, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	auto, err := os.OpenFile(filepath.Join(data, "postgresql.auto.conf"), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(auto, "primary_conninfo = 'host=127.0.0.1 port=%d user=postgres'\n", srv.Port)
	auto.Close()
	if err := os.Mkdir(sock, 0o700); err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		if err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, int(cred.Uid), int(cred.Gid))
		}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	pgctl := func(args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(srv.BinDir, "pg_ctl"), args...)
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return cmd
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off", port, sock)
	if out, err := pgctl("start", "-w", "-t", "60", "-D", data, "-l", filepath.Join(root, "log"), "-o", opts).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(root, "log"))
		t.Fatalf("start standby: %v\n%s\n%s", err, out, log)
	}
	t.Cleanup(func() { _ = pgctl("stop", "-D", data, "-m", "immediate", "-w").Run() })
	return port
}

// copyTree copies a live data directory; files that vanish meanwhile (temporary
// files, removed WAL) are skipped, as pg_basebackup does.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
}

func TestHotStandby(t *testing.T) {
	pgtest.ForEachVersion(t, func(t *testing.T, srv *pgtest.Server) {
		db := srv.NewDB(t)
		db.Exec(t, "CREATE TABLE logged (id int, v text); INSERT INTO logged SELECT i, md5(i::text) FROM generate_series(1, 20000) i;"+
			"CREATE UNLOGGED TABLE unl (id int); INSERT INTO unl VALUES (1); CHECKPOINT")
		want := referenceCopy(t, db, "COPY public.logged (id, v) TO STDOUT")
		port := startStandby(t, srv)
		cfg := db.Config(t)
		cfg.Port = uint16(port)

		w := newMemWriter()
		sum, err := run(context.Background(), cfg, w, Options{Jobs: 3, SplitBytes: 64 << 10}, testLoader(false, "public.logged", "public.unl"))
		if err != nil {
			t.Fatalf("dump from standby: %v", err)
		}
		if got, _ := w.member(t, 2); string(got) != string(want) {
			t.Fatalf("standby dump of logged: %d bytes, want %d", len(got), len(want))
		}
		if w.toc.Entry(4) != nil || w.toc.Entry(3) == nil || sum.Tables != 1 {
			t.Fatalf("unlogged table's data must be left out on a standby (its TABLE kept): entry 4 %+v, tables %d", w.toc.Entry(4), sum.Tables)
		}
		if srv.Major >= 14 && w.parts[2] < 2 {
			t.Fatalf("parts %v: want the table split on the standby too", w.parts)
		}

		w = newMemWriter()
		_, err = run(context.Background(), cfg, w, Options{Serializable: true}, testLoader(false, "public.logged"))
		if err == nil || !strings.Contains(err.Error(), "hot standby") || w.aborted == 0 {
			t.Fatalf("serializable on a standby: err %v aborted %d; want a clear error", err, w.aborted)
		}
	})
}
