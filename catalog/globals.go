package catalog

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Globals are the cluster-wide objects a restore needs on a new server, like
// pg_dumpall --globals-only: roles (attributes, passwords, comments, per-role
// and per-role-in-database settings, memberships) and tablespaces (owner,
// location, options, ACL, comment).
type Globals struct {
	// Statements, in the order to run them; each is one SQL statement except
	// a tablespace's privileges (GRANT/REVOKE, which may run together). Roles that already exist on the
	// target (the restoring user, for one) make their CREATE ROLE fail; like
	// psql running pg_dumpall's script, a restore reports and goes on.
	Statements []GlobalStatement
}

// GlobalStatement is one statement of Globals and the object it is for.
type GlobalStatement struct {
	Kind string // "ROLE", "ROLE SETTINGS", "ROLE MEMBERSHIP", "TABLESPACE"
	Name string // the role or tablespace
	SQL  string // ends with ";\n"
}

// Script returns the statements as one SQL script.
func (g *Globals) Script() string {
	var b strings.Builder
	for _, s := range g.Statements {
		b.WriteString(s.SQL)
	}
	return b.String()
}

// GlobalsOptions selects what LoadGlobals reads.
type GlobalsOptions struct {
	// NoPasswords leaves out role passwords (pg_dumpall --no-role-passwords);
	// they are left out anyway when the user cannot read pg_authid.
	NoPasswords bool
	// NoTablespaces leaves out tablespaces (pg_dumpall --no-tablespaces).
	NoTablespaces bool
	// NoComments leaves out comments on roles and tablespaces.
	NoComments bool
}

