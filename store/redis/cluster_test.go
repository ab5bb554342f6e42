package redisstore_test

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-dev/tollgate/store"
	redisstore "github.com/tollgate-dev/tollgate/store/redis"
	"github.com/tollgate-dev/tollgate/store/storetest"
)

// startCluster runs a one-node Redis Cluster owning every slot. Redis 7
// refuses scripts whose keys, declared or built inside, span slots, so the
// contract suite on it proves the one-tag-per-workspace layout.
func startCluster(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not found: SKIPPING the cluster test")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := l.Addr().String()
	_ = l.Close()
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir, "--cluster-enabled", "yes", "--cluster-config-file", dir+"/nodes.conf")
	must(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	added := false
	for {
		if !added {
			added = c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err() == nil
		}
		info, err := c.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster on %s not ready: %v %q", addr, err, info)
		}
	}
}

// TestContractOnCluster: the contract suite passes through a ClusterClient on Redis Cluster.
func TestContractOnCluster(t *testing.T) {
	addr := startCluster(t)
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}})
	t.Cleanup(func() { _ = c.Close() })
	storetest.RunAll(t, func(t *testing.T, clock *storetest.FakeClock) store.Store {
		s, err := redisstore.New(context.Background(), redisstore.Options{Client: c, Now: clock.Now})
		must(t, err)
		return s
	})
}
