// Package sidecar answers the two searches of the occupancy API that cannot
// be precomputed, POST /api/rooms/find_free_rooms and
// POST /api/rooms/find_soonest_bookings, from a snapshot written by the build
// (package occupancy/snapshot): one roaring bitmap of occupied 15-minute
// slots per room, immutable once loaded.
//
// The [Server] also serves /healthz, /readyz and /metrics (Prometheus text
// format), reloads the snapshot when its file (or URL) changes or on request
// ([Server.Reload], wired to SIGHUP by cmd/sidecar), and for development
// serves the built static tree at the API's GET URLs.
//
// All datetimes are campus wall-clock time labelled as UTC ("fake UTC"),
// written as 2026-11-28T08:00:00.000Z; see [ParseDatetime] for what clients
// may send. Every response, including errors, is JSON; errors are
// {"message": …}. No input makes the server crash or answer 500.
package sidecar

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"occupancy/generator/tree"
)

// Defaults of [Config], documented here so operators can find them.
const (
	DefaultAddr            = "127.0.0.1:8080"
	DefaultSnapshotPath    = "public/occupancy.snapshot"
	DefaultStaticDir       = "public"
	DefaultTimeZone        = "Europe/Zurich"
	DefaultMaxBodyBytes    = 64 << 10 // a 200-range selection takes about 15 KiB
	DefaultMaxRanges       = 200      // a week of hourly cells is about 100
	DefaultReadTimeout     = 5 * time.Second
	DefaultWriteTimeout    = 10 * time.Second
	DefaultIdleTimeout     = 60 * time.Second
	DefaultMaxConns        = 4096 // concurrent connections (fasthttp Concurrency)
	DefaultMaxConnsPerIP   = 256  // one client cannot take every connection; behind a proxy, which is one client, set 0
	DefaultCORSMaxAge      = 24 * time.Hour
	DefaultPollInterval    = time.Second
	DefaultShutdownTimeout = 10 * time.Second
	DefaultStaticCache     = "public, max-age=300"
	DefaultHeaderBytes     = 8 << 10  // fasthttp ReadBufferSize: the largest request head
	DefaultAnswerCache     = 16 << 20 // bytes of whole answers kept per snapshot
)

// Config configures a [Server]. Start from [DefaultConfig]; a zero field
// means the default, except AllowedOrigins (nil = any origin) and StaticDir
// ("" = no static tree).
type Config struct {
	Addr         string // listen address, loopback by default
	SnapshotPath string // snapshot file written by the build, or its http(s) URL
	StaticDir    string // built static tree served at the GET URLs; "" = none
	TimeZone     string // campus time zone, for datetimes with an explicit offset
	// RFC3339 writes datetimes with their true offset in TimeZone, as the
	// build does with -rfc3339; use the same setting for both.
	RFC3339 bool

	MaxBodyBytes  int           // largest request body; larger ones get 413
	MaxRanges     int           // most ranges in a selection; more get 400
	ReadTimeout   time.Duration // to read a whole request
	WriteTimeout  time.Duration // to write a whole response
	IdleTimeout   time.Duration // keep-alive idle time
	MaxConns      int           // concurrent connections; more are refused with 503
	MaxConnsPerIP int           // 0 = unlimited
	HeaderBytes   int           // largest request line plus headers

	// AllowedOrigins lists the browser origins allowed by CORS (exact
	// match, such as "https://occupancy.flep.ch"). Empty or containing
	// "*" allows any origin. Requests without Origin are always served;
	// requests from other origins are served without CORS headers, so
	// browsers withhold the response.
	AllowedOrigins []string
	CORSMaxAge     time.Duration // Access-Control-Max-Age of preflight responses

	PollInterval    time.Duration // how often to check the snapshot (file or URL) for changes
	ShutdownTimeout time.Duration // graceful shutdown limit
	StaticCache     string        // Cache-Control of static responses

	// SnapshotFetch configures fetching a snapshot from an http(s) URL
	// (headers, timeout, size limit); zero means the defaults.
	SnapshotFetch FetchOptions

	// AnswerCache is how many bytes of whole answers each loaded snapshot
	// keeps for the searches that depend on no position
	// (find_soonest_bookings, find_free_rooms without coordinates); 0 (or
	// less) keeps none. Unlike the fields above, zero is not replaced by
	// the default.
	AnswerCache int
}