// LoadGlobals reads the roles and tablespaces of the server q is connected to.
// Built-in roles (pg_*, and the bootstrap superuser's CREATE ROLE) and the
// built-in tablespaces are left out.
func LoadGlobals(ctx context.Context, q Querier, o GlobalsOptions) (*Globals, error) {
	g := &Globals{}
	l := &loader{ctx: ctx, q: q}
	var num int
	var super bool
	if err := l.queryRow(`SELECT current_setting('server_version_num')::int,
  (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)`).Scan(&num, &super); err != nil {
		return nil, fmt.Errorf("catalog: globals: server version: %w", err)
	}
	v := Version(num)
	add := func(kind, name, sql string) {
		g.Statements = append(g.Statements, GlobalStatement{Kind: kind, Name: name, SQL: sql})
	}
	pw := "NULL::text"
	src := "pg_catalog.pg_roles"
	if super && !o.NoPasswords {
		pw = "r.rolpassword"
		src = "pg_catalog.pg_authid"
	}
	// Roles.
	err := l.query(`SELECT r.oid, r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
  r.rolreplication, r.rolbypassrls, r.rolconnlimit, `+pw+`, r.rolvaliduntil::text,
  pg_catalog.shobj_description(r.oid, 'pg_authid')
FROM `+src+` r WHERE r.rolname !~ '^pg_' ORDER BY r.rolname`, func(row pgx.Rows) error {
		var oid uint32
		var name string
		var su, inh, cr, cdb, login, repl, bypass bool
		var connlimit int32
		var pass, until, comment *string
		if err := row.Scan(&oid, &name, &su, &inh, &cr, &cdb, &login, &repl, &bypass, &connlimit, &pass, &until, &comment); err != nil {
			return err
		}
		q := quoteIdent(name)
		var b strings.Builder
		if oid != 10 {
			add("ROLE", name, "CREATE ROLE "+q+";\n")
		}
		flag := func(on bool, yes, no string) {
			if on {
				b.WriteString(" " + yes)
			} else {
				b.WriteString(" " + no)
			}
		}
		b.WriteString("ALTER ROLE " + q + " WITH")
		flag(su, "SUPERUSER", "NOSUPERUSER")
		flag(inh, "INHERIT", "NOINHERIT")
		flag(cr, "CREATEROLE", "NOCREATEROLE")
		flag(cdb, "CREATEDB", "NOCREATEDB")
		flag(login, "LOGIN", "NOLOGIN")
		flag(repl, "REPLICATION", "NOREPLICATION")
		flag(bypass, "BYPASSRLS", "NOBYPASSRLS")
		if connlimit != -1 {
			b.WriteString(" CONNECTION LIMIT " + strconv.Itoa(int(connlimit)))
		}
		if pass != nil {
			b.WriteString(" PASSWORD " + quoteLiteral(*pass, true))
		}
		if until != nil {
			b.WriteString(" VALID UNTIL " + quoteLiteral(*until, true))
		}
		b.WriteString(";\n")
		add("ROLE", name, b.String())
		if comment != nil && !o.NoComments {
			add("ROLE", name, "COMMENT ON ROLE "+q+" IS "+quoteLiteral(*comment, true)+";\n")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: globals: roles: %w", err)
	}
	// Settings: per role, then per role in a database.
	err = l.query(`SELECT r.rolname, d.datname, s.setconfig
FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
WHERE s.setrole <> 0 AND r.rolname !~ '^pg_' ORDER BY d.datname NULLS FIRST, r.rolname`, func(row pgx.Rows) error {
		var role string
		var db *string
		var cfg []string
		if err := row.Scan(&role, &db, &cfg); err != nil {
			return err
		}
		for _, c := range cfg {
			name, val, ok := strings.Cut(c, "=")
			if !ok {
				continue
			}
			st := "ALTER ROLE " + quoteIdent(role)
			if db != nil {
				st += " IN DATABASE " + quoteIdent(*db)
			}
			add("ROLE SETTINGS", role, st+" SET "+quoteIdent(name)+" TO "+settingValue(name, val)+";\n")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: globals: role settings: %w", err)
	}
	// Memberships. 16+ records grantors and the INHERIT/SET options per grant.
	opts := "NULL::bool, NULL::bool"
	if v.AtLeast(16) {
		opts = "m.inherit_option, m.set_option"
	}
	err = l.query(`SELECT r.rolname, u.rolname, g.rolname, m.admin_option, `+opts+`
FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid = m.roleid
JOIN pg_catalog.pg_roles u ON u.oid = m.member LEFT JOIN pg_catalog.pg_roles g ON g.oid = m.grantor
WHERE u.rolname !~ '^pg_' ORDER BY r.rolname, u.rolname, g.rolname`, func(row pgx.Rows) error {
		var role, member string
		var grantor *string
		var admin bool
		var inh, set *bool
		if err := row.Scan(&role, &member, &grantor, &admin, &inh, &set); err != nil {
			return err
		}
		var with []string
		if admin {
			with = append(with, "ADMIN OPTION")
		}
		if inh != nil {
			with = append(with, "INHERIT "+strings.ToUpper(strconv.FormatBool(*inh)))
		}
		if set != nil {
			with = append(with, "SET "+strings.ToUpper(strconv.FormatBool(*set)))
		}
		s := "GRANT " + quoteIdent(role) + " TO " + quoteIdent(member)
		if len(with) > 0 {
			s += " WITH " + strings.Join(with, ", ")
		}
		if grantor != nil {
			s += " GRANTED BY " + quoteIdent(*grantor)
		}
		add("ROLE MEMBERSHIP", member, s+";\n")
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: globals: role memberships: %w", err)
	}
	if o.NoTablespaces {
		return g, nil
	}
	err = l.query(`SELECT t.spcname, pg_catalog.pg_get_userbyid(t.spcowner), pg_catalog.pg_tablespace_location(t.oid),
  t.spcoptions::text[], t.spcacl::text, pg_catalog.shobj_description(t.oid, 'pg_tablespace')
FROM pg_catalog.pg_tablespace t WHERE t.spcname !~ '^pg_' ORDER BY t.spcname`, func(row pgx.Rows) error {
		var name, owner, loc string
		var options []string
		var acl, comment *string
		if err := row.Scan(&name, &owner, &loc, &options, &acl, &comment); err != nil {
			return err
		}
		q := quoteIdent(name)
		if !strings.HasPrefix(loc, "/") {
			// An in-place tablespace (allow_in_place_tablespaces) reports a
			// location relative to the data directory; it is made with ''.
			loc = ""
		}
		add("TABLESPACE", name, "CREATE TABLESPACE "+q+" OWNER "+quoteIdent(owner)+" LOCATION "+quoteLiteral(loc, true)+";\n")
		if len(options) > 0 {
			add("TABLESPACE", name, "ALTER TABLESPACE "+q+" SET ("+strings.Join(options, ", ")+");\n")
		}
		if acl != nil {
			base := []aclItem{{grantee: owner, privs: "C", grantor: owner}}
			if g := aclCommands(parseACL(*acl), base, "TABLESPACE", q, "", "C", owner, ""); g != "" {
				add("TABLESPACE", name, g)
			}
		}
		if comment != nil && !o.NoComments {
			add("TABLESPACE", name, "COMMENT ON TABLESPACE "+q+" IS "+quoteLiteral(*comment, true)+";\n")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: globals: tablespaces: %w", err)
	}
	return g, nil
}

// settingValue spells a role setting's value: list-valued settings (like
// search_path) keep their items as they are, others are quoted literals.
func settingValue(name, val string) string {
	switch strings.ToLower(name) {
	case "search_path", "temp_tablespaces", "session_preload_libraries", "shared_preload_libraries",
		"local_preload_libraries", "default_text_search_config":
		if name != "default_text_search_config" {
			return val
		}
	}
	return quoteLiteral(val, true)
}
