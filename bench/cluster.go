package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgstow/pgstow/internal/pgtest"
)

// serverSettings are the benchmark cluster's settings. Durability is off (the
// benchmark measures the client pipelines, not the disk's fsync); the rest are what
// an operator would set on a 2-core, 23 GB machine for a bulk load.
var serverSettings = [][2]string{
	{"shared_buffers", "1GB"},
	{"fsync", "off"},
	{"synchronous_commit", "off"},
	{"full_page_writes", "off"},
	{"wal_level", "minimal"},
	{"max_wal_senders", "0"},
	{"max_wal_size", "8GB"},
	{"checkpoint_timeout", "30min"},
	{"maintenance_work_mem", "512MB"},
	{"work_mem", "64MB"},
	{"autovacuum", "off"},
	{"max_connections", "50"},
	{"listen_addresses", "127.0.0.1"},
	{"log_min_messages", "warning"},
}

// cluster is a throwaway PostgreSQL server owned by this process.
type cluster struct {
	binDir  string
	root    string
	dataDir string
	port    int
	runAs   *syscall.Credential // the postgres OS user when running as root
	version string
}

// startCluster runs initdb and pg_ctl start from binDir in a new temporary directory.
func startCluster(ctx context.Context, binDir string) (*cluster, error) {
	cred, err := pgtest.ServerCredential()
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp("", "pgstow-bench-cluster-")
	if err != nil {
		return nil, fmt.Errorf("cluster temp dir: %w", err)
	}
	c := &cluster{binDir: binDir, root: root, dataDir: filepath.Join(root, "data"), runAs: cred}
	if cred != nil {
		if err := os.Chown(root, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(root)
			return nil, fmt.Errorf("chown cluster dir: %w", err)
		}
	}
	if err := c.run(ctx, "initdb", "-D", c.dataDir, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	opts := []string{"-k", root}
	for _, kv := range serverSettings {
		opts = append(opts, "-c", kv[0]+"="+kv[1])
	}
	for attempt := 0; ; attempt++ {
		if c.port, err = pgtest.FreePort(); err != nil {
			break
		}
		err = c.run(ctx, "pg_ctl", "start", "-w", "-t", "60", "-D", c.dataDir,
			"-l", filepath.Join(root, "server.log"),
			"-o", fmt.Sprintf("-p %d %s", c.port, strings.Join(opts, " ")))
		if err == nil || attempt == 3 {
			break
		}
	}
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(root, "server.log"))
		os.RemoveAll(root)
		return nil, fmt.Errorf("start server: %w\nserver log:\n%s", err, log)
	}
	c.startWatcher()
	conn, err := c.connect(ctx, "postgres")
	if err != nil {
		c.stop()
		return nil, err
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&c.version); err != nil {
		c.stop()
		return nil, fmt.Errorf("server version: %w", err)
	}
	return c, nil
}

// run runs a server binary (initdb, pg_ctl) as the server's OS user.
func (c *cluster) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	if c.runAs != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.runAs}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", name, err, out.String())
	}
	return nil
}

// startWatcher stops the server once this process is gone, even when killed.
func (c *cluster) startWatcher() {
	script := fmt.Sprintf(`while [ -d /proc/%d ]; do sleep 1; done; %s stop -D %s -m immediate >/dev/null 2>&1; rm -rf %s`,
		os.Getpid(), filepath.Join(c.binDir, "pg_ctl"), c.dataDir, c.root)
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: c.runAs}
	if err := cmd.Start(); err == nil {
		go cmd.Wait() //nolint:errcheck // reaped only to avoid a zombie
	}
}

func (c *cluster) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = c.run(ctx, "pg_ctl", "stop", "-D", c.dataDir, "-m", "fast", "-w")
	_ = os.RemoveAll(c.root)
}

// connString is a keyword/value connection string over TCP, for every client.
func (c *cluster) connString(db string) string {
	return fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=%s sslmode=disable", c.port, db)
}

func (c *cluster) connect(ctx context.Context, db string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, c.connString(db))
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", db, err)
	}
	return conn, nil
}

// exec runs SQL statements (simple protocol, several allowed) in database db.
func (c *cluster) exec(ctx context.Context, db, sql string) error {
	conn, err := c.connect(ctx, db)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.PgConn().Exec(ctx, sql).ReadAll(); err != nil {
		return fmt.Errorf("database %s: %w", db, err)
	}
	return nil
}

// recreateDB drops database db if it exists and creates it empty.
func (c *cluster) recreateDB(ctx context.Context, db string) error {
	if err := c.exec(ctx, "postgres", "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
		return err
	}
	return c.exec(ctx, "postgres", "CREATE DATABASE "+db+" TEMPLATE template0")
}

func (c *cluster) dropDB(ctx context.Context, db string) error {
	return c.exec(ctx, "postgres", "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
}
