package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash/crc32"
)

// Kind says what a token authenticates.
type Kind uint8

// Token kinds. The zero Kind is invalid.
const (
	Member   Kind = iota + 1 // mwt_: one member of one workspace
	Key                      // wsk_: a workspace's service key
	Operator                 // tgo_: the gateway operator
	Invite                   // inv_: an invitation code, accepted once
)

const (
	prefixLen   = 4
	idLen       = 12 // workspace id
	secretLen   = 43 // 43 base62 digits carry 256.03 bits
	checksumLen = 6  // 62^6 > 2^32
	// Len is the length of every token in bytes.
	Len = prefixLen + idLen + secretLen + checksumLen
	// DisplayLen is how much of a token may be shown after creation (prefix and workspace id).
	DisplayLen = prefixLen + idLen
)

// OperatorWorkspace is the workspace id carried by operator tokens.
const OperatorWorkspace = "000000000000"

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Errors returned by Parse. They never contain the token.
var (
	ErrLength   = errors.New("token: wrong length")
	ErrPrefix   = errors.New("token: unknown prefix")
	ErrAlphabet = errors.New("token: character outside base62")
	ErrChecksum = errors.New("token: checksum mismatch")
)

// Prefix returns the token prefix of k, such as "mwt_".
func (k Kind) Prefix() string {
	switch k {
	case Member:
		return "mwt_"
	case Key:
		return "wsk_"
	case Operator:
		return "tgo_"
	case Invite:
		return "inv_"
	}
	return ""
}

// String returns a short name for k.
func (k Kind) String() string {
	switch k {
	case Member:
		return "member"
	case Key:
		return "key"
	case Operator:
		return "operator"
	case Invite:
		return "invite"
	}
	return "invalid"
}

// Parsed is a syntactically valid token. Workspace aliases the parsed input.
type Parsed struct {
	Kind      Kind
	Workspace []byte // 12 base62 characters
}

// Parse checks b's prefix, length, alphabet and checksum. It does not
// allocate and never reads a store. The returned Workspace aliases b.
func Parse(b []byte) (Parsed, error) {
	if len(b) != Len {
		return Parsed{}, ErrLength
	}
	var k Kind
	switch string(b[:prefixLen]) {
	case "mwt_":
		k = Member
	case "wsk_":
		k = Key
	case "tgo_":
		k = Operator
	case "inv_":
		k = Invite
	default:
		return Parsed{}, ErrPrefix
	}
	for _, c := range b[prefixLen:] {
		if digit(c) < 0 {
			return Parsed{}, ErrAlphabet
		}
	}
	body := b[:Len-checksumLen]
	var want [checksumLen]byte
	encodeChecksum(want[:], crc32.ChecksumIEEE(body))
	if string(want[:]) != string(b[Len-checksumLen:]) {
		return Parsed{}, ErrChecksum
	}
	return Parsed{Kind: k, Workspace: b[prefixLen : prefixLen+idLen]}, nil
}

// New returns a fresh token of kind k for workspace ws, which must be a valid
// workspace id (see NewID).
func New(k Kind, ws string) (string, error) {
	if k.Prefix() == "" {
		return "", errors.New("token: invalid kind")
	}
	if !ValidID(ws) {
		return "", errors.New("token: invalid workspace id")
	}
	b := make([]byte, Len)
	copy(b, k.Prefix())
	copy(b[prefixLen:], ws)
	if err := randomBase62(b[prefixLen+idLen : Len-checksumLen]); err != nil {
		return "", err
	}
	encodeChecksum(b[Len-checksumLen:], crc32.ChecksumIEEE(b[:Len-checksumLen]))
	return string(b), nil
}

// NewID returns a random 12-character base62 identifier (71 bits), used for
// workspaces, members, tokens and requests.
func NewID() string {
	b := make([]byte, idLen)
	if err := randomBase62(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return string(b)
}

// ValidID reports whether s looks like an id made by NewID.
func ValidID(s string) bool {
	if len(s) != idLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if digit(s[i]) < 0 {
			return false
		}
	}
	return true
}

// Hash is the SHA-256 digest under which a token is stored.
type Hash [sha256.Size]byte

// HashOf returns the digest of a presented token.
func HashOf(b []byte) Hash { return sha256.Sum256(b) }

// Hex returns h in lower-case hex, as used in store keys.
func (h Hash) Hex() string { return hex.EncodeToString(h[:]) }

// AppendHex appends h in lower-case hex to dst without allocating when dst has room.
func (h Hash) AppendHex(dst []byte) []byte { return hex.AppendEncode(dst, h[:]) }

// Display returns the part of a token that may be shown after creation.
func Display(tok string) string {
	if len(tok) < DisplayLen {
		return tok
	}
	return tok[:DisplayLen] + "…"
}

func digit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

func encodeChecksum(dst []byte, v uint32) {
	n := uint64(v)
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = alphabet[n%62]
		n /= 62
	}
}

// randomBase62 fills dst with uniformly random base62 digits by rejection
// sampling (bytes >= 248 are discarded so that each digit is unbiased).
func randomBase62(dst []byte) error {
	var buf [64]byte
	i := 0
	for i < len(dst) {
		if _, err := rand.Read(buf[:]); err != nil {
			return err
		}
		for _, r := range buf {
			if r >= 248 || i == len(dst) {
				continue
			}
			dst[i] = alphabet[r%62]
			i++
		}
	}
	return nil
}
