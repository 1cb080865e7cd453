package dump

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// session is one connection inside the dump's snapshot.
type session struct {
	conn *pgx.Conn
	tx   pgx.Tx
}

// serverInfo is what the leader learns about the server before reading the catalog.
type serverInfo struct {
	versionNum int
	standby    bool
	encoding   string
	blockSize  int64
}

// connect opens a connection and sets it up like pg_dump's setup_connection: a
// search_path that resolves nothing (every name we send is qualified), output
// formats that reload everywhere (ISO dates, postgres intervals, shortest exact
// floats), no timeouts, no row-level security (a table whose policies would hide rows
// then fails loudly instead of dumping partially), and data in the server encoding,
// which is what the ENCODING entry of the archive declares.
func connect(ctx context.Context, cfg *pgx.ConnConfig, role string) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := setupSession(ctx, conn, role); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

func setupSession(ctx context.Context, conn *pgx.Conn, role string) error {
	pc := conn.PgConn()
	var vnum int
	if err := conn.QueryRow(ctx, "SELECT pg_catalog.current_setting('server_version_num')::int").Scan(&vnum); err != nil {
		return fmt.Errorf("session setup: server version: %w", err)
	}
	enc := pc.ParameterStatus("server_encoding")
	if enc == "" {
		enc = "UTF8"
	}
	var b strings.Builder
	b.WriteString("SELECT pg_catalog.set_config('search_path', '', false);\n")
	fmt.Fprintf(&b, "SET client_encoding = %s;\n", quoteLiteral(enc))
	b.WriteString("SET DateStyle = ISO;\nSET IntervalStyle = postgres;\nSET extra_float_digits = 3;\n")
	b.WriteString("SET synchronize_seqscans = off;\nSET statement_timeout = 0;\nSET lock_timeout = 0;\n")
	b.WriteString("SET idle_in_transaction_session_timeout = 0;\nSET row_security = off;\n")
	if vnum >= 170000 {
		b.WriteString("SET transaction_timeout = 0;\n")
	}
	if role != "" {
		fmt.Fprintf(&b, "SET ROLE %s;\n", pgx.Identifier{role}.Sanitize())
	}
	if _, err := pc.Exec(ctx, b.String()).ReadAll(); err != nil {
		return fmt.Errorf("session setup: %w", err)
	}
	return restrictRelationKinds(ctx, conn, "view")
}

// restrictRelationKinds sets restrict_nonsystem_relation_kind, which minor releases
// from August 2024 on have (CVE-2024-7348): pg_dump sets it so that a view or
// foreign table swapped in for a table cannot run code in the dumping session.
// Older minors lack the setting, and then this does nothing. Foreign tables stay
// allowed when their data is dumped.
func restrictRelationKinds(ctx context.Context, conn *pgx.Conn, kinds string) error {
	_, err := conn.PgConn().Exec(ctx, "SELECT pg_catalog.set_config(name, "+quoteLiteral(kinds)+
		", false) FROM pg_catalog.pg_settings WHERE name = 'restrict_nonsystem_relation_kind'").ReadAll()
	if err != nil {
		return fmt.Errorf("session setup: %w", err)
	}
	return nil
}

// beginLeader starts the leader's transaction and returns the snapshot id workers
// import: a freshly exported one, or o.Snapshot after importing it.
func beginLeader(ctx context.Context, conn *pgx.Conn, o Options, standby bool) (pgx.Tx, string, error) {
	txo := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	if o.Serializable && o.Snapshot == "" {
		// As pg_dump: only the exporting transaction is SERIALIZABLE DEFERRABLE;
		// a snapshot taken there is safe to use from REPEATABLE READ importers.
		if standby {
			return nil, "", errors.New("begin snapshot: a serializable dump is not possible on a hot standby (PostgreSQL has no SERIALIZABLE during recovery); dump without it")
		}
		txo = pgx.TxOptions{IsoLevel: pgx.Serializable, AccessMode: pgx.ReadOnly, DeferrableMode: pgx.Deferrable}
	}
	tx, err := conn.BeginTx(ctx, txo)
	if err != nil {
		return nil, "", fmt.Errorf("begin snapshot: %w", err)
	}
	if o.Snapshot != "" {
		if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT "+quoteLiteral(o.Snapshot)); err != nil {
			_ = tx.Rollback(context.Background())
			return nil, "", fmt.Errorf("import snapshot %q: %w", o.Snapshot, err)
		}
		return tx, o.Snapshot, nil
	}
	var id string
	if err := tx.QueryRow(ctx, "SELECT pg_catalog.pg_export_snapshot()").Scan(&id); err != nil {
		_ = tx.Rollback(context.Background())
		return nil, "", fmt.Errorf("export snapshot: %w", err)
	}
	return tx, id, nil
}