// ConfigError is a field of [Config] that [New] refused.
type ConfigError struct {
	Field string // the field's name in Config, such as "TimeZone"
	Err   error
}

func (e *ConfigError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap returns the field's error.
func (e *ConfigError) Unwrap() error { return e.Err }

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		Addr:            DefaultAddr,
		SnapshotPath:    DefaultSnapshotPath,
		StaticDir:       DefaultStaticDir,
		TimeZone:        DefaultTimeZone,
		MaxBodyBytes:    DefaultMaxBodyBytes,
		MaxRanges:       DefaultMaxRanges,
		ReadTimeout:     DefaultReadTimeout,
		WriteTimeout:    DefaultWriteTimeout,
		IdleTimeout:     DefaultIdleTimeout,
		MaxConns:        DefaultMaxConns,
		MaxConnsPerIP:   DefaultMaxConnsPerIP,
		HeaderBytes:     DefaultHeaderBytes,
		CORSMaxAge:      DefaultCORSMaxAge,
		PollInterval:    DefaultPollInterval,
		ShutdownTimeout: DefaultShutdownTimeout,
		StaticCache:     DefaultStaticCache,
		AnswerCache:     DefaultAnswerCache,
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Addr == "" {
		c.Addr = d.Addr
	}
	if c.TimeZone == "" {
		c.TimeZone = d.TimeZone
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = d.MaxBodyBytes
	}
	if c.MaxRanges <= 0 {
		c.MaxRanges = d.MaxRanges
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = d.ReadTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = d.WriteTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = d.IdleTimeout
	}
	if c.MaxConns <= 0 {
		c.MaxConns = d.MaxConns
	}
	if c.HeaderBytes <= 0 {
		c.HeaderBytes = d.HeaderBytes
	}
	if c.CORSMaxAge <= 0 {
		c.CORSMaxAge = d.CORSMaxAge
	}
	if c.PollInterval <= 0 {
		c.PollInterval = d.PollInterval
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = d.ShutdownTimeout
	}
	if c.StaticCache == "" {
		c.StaticCache = d.StaticCache
	}
	return c
}

// Server is the sidecar: the HTTP API over a [Store]. Create it with [New].
type Server struct {
	cfg     Config
	log     *slog.Logger
	store   *Store
	metrics *metrics
	parse   ParseOptions
	anyOrig bool
	origins map[string]bool
	maxAge  string
	static  staticTree
	fast    *fasthttp.Server
	// freeHandler and soonestHandler are s.findFree and s.findSoonest,
	// bound once rather than per request (a method value allocates).
	freeHandler, soonestHandler func(*fasthttp.RequestCtx)
}

var (
	pathFree    = []byte("/api/rooms/find_free_rooms")
	pathSoonest = []byte("/api/rooms/find_soonest_bookings")
)

// errNotReady answers searches before the first snapshot is loaded.
var errNotReady = &RequestError{Status: fasthttp.StatusServiceUnavailable, Message: "No snapshot loaded yet; try again shortly"}

