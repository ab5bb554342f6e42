package redisstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/redistest"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
)

// crc16 is CRC-16/XMODEM, the hash of Redis Cluster slots.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// keySlot is Redis Cluster's slot of key, honouring the first {hash tag}.
func keySlot(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	return crc16(key) % 16384
}

// TestSlotFunction: our slot function matches the Redis Cluster specification's example.
func TestSlotFunction(t *testing.T) {
	if got := crc16("123456789"); got != 0x31C3 {
		t.Fatalf("crc16(123456789) = %#x, want 0x31c3", got)
	}
	if keySlot("{user1000}.following") != keySlot("{user1000}.followers") || keySlot("foo{}{bar}") != crc16("foo{}{bar}")%16384 {
		t.Fatal("hash tag rules not followed")
	}
}

// TestWorkspaceKeysShareOneSlot: every key the store writes for a workspace
// hashes to one cluster slot (spring-cloud-gateway #248).
func TestWorkspaceKeysShareOneSlot(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Options{})
	f := seed(t, s)
	for range 2 {
		if _, err := f.admit(s, f.member); err != nil {
			t.Fatal(err)
		}
		if _, err := f.admit(s, f.key); err != nil {
			t.Fatal(err)
		}
	}
	must(t, s.RevokeToken(context.Background(), f.ws, f.key.ID))
	keys, err := rawClient(t, srv).Keys(context.Background(), "*").Result()
	must(t, err)
	want := keySlot("{w:" + f.ws + "}")
	var n int
	for _, k := range keys {
		if k == "tg:workspaces" {
			continue
		}
		if !strings.HasPrefix(k, "{w:"+f.ws+"}:") || keySlot(k) != want {
			t.Fatalf("key %q is outside workspace %s's slot %d", k, f.ws, want)
		}
		n++
	}
	// ws, mem, members, up, upstreams, 2 tok, 2 tokid, tokens, 3 rl.
	if n != 13 {
		t.Fatalf("found %d workspace keys %v, want 13", n, keys)
	}
}
