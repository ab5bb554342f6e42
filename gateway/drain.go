package gateway

// drainBuffer is the read buffer of a drain.
const drainBuffer = 32 << 10

// drain takes over b, whose client went away before the end of an LLM
// response, and reads the rest of the upstream body in the background so
// that the usage the upstream bills is settled (LiteLLM #30630, #33736: a
// disconnect must not make a request free). It reports false, leaving b to
// the caller, once Shutdown has cut the upstream connections.
func (g *Gateway) drain(b *body) bool {
	if g.conns.isCut() {
		return false
	}
	g.drains.add()
	go b.readOn()
	return true
}

// readOn reads b's upstream body to its end, feeding the tap, within
// Config.DrainBytes and Config.DrainTimeout, then settles and releases b.
// The time bound is checked between reads; a read that hangs is ended by
// the upstream connection's idle timeout, or by Shutdown cutting it.
func (b *body) readOn() {
	g, t := b.g, &b.tap
	defer g.drains.done()
	deadline := g.now().Add(g.cfg.DrainTimeout)
	buf := t.buffer(drainBuffer)
	var read int64
	outcome := "complete"
	for t.end == endNone {
		if read >= g.cfg.DrainBytes || !g.now().Before(deadline) {
			t.end, outcome = endDrainLimit, "limit"
			break
		}
		n, err := b.r.Read(buf[:min(int64(len(buf)), g.cfg.DrainBytes-read)])
		read += int64(n)
		t.account(n, err)
		if n == 0 {
			continue
		}
		if t.strip { // the client is gone: the output is dropped
			t.out = t.sse.Process(t.outBuf[:0], buf[:n])
			t.keepOut()
			continue
		}
		t.observe(buf[:n])
	}
	if t.end == endCut {
		outcome = "error"
	}
	g.met.Drained(outcome)
	b.finish()
	b.release()
}