// New returns a server for cfg and attempts a first load of the snapshot. A
// missing or invalid snapshot is not an error: the server starts unready
// (searches answer 503) and loads the file once it appears. New fails only
// on an invalid configuration, such as an unknown time zone.
func New(cfg Config, log *slog.Logger) (*Server, error) {
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		return nil, &ConfigError{Field: "TimeZone", Err: fmt.Errorf("time zone %q: %w", cfg.TimeZone, err)}
	}
	store, err := NewStoreWith(cfg.SnapshotPath, cfg.SnapshotFetch, log)
	if err != nil {
		return nil, &ConfigError{Field: "SnapshotPath", Err: err}
	}
	s := &Server{
		cfg:     cfg,
		log:     log,
		store:   store,
		metrics: newMetrics(),
		parse:   ParseOptions{Location: loc, MaxRanges: cfg.MaxRanges},
		origins: map[string]bool{},
		maxAge:  strconv.Itoa(int(cfg.CORSMaxAge / time.Second)),
		static:  staticTree{dir: cfg.StaticDir, cacheControl: cfg.StaticCache},
	}
	if cfg.RFC3339 {
		s.store.Offsets = loc
	}
	s.store.AnswerCache = cfg.AnswerCache
	s.metrics.collectStore(s.store)
	s.freeHandler, s.soonestHandler = s.findFree, s.findSoonest
	s.anyOrig = len(cfg.AllowedOrigins) == 0
	for _, o := range cfg.AllowedOrigins {
		if o == "*" {
			s.anyOrig = true
		}
		s.origins[o] = true
	}
	s.fast = &fasthttp.Server{
		Handler:               s.Handler(),
		ErrorHandler:          s.protocolError,
		NoDefaultServerHeader: true,
		ReadTimeout:           cfg.ReadTimeout,
		WriteTimeout:          cfg.WriteTimeout,
		IdleTimeout:           cfg.IdleTimeout,
		MaxRequestBodySize:    cfg.MaxBodyBytes,
		ReadBufferSize:        cfg.HeaderBytes,
		Concurrency:           cfg.MaxConns,
		MaxConnsPerIP:         cfg.MaxConnsPerIP,
		CloseOnShutdown:       true,
		Logger:                fasthttpLogger{log},
	}
	_ = s.store.Reload() // logged and counted inside; the watcher retries
	return s, nil
}

// Store returns the server's snapshot store.
func (s *Server) Store() *Store { return s.store }

// Reload reloads the snapshot now (see [Store.Reload]).
func (s *Server) Reload() error { return s.store.Reload() }

// Watch polls the snapshot (file or URL) until ctx is done (see [Store.Watch]).
func (s *Server) Watch(ctx context.Context) { s.store.Watch(ctx, s.cfg.PollInterval) }

// Serve serves HTTP on ln until [Server.Shutdown].
func (s *Server) Serve(ln net.Listener) error { return s.fast.Serve(ln) }

// Shutdown stops accepting connections and waits for open requests to
// finish, or for ctx to be done.
func (s *Server) Shutdown(ctx context.Context) error { return s.fast.ShutdownWithContext(ctx) }

type fasthttpLogger struct{ log *slog.Logger }

// Printf logs fasthttp's messages at debug level.
func (l fasthttpLogger) Printf(format string, args ...any) {
	l.log.Debug("fasthttp", "msg", fmt.Sprintf(format, args...))
}

const (
	contentJSON = "application/json; charset=utf-8"
	allowGet    = "GET, HEAD, OPTIONS"
	allowPost   = "GET, HEAD, POST, OPTIONS" // the search URLs are also room names for GET
)

// Handler returns the request handler, with panic recovery, CORS and
// metrics. It is what [Server.Serve] runs; tests may call it directly.
func (s *Server) Handler() fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		start := time.Now()
		rt := routeNotFound
		defer func() {
			if p := recover(); p != nil {
				s.metrics.panics.Inc()
				s.log.Error("handler panic", "panic", fmt.Sprint(p), "method", string(ctx.Method()),
					"path", string(ctx.Path()), "stack", string(debug.Stack()))
				s.writeError(ctx, fmt.Errorf("panic: %v", p))
			}
			s.metrics.observe(rt, ctx.Response.StatusCode(), time.Since(start))
		}()
		s.cors(ctx)
		var h func(*fasthttp.RequestCtx)
		rt, h = s.route(ctx)
		h(ctx)
	}
}

// handler serves one request.
type handler = func(*fasthttp.RequestCtx)

