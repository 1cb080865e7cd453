package catalog

// objKey identifies a catalog object the way pg_depend does: the OID of the system
// catalog holding it and its OID there (pg_class = 1259, pg_proc = 1255, …).
type objKey struct {
	classID, objID uint32
}

// System catalog OIDs (stable across releases).
const (
	classPgClass       = 1259
	classPgProc        = 1255
	classPgType        = 1247
	classPgNamespace   = 2615
	classPgConstraint  = 2606
	classPgTrigger     = 2620
	classPgRewrite     = 2618
	classPgAttrdef     = 2604
	classPgDatabase    = 1262
	classPgExtension   = 3079
	classPgPolicy      = 3256
	classPgLargeObject = 2613
	classPgDefaultACL  = 826
	classPgCollation   = 3456
)

// priority orders object kinds before dependencies are applied, following
// pg_dump's dbObjectTypePriority (schemas, then types, functions, tables, …).
type priority int

const (
	prioNamespace priority = iota + 1
	prioProcLang
	prioCollation
	prioTransform
	prioExtension
	prioType
	prioCast
	prioFunc
	prioAgg
	prioAccessMethod
	prioOperator
	prioOpfamily
	prioConversion
	prioTSParser
	prioTSTemplate
	prioTSDict
	prioTSConfig
	prioFDW
	prioForeignServer
	prioTable
	prioTableAttach
	prioDummyType
	prioAttrDef
	prioLargeObject
	prioPreDataBoundary
	prioTableData
	prioSequenceSet
	prioLargeObjectData
	prioPostDataBoundary
	prioConstraint
	prioIndex
	prioIndexAttach
	prioStatsExt
	prioRule
	prioTrigger
	prioFKConstraint
	prioPolicy
	prioPublication
	prioPublicationRel
	prioPublicationTableInSchema
	prioSubscription
	prioDefaultACL
	prioEventTrigger
	prioRefreshMatview
)

// object is one dumpable object between loading and sorting. Loaders for each
// object kind produce these; the sort (sort.go) orders them, assigns entry IDs and
// turns deps into Entry.Deps.
type object struct {
	key  objKey
	prio priority
	// sortNS and sortName order objects of one priority (pg_dump sorts by
	// schema, then name); sortExtra breaks remaining ties (function arguments,
	// table of a constraint).
	sortNS, sortName, sortExtra string
	// entry is the object's main TOC entry; Deps is filled by the sort.
	entry *Entry
	// children are entries that stand right after entry (COMMENT, ACL, …); the
	// sort gives them entry's ID as dependency.
	children []*Entry
	// childDeps are dependencies of a child beyond its parent.
	childDeps map[*Entry][]objKey
	// deps are dependencies on other objects; pg_depend edges are added to it.
	deps []objKey
	// firstDep, when set, is put first in Entry.Deps (TABLE DATA → TABLE).
	firstDep *objKey
	// inline records, for a table, the dependencies that come from parts
	// printed inside its CREATE TABLE (column defaults, CHECK constraints),
	// keyed by the part, so that a loop through one can be broken by dumping
	// the part separately.
	inline map[objKey][]objKey
	// section places an object without entry (one that only carries
	// children) relative to the section boundaries; 0 means pre-data.
	section Section
	// rel is the relation a TABLE object was built from.
	rel *relInfo
	// index in the pre-sorted slice, used by the topological sort.
	idx int
	// after holds the indexes of objects this one must follow (resolved deps).
	after []int
}
