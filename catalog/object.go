package catalog

// objKey identifies a catalog object the way pg_depend does: the OID of the system
// catalog holding it and its OID there (pg_class = 1259, pg_proc = 1255, …).
type objKey struct {
	classID, objID uint32
}

// priority orders object kinds before dependencies are applied, following
// pg_dump's dbObjectTypePriority (schemas, then types, functions, tables, …).
type priority int

// object is one dumpable object between loading and sorting. Loaders for each
// object kind (table.go, index.go, function.go, …) produce these; the sort
// (sort.go) assigns entry IDs, orders them and turns deps into Entry.Deps.
type object struct {
	key  objKey
	prio priority
	// entry is the object's main TOC entry; Deps is filled by the sort.
	entry *Entry
	// children are entries that stand right after entry (COMMENT, ACL,
	// SECURITY LABEL, …); the sort gives them entry's ID as dependency.
	children []*Entry
	// deps are dependencies beyond what pg_depend says (e.g. TABLE DATA on its
	// TABLE, a FK on the referenced unique index's constraint).
	deps []objKey
	// dataOf marks a TABLE DATA / SEQUENCE SET object: the key of its table or
	// sequence, which it always depends on first.
	dataOf *objKey
}