// endpoint is one line of the API's table (see endpoints).
type endpoint struct {
	// path is the URL path's segments, compared case-insensitively; "*"
	// stands for any one segment (that param accepts, when set).
	path  []string
	param func(seg string) bool
	route route  // its label in the metrics
	allow string // the methods it allows, for 405 and preflight answers
	// get serves GET and HEAD, given the path's segments.
	get func(s *Server, segs []string) handler
	// post, when set, serves POST, under postRoute.
	post      func(s *Server) handler
	postRoute route
}

// endpoints is the API at a glance, matched in order: the first line
// whose path matches serves the request. A request for a path of no line
// is a 404; one with a method its line does not allow is a 405.
var endpoints = []endpoint{
	{path: []string{"healthz"}, route: routeHealthz, allow: allowGet, get: func(s *Server, _ []string) handler { return s.healthz }},
	{path: []string{"readyz"}, route: routeReadyz, allow: allowGet, get: func(s *Server, _ []string) handler { return s.readyz }},
	{path: []string{"metrics"}, route: routeMetrics, allow: allowGet, get: func(s *Server, _ []string) handler { return s.serveMetrics }},
	// The page for people and its files.
	{path: []string{""}, route: routeWeb, allow: allowGet, get: webIndex},
	{path: []string{"index.html"}, route: routeWeb, allow: allowGet, get: webIndex},
	{path: []string{"app", "*"}, route: routeWeb, allow: allowGet, get: func(s *Server, segs []string) handler { return s.staticApp(segs[1]) }},
	// The API's description.
	{path: []string{"api", "openapi.json"}, route: routeDocs, allow: allowGet, get: func(s *Server, _ []string) handler { return s.staticDoc(tree.OpenAPIPath, contentJSON) }},
	{path: []string{"api", "docs"}, route: routeDocs, allow: allowGet, get: func(s *Server, _ []string) handler { return s.staticDoc(tree.APIDocsPath, contentHTML) }},
	// The two searches; a GET of their URLs looks up a room of that name,
	// as in the reference.
	{path: []string{"api", "rooms", "find_free_rooms"}, route: routeRoom, allow: allowPost, get: roomDetail,
		post: func(s *Server) handler { return s.freeHandler }, postRoute: routeFree},
	{path: []string{"api", "rooms", "find_soonest_bookings"}, route: routeRoom, allow: allowPost, get: roomDetail,
		post: func(s *Server) handler { return s.soonestHandler }, postRoute: routeSoonest},
	// The static API.
	{path: []string{"api", "rooms"}, route: routeRooms, allow: allowGet, get: listOf("rooms")},
	{path: []string{"api", "rooms", "*"}, route: routeRoom, allow: allowGet, get: roomDetail},
	{path: []string{"api", "courses"}, route: routeCourses, allow: allowGet, get: listOf("courses")},
	{path: []string{"api", "courses", "*"}, route: routeCourse, allow: allowGet, get: func(s *Server, segs []string) handler {
		return s.staticDetail("courses", segs[2], "Course not found")
	}},
	{path: []string{"api", "studyplans"}, route: routeStudyplans, allow: allowGet, get: listOf("studyplans")},
	{path: []string{"api", "studyplans", "*"}, route: routeStudyplan, allow: allowGet, get: func(s *Server, segs []string) handler {
		return s.staticDetail("studyplans", normalizeObjectID(segs[2]), "Studyplan not found")
	}},
	// The change feed: the latest releases' changes, one release's, and
	// each entity's beside its JSON (counted with the entity, as its
	// calendar feed is). Nothing else under /api/changes/ is a route, as
	// in deploy/nginx.conf.
	{path: []string{"api", "changes"}, route: routeChanges, allow: allowGet, get: changesDoc(tree.ChangeLogPath, contentJSON)},
	{path: []string{"api", "changes", "index.json"}, route: routeChanges, allow: allowGet, get: changesDoc(tree.ChangeLogPath, contentJSON)},
	{path: []string{"api", "changes", "index" + tree.AtomExt}, route: routeChanges, allow: allowGet, get: changesDoc(tree.ChangeFeedPath, contentAtom)},
	{path: []string{"api", "changes", "*"}, param: isChangeSetFile, route: routeChanges, allow: allowGet, get: func(s *Server, segs []string) handler {
		return s.staticDoc(tree.ChangeSetPath(segs[2][:changeIDLen]), contentJSON)
	}},
	{path: []string{"api", "rooms", "*", "changes.json"}, route: routeRoom, allow: allowGet, get: entityChanges("rooms", "Room not found", tree.EntityChangesPath, contentJSON)},
	{path: []string{"api", "rooms", "*", "changes" + tree.AtomExt}, route: routeRoom, allow: allowGet, get: entityChanges("rooms", "Room not found", tree.EntityFeedPath, contentAtom)},
	{path: []string{"api", "courses", "*", "changes.json"}, route: routeCourse, allow: allowGet, get: entityChanges("courses", "Course not found", tree.EntityChangesPath, contentJSON)},
	{path: []string{"api", "courses", "*", "changes" + tree.AtomExt}, route: routeCourse, allow: allowGet, get: entityChanges("courses", "Course not found", tree.EntityFeedPath, contentAtom)},
	{path: []string{"api", "studyplans", "*", "changes.json"}, route: routeStudyplan, allow: allowGet, get: entityChanges("studyplans", "Studyplan not found", tree.EntityChangesPath, contentJSON)},
	{path: []string{"api", "studyplans", "*", "changes" + tree.AtomExt}, route: routeStudyplan, allow: allowGet, get: entityChanges("studyplans", "Studyplan not found", tree.EntityFeedPath, contentAtom)},
}

