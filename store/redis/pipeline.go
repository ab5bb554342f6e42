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

// call is one script call waiting for its reply. Admit's calls are pooled:
// their args point into a, so filling them boxes nothing (go-redis writes
// *string and *int64 arguments), and done is reused. A shape chosen for
// speed: boxing a string or an int64 allocates.
type call struct {
	sc   *script
	keys []string
	args []any
	cmd  *redis.Cmd
	done chan struct{} // receives once the worker has set cmd
	a    admitArgs
}

// admitArgs are the values of an admission's ARGV (admit.lua).
type admitArgs struct {
	upstream, now, public, model, rid string
	credits, input, output            int64
	holdTTL, retention                int64 // µs, ms
}

var callPool = sync.Pool{New: func() any {
	c := &call{sc: admitScript, keys: make([]string, 2), done: make(chan struct{}, 1)}
	a := &c.a
	c.args = []any{&a.upstream, &a.now, &a.public, &a.model, &a.rid, &a.credits, &a.input, &a.output,
		&a.holdTTL, &a.retention}
	return c
}}

// pipeliner runs the workers. It is safe for concurrent use.
type pipeliner struct {
	c       Client
	calls   chan *call
	quit    chan struct{} // closed by stop: workers exit
	stopped chan struct{} // closed when every worker has exited
	once    sync.Once
	wg      sync.WaitGroup
}

func newPipeliner(c Client) *pipeliner {
	p := &pipeliner{c: c, calls: make(chan *call, pipelineWorkers*pipelineMax),
		quit: make(chan struct{}), stopped: make(chan struct{})}
	p.wg.Add(pipelineWorkers)
	for range pipelineWorkers {
		go p.work()
	}
	go func() { p.wg.Wait(); close(p.stopped) }()
	return p
}

// admit runs the admission script on the token and workspace keys with
// args a in the next pipeline and returns its reply.
func (p *pipeliner) admit(tok, ws string, a *admitArgs) (string, error) {
	c := callPool.Get().(*call)
	c.keys[0], c.keys[1], c.a = tok, ws, *a
	v, err := p.do(c)
	if err != errClosed {
		c.cmd, c.a = nil, admitArgs{}
		callPool.Put(c)
	}
	return v, err
}

// do hands c to a worker and waits for its reply. On errClosed the call
// may be abandoned: no worker will touch it again, but it is not reused.
func (p *pipeliner) do(c *call) (string, error) {
	if !p.send(c) {
		return "", errClosed
	}
	return p.wait(c)
}

// send hands c to a worker; false when the pipeliner is stopping.
func (p *pipeliner) send(c *call) bool {
	select {
	case p.calls <- c:
		return true
	case <-p.quit:
		return false
	}
}

// wait waits for the reply of c, which send handed to a worker (see do).
func (p *pipeliner) wait(c *call) (string, error) {
	select {
	case <-c.done:
	case <-p.stopped:
		select {
		case <-c.done: // taken by a worker before it exited
		default:
			return "", errClosed // never taken: abandon c, no worker will touch it
		}
	}
	return c.cmd.Text()
}

func (p *pipeliner) work() {
	defer p.wg.Done()
	batch := make([]*call, 0, pipelineMax)
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
func (p *pipeliner) exec(batch []*call) {
	ctx := context.Background()
	_, _ = p.c.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for _, c := range batch {
			c.cmd = pl.EvalSha(ctx, c.sc.sha, c.keys, c.args...)
		}
		return nil
	})
	for _, c := range batch {
		if err := c.cmd.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			c.cmd = p.c.Eval(ctx, c.sc.src, c.keys, c.args...)
		}
		c.done <- struct{}{}
	}
}

// stop ends the workers after the batches they hold.
func (p *pipeliner) stop() {
	p.once.Do(func() { close(p.quit) })
	<-p.stopped
}
