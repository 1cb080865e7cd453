package restore

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/pgstow/pgstow/format"
)

// session is one connection with the per-entry settings it currently has.
type session struct {
	conn       *pgx.Conn
	cfg        *pgx.ConnConfig
	setup      string
	tablespace *string
	tableAM    string
	schema     string
}

func (s *session) exec(ctx context.Context, sql string) error {
	_, err := s.conn.PgConn().Exec(ctx, sql).ReadAll()
	return err
}

func (s *session) close() {
	if s != nil && s.conn != nil {
		_ = s.conn.Close(context.Background())
	}
}

// sessionSetup is what pg_restore sends at the start of every connection (spec
// §11.1), plus synchronous_commit = off (a crashed restore is redone anyway; Run
// makes the result durable with one synchronous commit at the end) and, for
// workers that build indexes, maintenance_work_mem.
func (r *restorer) sessionSetup(serverVersion int, mwm string) string {
	var b strings.Builder
	b.WriteString("SET statement_timeout = 0;\nSET lock_timeout = 0;\nSET idle_in_transaction_session_timeout = 0;\n")
	if serverVersion >= 170000 {
		b.WriteString("SET transaction_timeout = 0;\n")
	}
	enc := r.set.encoding
	if enc == "" {
		enc = "SQL_ASCII"
	}
	fmt.Fprintf(&b, "SET client_encoding = %s;\n", quoteLiteral(enc))
	if r.set.stdStrings != "" {
		fmt.Fprintf(&b, "SET standard_conforming_strings = %s;\n", r.set.stdStrings)
	}
	if r.o.Role != "" {
		fmt.Fprintf(&b, "SET ROLE %s;\n", quoteIdent(r.o.Role))
	}
	if r.set.hasSearchPath {
		b.WriteString(r.set.searchPath)
		if !strings.HasSuffix(r.set.searchPath, "\n") {
			b.WriteString("\n")
		}
	}
	b.WriteString("SET check_function_bodies = false;\nSET xmloption = content;\nSET client_min_messages = warning;\nSET row_security = off;\n")
	if r.live {
		b.WriteString("SET synchronous_commit = off;\n")
	}
	if mwm != "" {
		fmt.Fprintf(&b, "SET maintenance_work_mem = %s;\n", quoteLiteral(mwm))
	}
	return b.String()
}

// connect opens a session on cfg and runs the session setup.
func (r *restorer) connect(ctx context.Context, cfg *pgx.ConnConfig, mwm string) (*session, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return nil, fmt.Errorf("connect to database %q: %w", cfg.Database, err)
	}
	s := &session{conn: conn, cfg: cfg}
	var ver int
	fmt.Sscan(conn.PgConn().ParameterStatus("server_version_num"), &ver)
	if ver == 0 {
		_ = conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&ver)
	}
	r.mu.Lock()
	r.serverNum = ver
	r.mu.Unlock()
	s.setup = r.sessionSetup(ver, mwm)
	if err := s.exec(ctx, s.setup); err != nil {
		s.close()
		return nil, fmt.Errorf("session setup on database %q: %w", cfg.Database, err)
	}
	return s, nil
}

// reconnect replaces a broken connection of s.
func (r *restorer) reconnect(ctx context.Context, s *session) error {
	s.close()
	conn, err := pgx.ConnectConfig(ctx, s.cfg.Copy())
	if err != nil {
		return fmt.Errorf("reconnect to database %q: %w", s.cfg.Database, err)
	}
	s.conn, s.tablespace, s.tableAM, s.schema = conn, nil, "", ""
	if err := s.exec(ctx, s.setup); err != nil {
		return fmt.Errorf("session setup on database %q: %w", s.cfg.Database, err)
	}
	return nil
}

// entrySettings are the SETs pg_restore issues before an entry: search_path (only
// for archives without a SEARCHPATH entry), default_tablespace and
// default_table_access_method, each only when it changes.
func (r *restorer) entrySettings(s *session, e *format.Entry) string {
	var b strings.Builder
	if !r.set.hasSearchPath && e.Namespace != "" && s.schema != e.Namespace {
		fmt.Fprintf(&b, "SET search_path = %s", quoteIdent(e.Namespace))
		if e.Namespace != "pg_catalog" {
			b.WriteString(", pg_catalog")
		}
		b.WriteString(";\n")
		s.schema = e.Namespace
	}
	if e.Tablespace != nil && (s.tablespace == nil || *s.tablespace != *e.Tablespace) {
		if *e.Tablespace == "" {
			b.WriteString("SET default_tablespace = '';\n")
		} else {
			fmt.Fprintf(&b, "SET default_tablespace = %s;\n", quoteIdent(*e.Tablespace))
		}
		ts := *e.Tablespace
		s.tablespace = &ts
	}
	if e.TableAM != "" && s.tableAM != e.TableAM {
		fmt.Fprintf(&b, "SET default_table_access_method = %s;\n", quoteIdent(e.TableAM))
		s.tableAM = e.TableAM
	}
	return b.String()
}
