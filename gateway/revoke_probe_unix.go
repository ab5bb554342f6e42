//go:build unix

package gateway

import (
	"errors"
	"syscall"
)

// clientAlive reports whether the client of s is still connected, without
// consuming anything it sent: a non-blocking MSG_PEEK on its socket sees
// an orderly close (0 bytes) or a reset, while pending bytes or nothing at
// all mean it is there. A silent stream's client that left is otherwise
// noticed only when the upstream next sends. It holds s's lock, so the
// stream cannot end, and its connection pass to the next request, meanwhile.
func (s *openStream) clientAlive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.r == nil || s.closed != nil || s.client == nil {
		return true
	}
	sc, ok := s.client.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	alive := true
	var b [1]byte
	_ = rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
		case err != nil, n == 0:
			alive = false
		}
		return true // never wait for readiness
	})
	return alive
}
