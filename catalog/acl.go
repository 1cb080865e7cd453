package catalog

import (
	"strings"
)

// aclItem is one parsed aclitem: grantee (""=PUBLIC), privilege letters with
// '*' after those held with grant option, and grantor.
type aclItem struct {
	grantee, privs, grantor string
}

var privNames = map[byte]string{
	'r': "SELECT", 'w': "UPDATE", 'a': "INSERT", 'd': "DELETE", 'D': "TRUNCATE",
	'x': "REFERENCES", 't': "TRIGGER", 'X': "EXECUTE", 'U': "USAGE", 'C': "CREATE",
	'c': "CONNECT", 'T': "TEMPORARY", 'm': "MAINTAIN", 's': "SET", 'A': "ALTER SYSTEM",
}

// privOrder is the order in which the server prints privilege letters.
const privOrder = "rawdDxtmXUCTcsA"

// allPrivs are the privileges "ALL" means for each acldefault kind, by version.
func (l *loader) allPrivs(kind byte) string {
	switch kind {
	case 'r':
		if l.v.AtLeast(17) {
			return "arwdDxtm"
		}
		return "arwdDxt"
	case 's':
		return "rwU"
	case 'f':
		return "X"
	case 'n':
		return "UC"
	case 'T', 'l', 'F', 'S':
		return "U"
	case 'L':
		return "rw"
	case 'd':
		return "CTc"
	}
	return ""
}

// publicDefault are the privileges PUBLIC has by default.
func publicDefault(kind byte) string {
	switch kind {
	case 'f', 'T', 'l':
		return map[byte]string{'f': "X", 'T': "U", 'l': "U"}[kind]
	case 'd':
		return "Tc"
	}
	return ""
}

// defaultACL returns acldefault(kind, owner) as items.
func (l *loader) defaultACL(kind byte, owner string) []aclItem {
	items := []aclItem{{grantee: owner, privs: l.allPrivs(kind), grantor: owner}}
	if p := publicDefault(kind); p != "" {
		items = append(items, aclItem{grantee: "", privs: p, grantor: owner})
	}
	return items
}

// parseACL parses the text of an aclitem[] ("{a=r/b,=X/b}"); malformed items are
// skipped.
func parseACL(s string) []aclItem {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "{")
	s = strings.TrimSuffix(s, "}")
	var items []aclItem
	for len(s) > 0 {
		var elem string
		if s[0] == '"' {
			// Array element quoted: backslash escapes.
			var b strings.Builder
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			elem = b.String()
			s = s[min(i+1, len(s)):]
		} else {
			i := strings.IndexByte(s, ',')
			if i < 0 {
				i = len(s)
			}
			elem = s[:i]
			s = s[i:]
		}
		s = strings.TrimPrefix(s, ",")
		if it, ok := parseACLItem(elem); ok {
			items = append(items, it)
		}
	}
	return items
}

// parseACLItem parses "grantee=privs/grantor" where names may be double-quoted.
func parseACLItem(s string) (aclItem, bool) {
	var it aclItem
	name, rest := readACLName(s)
	if !strings.HasPrefix(rest, "=") {
		return it, false
	}
	it.grantee = name
	rest = rest[1:]
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return it, false
	}
	it.privs = rest[:i]
	it.grantor, _ = readACLName(rest[i+1:])
	return it, true
}

