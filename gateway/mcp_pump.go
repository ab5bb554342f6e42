package gateway

import (
	"errors"

	"github.com/valyala/fasthttp"
)

// pumpBuffer is the read buffer of a pump.
const pumpBuffer = 16 << 10

// errWake is returned by readUp when the read was interrupted to let the
// stream send what its session injected.
var errWake = errors.New("gateway: stream woken to inject")

// pump reads a 2024-11-05 GET stream's upstream body on its own goroutine,
// so that the body's Read can wait for either the upstream's next bytes or
// a message the gateway must inject into the stream: a POST of that session
// whose tool call a policy denied is answered 202, and its JSON-RPC error
// must reach the client on the GET stream like every response of this
// transport (a failed POST makes the go-sdk's client drop the session).
// Only such streams pay for the goroutine; it hands over one read at a
// time, so no byte is buffered longer than the client takes to read it.
type pump struct {
	r      fasthttp.ReadCloserWithError
	buf    []byte
	chunks chan chunk    // the result of the next read
	next   chan struct{} // the reader is done with buf
	done   chan struct{} // closed when run returned
	stop   chan struct{}

	n, off int   // buf[off:n] is read and not yet handed on
	err    error // the read error to return once buf is handed on
	have   bool  // buf holds a read
}

// chunk is the result of one upstream read into pump.buf.
type chunk struct {
	n   int
	err error
}

// startPump starts pumping b's upstream body.
func (b *body) startPump() {
	r, ok := b.r.(fasthttp.ReadCloserWithError)
	if !ok {
		return
	}
	p := &pump{r: r, buf: make([]byte, pumpBuffer), chunks: make(chan chunk), next: make(chan struct{}),
		done: make(chan struct{}), stop: make(chan struct{})}
	b.mt.pump = p
	go p.run()
}

// run reads until an error or stop, handing each read over in turn.
func (p *pump) run() {
	defer close(p.done)
	for {
		n, err := p.r.Read(p.buf)
		select {
		case p.chunks <- chunk{n, err}:
		case <-p.stop:
			return
		}
		if err != nil {
			return
		}
		select {
		case <-p.next:
		case <-p.stop:
			return
		}
	}
}

// read fills dst with the next upstream bytes, or returns errWake when
// wake fires first.
func (p *pump) read(dst []byte, wake <-chan struct{}) (int, error) {
	if !p.have {
		select {
		case c := <-p.chunks:
			p.n, p.off, p.err, p.have = c.n, 0, c.err, true
		case <-wake:
			return 0, errWake
		}
	}
	n := copy(dst, p.buf[p.off:p.n])
	p.off += n
	if p.off < p.n {
		return n, nil
	}
	p.have = false
	if p.err != nil {
		return n, p.err
	}
	p.next <- struct{}{}
	return n, nil
}

// close stops the pump: the upstream body is closed, which ends a read in
// progress, and run has returned when close does.
func (p *pump) close() {
	close(p.stop)
	_ = p.r.CloseWithError(nil)
	<-p.done
}

// readUp reads the next upstream bytes of b into dst: directly, or through
// the pump of a 2024-11-05 session's stream, woken by its session.
func (b *body) readUp(dst []byte) (int, error) {
	m := &b.mt
	if m.pump == nil {
		return b.r.Read(dst)
	}
	return m.pump.read(dst, m.sess.wake)
}