// probe reads what the dump needs to know about the server, inside the snapshot.
func probe(ctx context.Context, tx pgx.Tx) (serverInfo, error) {
	var si serverInfo
	var bs string
	err := tx.QueryRow(ctx, `SELECT pg_catalog.current_setting('server_version_num')::int,
		pg_catalog.pg_is_in_recovery(), pg_catalog.current_setting('server_encoding'),
		pg_catalog.current_setting('block_size')`).Scan(&si.versionNum, &si.standby, &si.encoding, &bs)
	if err != nil {
		return si, fmt.Errorf("probe server: %w", err)
	}
	si.blockSize, _ = strconv.ParseInt(bs, 10, 64)
	if si.blockSize <= 0 {
		si.blockSize = 8192
	}
	return si, nil
}

// isStandby asks before any transaction starts: the leader's isolation level
// depends on it.
func isStandby(ctx context.Context, conn *pgx.Conn) (bool, error) {
	var standby bool
	if err := conn.QueryRow(ctx, "SELECT pg_catalog.pg_is_in_recovery()").Scan(&standby); err != nil {
		return false, fmt.Errorf("probe server: %w", err)
	}
	return standby, nil
}

// importSnapshot opens a worker connection whose transaction sees exactly the
// leader's snapshot. Workers need no locks: the leader holds them until the end.
func importSnapshot(ctx context.Context, cfg *pgx.ConnConfig, role, kinds, snapshot string) (*session, error) {
	conn, err := connect(ctx, cfg, role)
	if err != nil {
		return nil, err
	}
	if err := restrictRelationKinds(ctx, conn, kinds); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err == nil {
		_, err = tx.Exec(ctx, "SET TRANSACTION SNAPSHOT "+quoteLiteral(snapshot))
	}
	if err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("import snapshot %q: %w", snapshot, err)
	}
	return &session{conn: conn, tx: tx}, nil
}

// lockBatch is how many tables one LOCK TABLE statement names: one round trip per
// batch instead of one per table (10,000 tables), short enough to stay readable in
// the server log.
const lockBatch = 1000

// setLockTimeout bounds every lock wait of the leader's transaction (0: no bound):
// reading the catalog may open relations too, and a lock that is not granted in
// time should fail the dump instead of queueing it behind an ACCESS EXCLUSIVE
// request forever (and blocking everyone queued behind us).
func setLockTimeout(ctx context.Context, tx pgx.Tx, d time.Duration) error {
	ms := int64(0)
	if d > 0 {
		ms = max(d.Milliseconds(), 1)
	}
	if _, err := tx.Exec(ctx, fmt.Sprintf("SET LOCAL lock_timeout = %d", ms)); err != nil {
		return fmt.Errorf("set lock_timeout: %w", err)
	}
	return nil
}

// lockTables takes ACCESS SHARE locks on tables (quoted qualified names), so that no
// DDL can change or drop them before their data is read. timeout only words errors.
func lockTables(ctx context.Context, tx pgx.Tx, tables []string, timeout time.Duration) error {
	for i := 0; i < len(tables); i += lockBatch {
		batch := tables[i:min(i+lockBatch, len(tables))]
		// A savepoint lets a timed-out batch be retried table by table, so the
		// error names the table whose lock was not granted, as pg_dump's does.
		if _, err := tx.Exec(ctx, "SAVEPOINT pgstow_lock"); err != nil {
			return fmt.Errorf("lock tables: %w", err)
		}
		_, err := tx.Exec(ctx, "LOCK TABLE ONLY "+strings.Join(batch, ", ONLY ")+" IN ACCESS SHARE MODE")
		if err != nil && isLockTimeout(err) && len(batch) > 1 {
			if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT pgstow_lock"); rerr != nil {
				return fmt.Errorf("lock tables (%s): %w", describeBatch(batch), err)
			}
			for _, t := range batch {
				if _, err = tx.Exec(ctx, "LOCK TABLE ONLY "+t+" IN ACCESS SHARE MODE"); err != nil {
					batch = []string{t}
					break
				}
			}
		}
		if err != nil {
			if isLockTimeout(err) {
				return fmt.Errorf("lock tables: a lock on %s was not granted within %s (lock wait timeout); another session holds or waits for a conflicting lock: %w",
					describeBatch(batch), timeout, err)
			}
			return fmt.Errorf("lock tables (%s): %w", describeBatch(batch), err)
		}
		if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT pgstow_lock"); err != nil {
			return fmt.Errorf("lock tables: %w", err)
		}
	}
	return nil
}

func isLockTimeout(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "55P03"
}

func describeBatch(batch []string) string {
	if len(batch) == 1 {
		return batch[0]
	}
	return fmt.Sprintf("one of %d tables %s … %s", len(batch), batch[0], batch[len(batch)-1])
}

// quoteLiteral quotes s as an SQL string literal (standard_conforming_strings on
// or off alike: the E form is used when s holds a backslash).
func quoteLiteral(s string) string {
	q := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	if strings.Contains(s, `\`) {
		return "E" + strings.ReplaceAll(q, `\`, `\\`)
	}
	return q
}
