package generator

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"occupancy/generator/tree"
	"regexp"
	"strings"
	"time"
)

// openapiDoc is the OpenAPI 3.1 description of all eight routes. Tests
// validate every rendered file and every sidecar answer against it.
//
//go:embed openapi.json
var openapiDoc []byte

// The Datetime schema points at the form a release writes; OpenAPI swaps
// the reference for -rfc3339 builds.
var (
	datetimeCampus = []byte(`"Datetime": {"$ref": "#/components/schemas/CampusDatetime"}`)
	datetimeOffset = []byte(`"Datetime": {"$ref": "#/components/schemas/OffsetDatetime"}`)
)

// OpenAPI returns the OpenAPI 3.1 document of the API as a release
// rendered with opt writes it: its Datetime schema is campus wall-clock
// time with a Z, or with opt.RFC3339 an RFC 3339 datetime with an offset.
// The returned slice is the caller's.
func OpenAPI(opt Options) ([]byte, error) {
	if bytes.Count(openapiDoc, datetimeCampus) != 1 {
		return nil, fmt.Errorf("openapi.json: want exactly one %s", datetimeCampus)
	}
	if !opt.RFC3339 {
		return bytes.Clone(openapiDoc), nil
	}
	doc := bytes.Replace(openapiDoc, datetimeCampus, datetimeOffset, 1)
	// Examples follow: every JSON string that is a whole campus datetime
	// becomes the offset form this release writes.
	return campusValue.ReplaceAllFunc(doc, func(m []byte) []byte {
		t, err := time.Parse(`"2006-01-02T15:04:05.000Z"`, string(m))
		if err != nil {
			return m
		}
		return []byte(`"` + opt.Datetime(t) + `"`)
	}), nil
}

// campusValue matches a JSON string holding exactly one campus datetime.
var campusValue = regexp.MustCompile(`"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.000Z"`)

// apiDocFiles returns the OpenAPI document and its page for people.
func apiDocFiles(opt Options) ([]tree.File, error) {
	doc, err := OpenAPI(opt)
	if err != nil {
		return nil, err
	}
	page, err := APIPage(doc)
	if err != nil {
		return nil, err
	}
	return []tree.File{
		{Path: tree.OpenAPIPath, Kind: tree.KindOpenAPI, Data: doc},
		{Path: tree.APIDocsPath, Kind: tree.KindAPIDocs, Data: page},
	}, nil
}

