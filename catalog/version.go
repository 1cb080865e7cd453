package catalog

import "fmt"

// Version is a server version as server_version_num (150020 for 15.20).
type Version int

// Major is the major release (12 … 18).
func (v Version) Major() int { return int(v) / 10000 }

// AtLeast reports whether the server is at least the given major.
func (v Version) AtLeast(major int) bool { return v.Major() >= major }

func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major(), int(v)%10000) }
