// Package archtest checks the import graph the packages promise: data flows one
// way (catalog → dump → format ⇢ archive ⇢ format → restore), libraries never
// import the CLI, the UI or the test helpers.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/pgstow/pgstow/"

// forbidden maps a package to import-path prefixes it must not import, directly
// or indirectly (non-test code only).
var forbidden = map[string][]string{
	"catalog": {mod + "format", mod + "dump", mod + "restore", mod + "internal/ui", mod + "internal/pgtest", mod + "cmd"},
	"format":  {mod + "catalog", mod + "dump", mod + "restore", "github.com/jackc/pgx", mod + "internal/ui", mod + "internal/pgtest", mod + "cmd"},
	"dump":    {mod + "restore", mod + "internal/ui", mod + "internal/pgtest", mod + "cmd", mod + "bench"},
	"restore": {mod + "dump", mod + "catalog", mod + "internal/ui", mod + "internal/pgtest", mod + "cmd", mod + "bench"},
}

func TestImportRules(t *testing.T) {
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", mod+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == mod+pkg {
				continue
			}
			for _, b := range bad {
				if dep == strings.TrimSuffix(b, "/") || strings.HasPrefix(dep, b) {
					t.Errorf("%s imports %s (directly or through a dependency)", pkg, dep)
				}
			}
		}
	}
}

func TestLibrariesDoNotPrintOrExit(t *testing.T) {
	for _, pkg := range []string{"catalog", "format", "dump", "restore"} {
		out, err := exec.Command("go", "list", "-f", `{{join .GoFiles " "}}`, mod+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, f := range strings.Fields(string(out)) {
			src, err := exec.Command("grep", "-nE", `os\.Exit|os\.Stdout|os\.Stderr|fmt\.Print|log\.(Print|Fatal)`, "../../"+pkg+"/"+f).Output()
			if err == nil && len(src) > 0 {
				t.Errorf("%s/%s prints or exits (the CLI decides that):\n%s", pkg, f, src)
			}
		}
	}
}
