package format

import (
	"errors"
	"fmt"
)

var (
	// ErrCorrupt marks malformed archive bytes.
	ErrCorrupt = errors.New("corrupt archive")
	// ErrUnsupportedVersion marks an archive version this build cannot read.
	ErrUnsupportedVersion = errors.New("unsupported archive version")
	// ErrChecksum marks a member whose bytes do not match pgstow's extra member.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrOutOfOrder marks a data request that a sequential archive cannot serve.
	ErrOutOfOrder = errors.New("data requested out of archive order")
)

// MemberError names the member (or "toc.dat") and byte offset where reading failed.
type MemberError struct {
	Member string
	Offset int64
	Err    error
}

func (e *MemberError) Error() string {
	return fmt.Sprintf("%s at offset %d: %v", e.Member, e.Offset, e.Err)
}

func (e *MemberError) Unwrap() error { return e.Err }