// webIndex, roomDetail and listOf(kind) serve lines of endpoints.
func webIndex(s *Server, _ []string) handler { return s.staticDoc(tree.WebIndexPath, contentHTML) }

func roomDetail(s *Server, segs []string) handler {
	return s.staticDetail("rooms", segs[2], "Room not found")
}

func listOf(kind string) func(*Server, []string) handler {
	return func(s *Server, _ []string) handler { return s.staticList(kind) }
}

// changesDoc serves a file of the change feed at a fixed path.
func changesDoc(rel, contentType string) func(*Server, []string) handler {
	return func(s *Server, _ []string) handler { return s.staticDoc(rel, contentType) }
}

// entityChanges serves the file at file(kind, name) for the entity named
// by the path's third segment (a study plan id lowered, as for its JSON),
// or a 404 with notFound.
func entityChanges(kind, notFound string, file func(collection, name string) string, contentType string) func(*Server, []string) handler {
	return func(s *Server, segs []string) handler {
		name := segs[2]
		if kind == "studyplans" {
			name = normalizeObjectID(name)
		}
		return s.staticEntityChanges(kind, name, notFound, file, contentType)
	}
}

// endpointOf returns the line of endpoints that segs match, or nil.
func endpointOf(segs []string) *endpoint {
next:
	for i := range endpoints {
		e := &endpoints[i]
		if len(e.path) != len(segs) {
			continue
		}
		for k, p := range e.path {
			if p == "*" {
				if e.param != nil && !e.param(segs[k]) {
					continue next
				}
			} else if !strings.EqualFold(p, segs[k]) {
				continue next
			}
		}
		return e
	}
	return nil
}

// route maps a request to its label and handler. Matching follows
// Express: the path is case-insensitive and a trailing slash is optional;
// parameters keep their case.
func (s *Server) route(ctx *fasthttp.RequestCtx) (route, handler) {
	// The two searches first, without converting or splitting the path:
	// the same match as the table's for them, allocation-free.
	if ctx.IsPost() {
		p := ctx.Path()
		if len(p) > 1 && p[len(p)-1] == '/' {
			p = p[:len(p)-1]
		}
		switch {
		case bytes.EqualFold(p, pathFree):
			return routeFree, s.freeHandler
		case bytes.EqualFold(p, pathSoonest):
			return routeSoonest, s.soonestHandler
		}
	}
	path := string(ctx.Path())
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	e := endpointOf(segs)
	switch {
	case e == nil:
		return routeNotFound, s.notFound
	case ctx.IsOptions():
		return routePreflight, s.preflight(e.allow)
	case ctx.IsPost() && e.post != nil:
		return e.postRoute, e.post(s)
	case ctx.IsGet() || ctx.IsHead():
		return e.route, e.get(s, segs)
	}
	return e.route, s.methodNotAllowed(e.allow)
}

