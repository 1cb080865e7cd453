package dump_test

import (
	"context"
	"fmt"
	"log"

	"github.com/jackc/pgx/v5"

	"github.com/pgstow/pgstow/dump"
	"github.com/pgstow/pgstow/format"
)

// A dump into a tar archive that stock pg_restore reads, with the connection taken
// from the PG* environment, .pgpass and service files as pg_dump would.
func ExampleRun() {
	ctx := context.Background()
	cfg, err := pgx.ParseConfig("")
	if err != nil {
		log.Fatal(err)
	}
	w, err := format.CreateTar("db.tar", format.WriterOptions{})
	if err != nil {
		log.Fatal(err)
	}
	sum, err := dump.Run(ctx, cfg, w, dump.Options{Jobs: 4})
	if err != nil {
		log.Fatal(err) // Run has already aborted w: no db.tar is left
	}
	fmt.Printf("%d tables, %d rows in %s\n", sum.Tables, sum.Rows, sum.Elapsed)
}