// APIPage renders an OpenAPI document as one self-contained HTML page:
// every route with its parameters, request bodies, responses and examples,
// then every schema. It needs no script and no network, and is
// deterministic: the document's own key order is kept.
func APIPage(doc []byte) ([]byte, error) {
	root, err := parseOrdered(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	p := &pageWriter{root: root}
	p.page()
	return p.b.Bytes(), nil
}

// jnode is a JSON value that keeps the order of object keys.
type jnode struct {
	kind byte // '{' object, '[' array, 's' string, 'n' number, 'b' bool, '0' null
	keys []string
	vals []*jnode // object values (by keys) or array items
	text string   // a string's value, a number's or bool's text
}

func (n *jnode) get(key string) *jnode {
	if n == nil || n.kind != '{' {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

func (n *jnode) str(key string) string {
	if v := n.get(key); v != nil && v.kind == 's' {
		return v.text
	}
	return ""
}

func parseOrdered(data []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the top-level value")
	}
	return n, nil
}

func parseValue(dec *json.Decoder) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &jnode{kind: byte(t)}
		for dec.More() {
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			v, err := parseValue(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return &jnode{kind: 's', text: t}, nil
	case json.Number:
		return &jnode{kind: 'n', text: t.String()}, nil
	case bool:
		return &jnode{kind: 'b', text: fmt.Sprint(t)}, nil
	}
	return &jnode{kind: '0'}, nil
}

type pageWriter struct {
	root *jnode
	b    bytes.Buffer
}

func (p *pageWriter) w(format string, args ...any) { fmt.Fprintf(&p.b, format, args...) }

const pageStyle = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem 1.5rem;color:#1d1d1f}
h1{margin-bottom:0}h2{border-bottom:2px solid #ddd;margin-top:2.5rem}h3{margin-top:2rem}
code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#f5f5f7;padding:.6rem .8rem;overflow-x:auto;border-radius:4px}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
.method{display:inline-block;min-width:3.5rem;padding:0 .4rem;border-radius:3px;color:#fff;font-size:13px;text-align:center}
.get{background:#2b7a3d}.post{background:#1d5fb4}.op{border-left:3px solid #ddd;padding-left:1rem}
nav ul{columns:2}a{color:#1d5fb4}small{color:#666}`

func (p *pageWriter) page() {
	info := p.root.get("info")
	title := info.str("title")
	p.w("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	p.w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	p.w("<title>%s</title>\n<style>\n%s\n</style>\n</head>\n<body>\n", esc(title), pageStyle)
	p.w("<h1>%s</h1>\n<p><small>version %s · OpenAPI %s · the machine-readable document: <a href=\"/api/openapi.json\">/api/openapi.json</a></small></p>\n",
		esc(title), esc(info.str("version")), esc(p.root.str("openapi")))
	p.w("<p><strong>%s</strong></p>\n", esc(info.str("summary")))

	paths := p.root.get("paths")
	p.w("<nav>\n<h2>Contents</h2>\n<ul>\n")
	p.eachOperation(paths, func(path, method string, op *jnode) {
		p.w("<li><a href=\"#op-%s\"><code>%s %s</code></a> %s</li>\n", attr(op.str("operationId")), strings.ToUpper(method), esc(path), esc(op.str("summary")))
	})
	p.w("<li><a href=\"#responses\">Shared responses</a></li>\n<li><a href=\"#schemas\">Schemas</a></li>\n</ul>\n</nav>\n")

	p.w("<h2>Overview</h2>\n%s", markdown(info.str("description")))

	p.w("<h2>Routes</h2>\n")
	p.eachOperation(paths, func(path, method string, op *jnode) { p.operation(path, method, op) })

	comps := p.root.get("components")
	p.w("<h2 id=\"responses\">Shared responses</h2>\n")
	if rs := comps.get("responses"); rs != nil {
		for i, name := range rs.keys {
			p.w("<h3 id=\"response-%s\">%s</h3>\n", attr(name), esc(name))
			p.responseBody(rs.vals[i])
		}
	}
	p.w("<h2 id=\"schemas\">Schemas</h2>\n")
	if ss := comps.get("schemas"); ss != nil {
		for i, name := range ss.keys {
			s := ss.vals[i]
			p.w("<h3 id=\"schema-%s\">%s</h3>\n", attr(name), esc(name))
			if t := s.str("title"); t != "" {
				p.w("<p><em>%s</em></p>\n", esc(t))
			}
			p.w("%s<pre>%s</pre>\n", markdown(s.str("description")), prettyJSON(s, true))
		}
	}
	p.w("</body>\n</html>\n")
}

func (p *pageWriter) eachOperation(paths *jnode, f func(path, method string, op *jnode)) {
	if paths == nil {
		return
	}
	for i, path := range paths.keys {
		item := paths.vals[i]
		for j, method := range item.keys {
			switch method {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
				f(path, method, item.vals[j])
			}
		}
	}
}

func (p *pageWriter) operation(path, method string, op *jnode) {
	p.w("<section class=\"op\" id=\"op-%s\">\n<h3><span class=\"method %s\">%s</span> <code>%s</code></h3>\n",
		attr(op.str("operationId")), method, strings.ToUpper(method), esc(path))
	p.w("<p><strong>%s</strong></p>\n%s", esc(op.str("summary")), markdown(op.str("description")))
	if params := op.get("parameters"); params != nil && len(params.vals) > 0 {
		p.w("<h4>Parameters</h4>\n<table>\n<tr><th>name</th><th>in</th><th>schema</th><th>description</th></tr>\n")
		for _, prm := range params.vals {
			p.w("<tr><td><code>%s</code></td><td>%s</td><td><code>%s</code></td><td>%s (example: <code>%s</code>)</td></tr>\n",
				esc(prm.str("name")), esc(prm.str("in")), prettyJSON(prm.get("schema"), true), esc(prm.str("description")), esc(prm.str("example")))
		}
		p.w("</table>\n")
	}
	if body := op.get("requestBody"); body != nil {
		p.w("<h4>Request body</h4>\n")
		p.content(body.get("content"))
	}
	if rs := op.get("responses"); rs != nil {
		p.w("<h4>Responses</h4>\n")
		for i, status := range rs.keys {
			r := rs.vals[i]
			p.w("<h5>%s</h5>\n", esc(status))
			if ref := r.str("$ref"); ref != "" {
				name := strings.TrimPrefix(ref, "#/components/responses/")
				p.w("<p>See <a href=\"#response-%s\">%s</a>.</p>\n", attr(name), esc(name))
				continue
			}
			p.responseBody(r)
		}
	}
	p.w("</section>\n")
}

func (p *pageWriter) responseBody(r *jnode) {
	p.w("%s", markdown(r.str("description")))
	if hs := r.get("headers"); hs != nil {
		for i, name := range hs.keys {
			p.w("<p>Header <code>%s</code>, e.g. <code>%s</code></p>\n", esc(name), esc(hs.vals[i].str("example")))
		}
	}
	p.content(r.get("content"))
}

func (p *pageWriter) content(c *jnode) {
	if c == nil {
		return
	}
	for i, mime := range c.keys {
		m := c.vals[i]
		p.w("<p><code>%s</code></p>\n<pre>%s</pre>\n", esc(mime), prettyJSON(m.get("schema"), true))
		if ex := m.get("example"); ex != nil {
			p.w("<p>Example:</p>\n<pre>%s</pre>\n", prettyJSON(ex, false))
		}
		if exs := m.get("examples"); exs != nil {
			for j, name := range exs.keys {
				ex := exs.vals[j]
				label := name
				if s := ex.str("summary"); s != "" {
					label += ": " + s
				}
				p.w("<p>Example %s</p>\n<pre>%s</pre>\n", esc(label), prettyJSON(ex.get("value"), false))
			}
		}
	}
}

// prettyJSON writes n as indented JSON, HTML-escaped; short values stay
// on one line. With links, "$ref" values become links to the page's
// schema and response sections.
func prettyJSON(n *jnode, links bool) string {
	var b strings.Builder
	writePretty(&b, n, "", links)
	return b.String()
}

func writePretty(b *strings.Builder, n *jnode, indent string, links bool) {
	if n == nil {
		b.WriteString("null")
		return
	}
	if n.kind != '{' && n.kind != '[' {
		b.WriteString(esc(compactJSON(n)))
		return
	}
	if links && n.kind == '{' && len(n.keys) == 1 && n.keys[0] == "$ref" && n.vals[0].kind == 's' {
		b.WriteString(`{"$ref": ` + refLink(n.vals[0].text) + "}")
		return
	}
	if c := compactJSON(n); len(c)+len(indent) <= 76 && !(links && strings.Contains(c, `"$ref"`)) {
		b.WriteString(esc(c))
		return
	}
	open, close := "[", "]"
	if n.kind == '{' {
		open, close = "{", "}"
	}
	b.WriteString(open + "\n")
	inner := indent + "  "
	for i, v := range n.vals {
		b.WriteString(inner)
		if n.kind == '{' {
			b.WriteString(esc(quote(n.keys[i])) + ": ")
		}
		if n.kind == '{' && n.keys[i] == "$ref" && links && v.kind == 's' {
			b.WriteString(refLink(v.text))
		} else {
			writePretty(b, v, inner, links)
		}
		if i < len(n.vals)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString(indent + close)
}

func refLink(ref string) string {
	for _, kind := range [...]string{"schemas", "responses"} {
		if name, ok := strings.CutPrefix(ref, "#/components/"+kind+"/"); ok {
			return fmt.Sprintf("<a href=\"#%s-%s\">%s</a>", strings.TrimSuffix(kind, "s"), attr(name), esc(quote(ref)))
		}
	}
	return esc(quote(ref))
}

func compactJSON(n *jnode) string {
	switch n.kind {
	case 's':
		return quote(n.text)
	case 'n', 'b':
		return n.text
	case '0':
		return "null"
	}
	parts := make([]string, len(n.vals))
	for i, v := range n.vals {
		if n.kind == '{' {
			parts[i] = quote(n.keys[i]) + ": " + compactJSON(v)
		} else {
			parts[i] = compactJSON(v)
		}
	}
	if n.kind == '{' {
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// esc escapes text content; attr escapes attribute values.
func esc(s string) string { return textEscaper.Replace(s) }

func attr(s string) string { return html.EscapeString(s) }

var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

var (
	mdCode   = regexp.MustCompile("`([^`]+)`")
	mdStrong = regexp.MustCompile(`\*\*([^*]+)\*\*`)
)

// markdown renders the little Markdown the document's descriptions use:
// paragraphs, **strong** and `code`.
func markdown(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	for para := range strings.SplitSeq(s, "\n\n") {
		t := esc(strings.TrimSpace(para))
		t = mdCode.ReplaceAllString(t, "<code>$1</code>")
		t = mdStrong.ReplaceAllString(t, "<strong>$1</strong>")
		b.WriteString("<p>" + t + "</p>\n")
	}
	return b.String()
}
