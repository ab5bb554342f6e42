package redisstore

import (
	"context"
	"errors"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Auto-pipelining of admission. Each Admit is still exactly one EVALSHA in
// one round trip, but concurrent Admits share the round trip: a few workers
// take whatever calls are waiting and send them as one pipeline, so under
// load many requests cost one write and one read on the Redis connection
// instead of one each. This shape is chosen for speed: syscalls were most of
// the gateway's CPU per request on Redis. With no concurrency a batch is one
// call and the cost is a channel hand-off.
const (
	pipelineWorkers = 4  // pipelines in flight at once
	pipelineMax     = 64 // calls per pipeline
)

var errClosed = errors.New("redisstore: store is closed")

// admitCall is one Admit waiting for its reply. Calls are pooled: keys and
// args keep their backing arrays, done is reused.
type admitCall struct {
	keys []string
	args []any
	cmd  *redis.Cmd
	done chan struct{} // receives once the worker has set cmd
}

var callPool = sync.Pool{New: func() any {
	return &admitCall{keys: make([]string, 2), args: make([]any, 4), done: make(chan struct{}, 1)}
}}

// pipeliner runs the workers. It is safe for concurrent use.
type pipeliner struct {
	c       Client
	calls   chan *admitCall
	quit    chan struct{} // closed by stop: workers exit
	stopped chan struct{} // closed when every worker has exited
	once    sync.Once
	wg      sync.WaitGroup
}

func newPipeliner(c Client) *pipeliner {
	p := &pipeliner{c: c, calls: make(chan *admitCall, pipelineWorkers*pipelineMax),
		quit: make(chan struct{}), stopped: make(chan struct{})}
	p.wg.Add(pipelineWorkers)
	for range pipelineWorkers {
		go p.work()
	}
	go func() { p.wg.Wait(); close(p.stopped) }()
	return p
}

// eval runs the admission script with keys and args in the next pipeline and
// returns its reply. keys and args are copied into the call; args must stay
// valid until eval returns.
func (p *pipeliner) eval(k0, k1 string, a0, a1, a2, a3 any) (string, error) {
	c := callPool.Get().(*admitCall)
	c.keys[0], c.keys[1], c.args[0], c.args[1], c.args[2], c.args[3] = k0, k1, a0, a1, a2, a3
	select {
	case p.calls <- c:
	case <-p.quit:
		return "", errClosed
	}
	select {
	case <-c.done:
	case <-p.stopped:
		select {
		case <-c.done: // taken by a worker before it exited
		default:
			return "", errClosed // never taken: abandon c, no worker will touch it
		}
	}
	vals, err := c.cmd.Text()
	c.cmd, c.args[0], c.args[1], c.args[2], c.args[3] = nil, nil, nil, nil, nil
	callPool.Put(c)
	return vals, err
}

func (p *pipeliner) work() {
	defer p.wg.Done()
	batch := make([]*admitCall, 0, pipelineMax)
	for {
		select {
		case c := <-p.calls:
			batch = append(batch[:0], c)
		case <-p.quit:
			return
		}
	fill:
		for len(batch) < pipelineMax {
			select {
			case c := <-p.calls:
				batch = append(batch, c)
			default:
				break fill
			}
		}
		p.exec(batch)
	}
}

// exec sends batch as one pipeline of EVALSHA. A call that finds the script
// missing (NOSCRIPT after a restart or SCRIPT FLUSH) is retried with EVAL.
// Timeouts are the client's (Options.Timeout), so exec never hangs.
func (p *pipeliner) exec(batch []*admitCall) {
	ctx := context.Background()
	_, _ = p.c.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for _, c := range batch {
			c.cmd = pl.EvalSha(ctx, admitScript.sha, c.keys, c.args...)
		}
		return nil
	})
	for _, c := range batch {
		if err := c.cmd.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			c.cmd = p.c.Eval(ctx, admitScript.src, c.keys, c.args...)
		}
		c.done <- struct{}{}
	}
}

// stop ends the workers after the batches they hold.
func (p *pipeliner) stop() {
	p.once.Do(func() { close(p.quit) })
	<-p.stopped
}