// methodNotAllowed answers 405 with the methods allowed.
func (s *Server) methodNotAllowed(allow string) handler {
	return func(ctx *fasthttp.RequestCtx) {
		ctx.Response.Header.Set("Allow", allow)
		s.writeError(ctx, &RequestError{Status: fasthttp.StatusMethodNotAllowed,
			Message: fmt.Sprintf("Method %s not allowed on %s (allowed: %s)", truncate(string(ctx.Method())), truncate(string(ctx.Path())), allow)})
	}
}

// normalizeObjectID lowercases a 24-digit hex id, as MongoDB's cast did.
func normalizeObjectID(id string) string {
	if len(id) != 24 {
		return id
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return id
		}
	}
	return strings.ToLower(id)
}

func (s *Server) notFound(ctx *fasthttp.RequestCtx) {
	s.writeError(ctx, &RequestError{Status: fasthttp.StatusNotFound, Message: "Not found"})
}

// cors adds CORS headers for browsers; it never refuses a request.
func (s *Server) cors(ctx *fasthttp.RequestCtx) {
	origin := ctx.Request.Header.Peek("Origin")
	if len(origin) == 0 {
		return
	}
	h := &ctx.Response.Header
	if s.anyOrig {
		h.Set("Access-Control-Allow-Origin", "*")
		return
	}
	h.Add("Vary", "Origin")
	if s.origins[string(origin)] {
		h.SetBytesV("Access-Control-Allow-Origin", origin)
	}
}

// preflight answers OPTIONS on a known route: 204 with the route's allowed
// methods (allow) and, for browsers, the CORS headers and
// Access-Control-Max-Age (browsers cache the answer that long).
func (s *Server) preflight(allow string) func(*fasthttp.RequestCtx) {
	return func(ctx *fasthttp.RequestCtx) {
		h := &ctx.Response.Header
		h.Set("Allow", allow)
		if len(ctx.Request.Header.Peek("Origin")) > 0 && len(ctx.Response.Header.Peek("Access-Control-Allow-Origin")) > 0 {
			h.Set("Access-Control-Allow-Methods", allow)
			h.Set("Access-Control-Allow-Headers", "Content-Type")
			h.Set("Access-Control-Max-Age", s.maxAge)
		}
		ctx.SetStatusCode(fasthttp.StatusNoContent)
	}
}

func (s *Server) healthz(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType(contentJSON)
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBodyString(`{"status":"ok"}`)
}

// readyz answers 200 once a snapshot is loaded, else 503 with why (the
// last load error, without the file's path).
func (s *Server) readyz(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ix := s.store.Index()
	if ix == nil {
		msg := "No snapshot loaded yet"
		if reason := s.store.failureReason(); reason != "" {
			msg = "No snapshot loaded: " + reason
		}
		ctx.Response.Header.Set("Retry-After", "1")
		s.writeError(ctx, &RequestError{Status: fasthttp.StatusServiceUnavailable, Message: msg})
		return
	}
	b, _ := json.Marshal(struct {
		Status  string `json:"status"`
		Release string `json:"release"`
		Rooms   int    `json:"rooms"`
	}{"ready", ix.Release(), ix.Len()})
	ctx.SetContentType(contentJSON)
	ctx.SetBody(b)
}

