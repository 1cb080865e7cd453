package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a running throwaway cluster. Its superuser is "postgres" with trust
// authentication on 127.0.0.1 and on the private socket directory.
type Server struct {
	Major      int
	BinDir     string
	Port       int
	SocketDir  string
	DataDir    string
	Version    string // server_version, e.g. "15.20 (Debian 15.20-0+deb12u1)"
	VersionNum int    // server_version_num, e.g. 150020

	root    string // temp dir holding data, socket and log
	runAs   *syscall.Credential
	watcher *os.Process
	dbSeq   int
	mu      sync.Mutex
}

// registry holds the clusters of this test binary. Package state is unavoidable
// here: clusters are shared by every test of the binary and stopped by Main.
var registry = struct {
	sync.Mutex
	mainCalled bool
	servers    map[int]*Server
	errs       map[int]error
}{servers: map[int]*Server{}, errs: map[int]error{}}

// Main runs the tests and stops every cluster started meanwhile, also on panic,
// SIGINT or SIGTERM. Call it from TestMain.
func Main(m *testing.M) {
	registry.Lock()
	registry.mainCalled = true
	registry.Unlock()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		StopAll()
		fmt.Fprintf(os.Stderr, "pgtest: %v: stopped test clusters\n", s)
		os.Exit(130)
	}()

	code := func() int {
		defer StopAll()
		return m.Run()
	}()
	os.Exit(code)
}

// StopAll stops every cluster this process started and removes its files.
func StopAll() {
	registry.Lock()
	defer registry.Unlock()
	for major, s := range registry.servers {
		s.stop()
		delete(registry.servers, major)
	}
}

// Start returns the shared cluster of the given major, starting it on first use.
// A missing binary or a failed start fails t.
func Start(t testing.TB, major int) *Server {
	t.Helper()
	registry.Lock()
	defer registry.Unlock()
	if !registry.mainCalled {
		t.Fatalf("pgtest: call pgtest.Main(m) from TestMain so clusters are stopped when tests end")
	}
	if s := registry.servers[major]; s != nil {
		return s
	}
	if err := registry.errs[major]; err != nil {
		t.Fatalf("pgtest: PostgreSQL %d: %v", major, err)
	}
	s, err := startServer(major)
	if err != nil {
		registry.errs[major] = err
		t.Fatalf("pgtest: PostgreSQL %d: %v", major, err)
	}
	registry.servers[major] = s
	return s
}

// Majors returns the selected majors or fails t.
func Majors(t testing.TB) []int {
	t.Helper()
	majors, err := SelectedMajors()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return majors
}

// ForEachVersion runs fn as subtests named pg12, pg15, … for every selected major.
func ForEachVersion(t *testing.T, fn func(t *testing.T, s *Server)) {
	t.Helper()
	for _, major := range Majors(t) {
		t.Run(fmt.Sprintf("pg%d", major), func(t *testing.T) {
			fn(t, Start(t, major))
		})
	}
}

// FreePort returns a TCP port on 127.0.0.1 that is free right now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ServerCredential returns the postgres OS user's credentials when running as root
// (the server refuses to run as root), else nil.
func ServerCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs an OS user \"postgres\" to run the server (useradd -r postgres): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.BinDir, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	if s.runAs != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.runAs}
	}
	return cmd
}

func run(cmd *exec.Cmd) error {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", filepath.Base(cmd.Path), err, out.String())
	}
	return nil
}

func startServer(major int) (*Server, error) {
	bin, err := BinDir(major)
	if err != nil {
		return nil, err
	}
	cred, err := ServerCredential()
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp("", fmt.Sprintf("pgtest%d-", major))
	if err != nil {
		return nil, err
	}
	s := &Server{Major: major, BinDir: bin, root: root, runAs: cred,
		DataDir: filepath.Join(root, "data"), SocketDir: filepath.Join(root, "sock")}
	if err := os.Mkdir(s.SocketDir, 0o700); err != nil {
		return nil, err
	}
	if cred != nil {
		for _, p := range []string{root, s.SocketDir} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, err
			}
		}
	}
	if err := run(s.command("initdb", "-D", s.DataDir, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	// A port picked free may be taken by a parallel test binary before the server
	// binds it: retry with another.
	for attempt := 0; ; attempt++ {
		s.Port, err = FreePort()
		if err != nil {
			break
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off "+
			"-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB "+
			"-c max_connections=60 -c max_wal_size=2GB -c log_min_messages=warning",
			s.Port, s.SocketDir)
		err = run(s.command("pg_ctl", "start", "-w", "-t", "60", "-D", s.DataDir,
			"-l", filepath.Join(root, "server.log"), "-o", opts))
		if err == nil || attempt == 3 {
			break
		}
	}
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(root, "server.log"))
		os.RemoveAll(root)
		return nil, fmt.Errorf("%w\nserver log:\n%s", err, log)
	}
	s.startWatcher()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.ConnString("postgres"))
	if err != nil {
		s.stop()
		return nil, err
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version'), current_setting('server_version_num')::int").
		Scan(&s.Version, &s.VersionNum); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// startWatcher starts a detached shell that stops the cluster once this process is
// gone: a test binary killed by go test's timeout runs no deferred code.
func (s *Server) startWatcher() {
	script := fmt.Sprintf(`while [ -d /proc/%d ]; do sleep 1; done; %s stop -D %s -m immediate >/dev/null 2>&1; rm -rf %s`,
		os.Getpid(), filepath.Join(s.BinDir, "pg_ctl"), s.DataDir, s.root)
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: s.runAs}
	if err := cmd.Start(); err == nil {
		s.watcher = cmd.Process
		go cmd.Wait() //nolint:errcheck // reaped only to avoid a zombie
	}
}

func (s *Server) stop() {
	_ = run(s.command("pg_ctl", "stop", "-D", s.DataDir, "-m", "immediate", "-w"))
	if s.watcher != nil {
		_ = s.watcher.Kill()
	}
	_ = os.RemoveAll(s.root)
}

// ConnString returns a keyword/value connection string for database db over TCP.
func (s *Server) ConnString(db string) string {
	return fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname='%s' sslmode=disable", s.Port, escapeConnValue(db))
}

// URL returns a postgres:// URL for database db.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, db)
}

// Env returns the libpq environment (PGHOST, PGPORT, PGUSER) for exec'd client
// tools, added to the current environment.
func (s *Server) Env() []string {
	return append(os.Environ(), "PGHOST=127.0.0.1", "PGPORT="+strconv.Itoa(s.Port),
		"PGUSER=postgres", "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10")
}

func escapeConnValue(v string) string {
	var b bytes.Buffer
	for _, r := range v {
		if r == '\'' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
