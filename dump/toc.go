package dump

import (
	"strconv"
	"time"

	"github.com/pgstow/pgstow/catalog"
	"github.com/pgstow/pgstow/format"
)

// streamed reports whether a catalog entry's data is read by the dump: a TABLE DATA
// entry of a table (or foreign table) with Data, or the BLOBS entry. Matviews get a
// REFRESH entry instead and partitioned parents have no rows of their own, so their
// TABLE DATA (should the catalog emit one) carries no data member.
func streamed(e *catalog.Entry) bool {
	switch e.Desc {
	case "TABLE DATA":
		return e.Data != nil && e.Data.RelKind != 'm' && e.Data.RelKind != 'p'
	case "BLOBS":
		return true
	}
	return false
}

// dataFileName is the TOC file name of an entry's data member, without a
// compression suffix. pg_dump names BLOBS "<id>.dat" as well in tar archives; the
// directory writer knows to write blobs.toc instead.
func dataFileName(id int) string { return strconv.Itoa(id) + ".dat" }

// buildTOC maps the catalog's entries to archive entries, in the catalog's order.
func buildTOC(cat *catalog.Catalog, dbName, dumpVersion string, created time.Time) *format.TOC {
	toc := &format.TOC{
		Header: format.Header{
			Version:       format.Version1_14,
			IntSize:       4,
			OffSize:       8,
			Created:       created.UTC(),
			DBName:        dbName,
			ServerVersion: cat.ServerVersion,
			DumpVersion:   dumpVersion,
		},
		Entries: make([]*format.Entry, 0, len(cat.Entries)),
	}
	for _, ce := range cat.Entries {
		toc.Entries = append(toc.Entries, tocEntry(ce))
	}
	return toc
}

func tocEntry(ce *catalog.Entry) *format.Entry {
	e := &format.Entry{
		DumpID:     ce.ID,
		TableOID:   ce.CatalogOID,
		OID:        ce.OID,
		Tag:        ce.Tag,
		Desc:       ce.Desc,
		Section:    format.Section(ce.Section),
		Defn:       ce.Create,
		DropStmt:   ce.Drop,
		Namespace:  ce.Namespace,
		Tablespace: ce.Tablespace,
		TableAM:    ce.TableAM,
		RelKind:    ce.RelKind,
		Owner:      ce.Owner,
		Deps:       append([]int(nil), ce.Deps...),
	}
	if streamed(ce) {
		e.HadDumper = true
		e.FileName = dataFileName(ce.ID)
		if ce.Data != nil {
			e.CopyStmt = ce.Data.CopyStmt
		}
	}
	return e
}
