package dump_test

import (
	"testing"

	"github.com/pgstow/pgstow/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