func (s *Server) serveMetrics(ctx *fasthttp.RequestCtx) {
	var b bytes.Buffer
	if err := s.metrics.write(&b); err != nil {
		// What could be gathered is served: a scrape that fails whole
		// would hide every other metric too.
		s.log.Error("metrics", "err", err)
	}
	ctx.SetContentType("text/plain; version=0.0.4; charset=utf-8")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(b.Bytes())
}

// index returns the current index, or answers 503 and returns nil.
func (s *Server) index(ctx *fasthttp.RequestCtx) *Index {
	ix := s.store.Index()
	if ix == nil {
		ctx.Response.Header.Set("Retry-After", "1")
		s.writeError(ctx, errNotReady)
	}
	return ix
}

func (s *Server) findFree(ctx *fasthttp.RequestCtx) {
	ix := s.index(ctx)
	if ix == nil {
		return
	}
	sc := getScratch()
	defer putScratch(sc)
	// The fast path parses the common shapes into sc's pooled storage;
	// the generic parser decides everything else.
	body := ctx.PostBody()
	q, ok := parseFreeFast(body, s.parse, &sc.q)
	if !ok {
		var err error
		if q, err = parseFreeGeneric(ctx.Request.Header.ContentType(), body, s.parse); err != nil {
			s.writeError(ctx, err)
			return
		}
	}
	sc.out = ix.appendFree(sc.out[:0], &q, sc)
	s.writeJSON(ctx, sc.out)
}

func (s *Server) findSoonest(ctx *fasthttp.RequestCtx) {
	ix := s.index(ctx)
	if ix == nil {
		return
	}
	q, err := ParseSoonestQuery(ctx.Request.Header.ContentType(), ctx.PostBody(), s.parse)
	if err != nil {
		s.writeError(ctx, err)
		return
	}
	sc := getScratch()
	sc.out = ix.appendSoonest(sc.out[:0], &q, sc)
	s.writeJSON(ctx, sc.out)
	putScratch(sc)
}

// writeJSON sends body (copied) as an uncacheable JSON 200 response.
func (s *Server) writeJSON(ctx *fasthttp.RequestCtx, body []byte) {
	ctx.SetContentType(contentJSON)
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(body)
}

func errorBody(msg string) []byte {
	b, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{msg})
	return b
}

// writeError is the one place that maps errors to responses: a
// *RequestError gives its status and message; anything else is logged and
// answered 500 with a fixed message that reveals nothing.
func (s *Server) writeError(ctx *fasthttp.RequestCtx, err error) {
	status, msg := fasthttp.StatusInternalServerError, "Internal server error"
	if re, ok := errors.AsType[*RequestError](err); ok {
		status, msg = re.Status, re.Message
	} else {
		s.log.Error("internal error", "method", string(ctx.Method()), "path", string(ctx.Path()), "err", err)
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType(contentJSON)
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(errorBody(msg))
}

// protocolError answers requests fasthttp could not read (malformed, too
// large, timed out) with a JSON error.
func (s *Server) protocolError(ctx *fasthttp.RequestCtx, err error) {
	status, msg := fasthttp.StatusBadRequest, "Malformed HTTP request"
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		status, msg = fasthttp.StatusRequestEntityTooLarge, fmt.Sprintf("Request body too large (at most %d bytes)", s.cfg.MaxBodyBytes)
	case isTimeout(err):
		status, msg = fasthttp.StatusRequestTimeout, "Request timed out"
	case isSmallBuffer(err):
		status, msg = fasthttp.StatusRequestHeaderFieldsTooLarge, fmt.Sprintf("Request headers too large (at most %d bytes)", s.cfg.HeaderBytes)
	}
	s.cors(ctx)
	ctx.SetStatusCode(status)
	ctx.SetContentType(contentJSON)
	ctx.SetBody(errorBody(msg))
	s.metrics.observe(routeInvalid, status, 0)
}

func isSmallBuffer(err error) bool {
	_, ok := errors.AsType[*fasthttp.ErrSmallBuffer](err)
	return ok || errors.Is(err, fasthttp.ErrSmallReadBuffer)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
