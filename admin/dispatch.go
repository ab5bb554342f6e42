package admin

import (
	"net/http"
	"strings"
)

// groupRoutes maps each ServeMux pattern to the routes it serves. A route
// whose wildcard segment carries a custom method ({id}:resend) is served by
// the pattern without it ({id}); dispatch then picks the route by suffix.
func groupRoutes(rts []route) map[string][]route {
	out := map[string][]route{}
	for _, rt := range rts {
		p, _, _ := customMethod(rt.pattern)
		out[rt.method+" "+p] = append(out[rt.method+" "+p], rt)
	}
	return out
}

// customMethod splits a pattern whose last segment is "{name}:verb" into
// the ServeMux pattern, the wildcard name and the verb.
func customMethod(pattern string) (mux, wildcard, verb string) {
	i := strings.LastIndexByte(pattern, '/')
	last := pattern[i+1:]
	if !strings.HasPrefix(last, "{") {
		return pattern, "", ""
	}
	name, verb, ok := strings.Cut(last[1:], "}:")
	if !ok {
		return pattern, "", ""
	}
	return pattern[:i+1] + "{" + name + "}", name, verb
}

// dispatch serves the routes of one ServeMux pattern: it picks the route (by
// custom method when there is one), authenticates and authorizes the caller,
// runs the handler and records a successful mutating call in the audit log.
func (a *api) dispatch(rts []route) http.Handler {
	return a.wrap(func(w http.ResponseWriter, r *http.Request) error {
		rt, ok := pick(rts, r)
		if !ok {
			return noEndpoint(w, r)
		}
		c := &caller{}
		if !rt.public {
			var err error
			if c, err = a.authenticate(r); err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tollgate-admin"`)
				return err
			}
			if err := authorize(r, c, rt); err != nil {
				return err
			}
		}
		r = withCaller(r, c)
		sw := &statusWriter{ResponseWriter: w}
		if err := rt.handle(sw, r); err != nil {
			return err
		}
		if rt.action != "" && sw.status < 400 && !c.audit.skip {
			a.record(r, c, rt.action)
		}
		return nil
	})
}

// pick finds the route of rts for r, and strips a custom method from its
// wildcard's path value.
func pick(rts []route, r *http.Request) (route, bool) {
	for _, rt := range rts {
		_, wildcard, verb := customMethod(rt.pattern)
		if wildcard == "" {
			return rt, true
		}
		v := r.PathValue(wildcard)
		if id, ok := strings.CutSuffix(v, ":"+verb); ok {
			r.SetPathValue(wildcard, id)
			return rt, true
		}
	}
	return route{}, false
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Flush lets streaming handlers (audit export) flush through the wrapper.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
