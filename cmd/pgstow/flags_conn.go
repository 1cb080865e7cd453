package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// connFlags are libpq-style connection options, spelled as in pg_dump.
type connFlags struct {
	dbname  string
	host    string
	port    string
	user    string
	noPass  bool
	askPass bool
	role    string // handed to the library, which runs SET ROLE on every connection
}

func (c *connFlags) bind(fs *pflag.FlagSet, dbHelp string) {
	fs.StringVarP(&c.dbname, "dbname", "d", "", dbHelp)
	fs.StringVarP(&c.host, "host", "h", "", "database server `HOST` or socket directory (PGHOST)")
	fs.StringVarP(&c.port, "port", "p", "", "database server `PORT` (PGPORT)")
	fs.StringVarP(&c.user, "username", "U", "", "connect as database `USER` (PGUSER)")
	fs.BoolVarP(&c.noPass, "no-password", "w", false, "never prompt for a password")
	fs.BoolVarP(&c.askPass, "password", "W", false, "prompt for a password")
	fs.StringVar(&c.role, "role", "", "SET ROLE to `ROLE` after connecting")
	// -h is the host, as in pg_dump, so help is --help or -? (cobra would otherwise
	// add -h for help and collide).
	fs.BoolP("help", "?", false, "show this help, then exit")
}

// config builds the connection configuration the way libpq would: the -d value may
// be a database name, a key=value conninfo string or a postgres:// URI; -h -p -U
// override it; PG* environment variables, service files and .pgpass fill the rest
// (pgx.ParseConfig implements those).
func (c *connFlags) config() (*pgx.ConnConfig, error) {
	var parts []string
	uri := strings.HasPrefix(c.dbname, "postgres://") || strings.HasPrefix(c.dbname, "postgresql://")
	switch {
	case uri:
	case strings.Contains(c.dbname, "="):
		parts = append(parts, c.dbname)
	case c.dbname != "":
		parts = append(parts, "dbname="+conninfoQuote(c.dbname))
	}
	for _, kv := range [][2]string{{"host", c.host}, {"port", c.port}, {"user", c.user}} {
		if kv[1] != "" && !uri {
			parts = append(parts, kv[0]+"="+conninfoQuote(kv[1]))
		}
	}
	connString := strings.Join(parts, " ")
	if uri {
		connString = c.dbname
	}
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("connection options: %w", err)
	}
	if uri {
		// Flags win over the URI, as they do over PG* variables.
		if c.host != "" {
			cfg.Host = c.host
			cfg.Fallbacks = nil
		}
		if c.user != "" {
			cfg.User = c.user
		}
		if c.port != "" {
			var p uint16
			if _, err := fmt.Sscan(c.port, &p); err != nil {
				return nil, fmt.Errorf("invalid port %q", c.port)
			}
			cfg.Port = p
			cfg.Fallbacks = nil
		}
	}
	if c.askPass && !c.noPass {
		pw, err := readPassword()
		if err != nil {
			return nil, err
		}
		cfg.Password = pw
	}
	return cfg, nil
}

func conninfoQuote(v string) string {
	if v != "" && !strings.ContainsAny(v, " '\\\t\n") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

func readPassword() (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", fmt.Errorf("-W: cannot prompt for a password without a terminal: %w", err)
	}
	defer tty.Close()
	fmt.Fprint(tty, "Password: ")
	pw, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(pw), nil
}