func readACLName(s string) (string, string) {
	if !strings.HasPrefix(s, `"`) {
		i := strings.IndexAny(s, "=/")
		if i < 0 {
			return s, ""
		}
		return s[:i], s[i:]
	}
	var b strings.Builder
	i := 1
	for i < len(s) {
		if s[i] == '"' {
			if i+1 < len(s) && s[i+1] == '"' {
				b.WriteByte('"')
				i += 2
				continue
			}
			i++
			break
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String(), s[i:]
}

// privList renders privilege letters as GRANT's list ("SELECT,INSERT" or "ALL"),
// column-qualified when col is set.
func privList(letters, all, col string) string {
	if col == "" && letters != "" && sameLetters(letters, all) {
		return "ALL"
	}
	var parts []string
	for i := 0; i < len(privOrder); i++ {
		c := privOrder[i]
		if strings.IndexByte(letters, c) >= 0 {
			p := privNames[c]
			if col != "" {
				p += "(" + col + ")"
			}
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ",")
}

func sameLetters(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if strings.IndexByte(b, a[i]) < 0 {
			return false
		}
	}
	return true
}

// splitPrivs splits "ar*w" into plain ("arw") and grant-option ("r") letters.
func splitPrivs(p string) (all, withGrant string) {
	for i := 0; i < len(p); i++ {
		if p[i] == '*' {
			continue
		}
		all += string(p[i])
		if i+1 < len(p) && p[i+1] == '*' {
			withGrant += string(p[i])
		}
	}
	return all, withGrant
}

func granteeSQL(g string) string {
	if g == "" {
		return "PUBLIC"
	}
	return quoteIdent(g)
}

// aclCommands returns the GRANT/REVOKE statements turning base into acl for
// "ON <onType> <target>". col is set for column privileges; prefix is put before
// each statement (ALTER DEFAULT PRIVILEGES …). owner is the object owner, used to
// decide when a grant must be issued as its grantor.
func aclCommands(acl, base []aclItem, onType, target, col, all, owner, prefix string) string {
	var b strings.Builder
	has := func(list []aclItem, it aclItem) bool {
		for _, x := range list {
			if x == it {
				return true
			}
		}
		return false
	}
	on := " ON " + onType + " " + target
	if onType == "" {
		on = " ON " + target
	}
	for _, it := range base {
		if has(acl, it) {
			continue
		}
		p, _ := splitPrivs(it.privs)
		b.WriteString(prefix + "REVOKE " + privList(p, all, col) + on + " FROM " + granteeSQL(it.grantee) + ";\n")
	}
	for _, it := range acl {
		if has(base, it) {
			continue
		}
		p, wg := splitPrivs(it.privs)
		if p == "" {
			continue
		}
		asGrantor := prefix == "" && it.grantor != owner && it.grantor != ""
		if asGrantor {
			b.WriteString("SET SESSION AUTHORIZATION " + quoteIdent(it.grantor) + ";\n")
		}
		plain := ""
		for i := 0; i < len(p); i++ {
			if strings.IndexByte(wg, p[i]) < 0 {
				plain += string(p[i])
			}
		}
		if plain != "" {
			b.WriteString(prefix + "GRANT " + privList(plain, all, col) + on + " TO " + granteeSQL(it.grantee) + ";\n")
		}
		if wg != "" {
			b.WriteString(prefix + "GRANT " + privList(wg, all, col) + on + " TO " + granteeSQL(it.grantee) + " WITH GRANT OPTION;\n")
		}
		if asGrantor {
			b.WriteString("RESET SESSION AUTHORIZATION;\n")
		}
	}
	return b.String()
}

// addACL adds an ACL child entry for an object whose acl column is acl (NULL =
// default). onType is the GRANT object type ("TABLE", "SCHEMA", …), target the
// quoted name, kind the acldefault kind.
func (l *loader) addACL(o *object, onType, target, tag, ns, owner string, acl *string, kind byte, _ string) {
	l.addACLBase(o, onType, target, tag, ns, owner, acl, kind, l.defaultACL(kind, owner))
}

// addACLBase is addACL with an explicit initial ACL.
func (l *loader) addACLBase(o *object, onType, target, tag, ns, owner string, acl *string, kind byte, base []aclItem) {
	if l.o.NoACL || acl == nil {
		return
	}
	sql := aclCommands(parseACL(*acl), base, onType, target, "", l.allPrivs(kind), owner, "")
	if sql == "" {
		return
	}
	o.children = append(o.children, &Entry{Desc: "ACL", Section: SectionNone, Tag: tag, Namespace: ns, Owner: owner, Create: sql})
}

// addColumnACL adds the ACL entry of one column.
func (l *loader) addColumnACL(o *object, target, tag, ns, owner, col string, acl *string) {
	if l.o.NoACL || acl == nil {
		return
	}
	sql := aclCommands(parseACL(*acl), nil, "TABLE", target, quoteIdent(col), "", owner, "")
	if sql == "" {
		return
	}
	o.children = append(o.children, &Entry{Desc: "ACL", Section: SectionNone, Tag: tag, Namespace: ns, Owner: owner, Create: sql})
}
