package objstore

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// s3Fake is an S3 API over HTTP, as much of it as MinioStore uses (path
// style, one bucket): the adapter's tests run minio-go against it. It
// records each request: method, path and query, and its headers but the
// ones that change from run to run (date, signature, user agent).
type s3Fake struct {
	bucket string
	mu     sync.Mutex
	// objects maps a key to its body and the headers it is served with.
	objects  map[string]s3FakeObject
	requests []string
	noBucket bool // the bucket does not exist (until a PUT of it)
}

type s3FakeObject struct {
	body   []byte
	header http.Header
}

func newS3Fake(t *testing.T, bucket string) (*s3Fake, *MinioStore) {
	t.Helper()
	f := &s3Fake{bucket: bucket, objects: map[string]s3FakeObject{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := NewClient(Endpoint{Host: strings.TrimPrefix(srv.URL, "http://")}, "us-east-1", "path", Credentials{AccessKey: "key", SecretKey: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	return f, NewMinioStore(c)
}

// record returns the request as one line: what the tests compare.
func (f *s3Fake) record(r *http.Request, body []byte) {
	var hs []string
	for name, v := range r.Header {
		switch name {
		case "X-Amz-Date", "User-Agent":
			continue
		case "Authorization": // the signed headers' names only
			_, signed, _ := strings.Cut(v[0], "SignedHeaders=")
			signed, _, _ = strings.Cut(signed, ",")
			v = []string{"SignedHeaders=" + signed}
		}
		hs = append(hs, name+": "+strings.Join(v, ","))
	}
	slices.Sort(hs)
	line := fmt.Sprintf("%s %s [%s]", r.Method, r.URL.RequestURI(), strings.Join(hs, "; "))
	if len(body) > 0 {
		line += fmt.Sprintf(" body md5 %s", md5Hex(body))
	}
	f.mu.Lock()
	f.requests = append(f.requests, line)
	f.mu.Unlock()
}

func (f *s3Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.record(r, body)
	f.mu.Lock()
	defer f.mu.Unlock()
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case bucket != f.bucket:
		s3FakeError(w, r, http.StatusNotFound, "NoSuchBucket")
	case key == "" && r.Method == http.MethodPut:
		f.noBucket = false
	case f.noBucket:
		s3FakeError(w, r, http.StatusNotFound, "NoSuchBucket")
	case key == "" && r.Method == http.MethodHead:
	case key == "" && r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2":
		f.list(w, r.URL.Query().Get("prefix"))
	case key == "":
		s3FakeError(w, r, http.StatusNotImplemented, "NotImplemented")
	case r.Method == http.MethodPut:
		h := http.Header{"Etag": {`"` + md5Hex(body) + `"`}}
		for name, v := range r.Header {
			if name == "Content-Type" || name == "Content-Encoding" || name == "Cache-Control" || strings.HasPrefix(name, "X-Amz-Meta-") {
				h[name] = v
			}
		}
		f.objects[key] = s3FakeObject{body: body, header: h}
		w.Header().Set("ETag", h.Get("Etag"))
	case r.Method == http.MethodDelete:
		delete(f.objects, key)
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		o, ok := f.objects[key]
		if !ok {
			s3FakeError(w, r, http.StatusNotFound, "NoSuchKey")
			return
		}
		maps.Copy(w.Header(), o.header)
		w.Header().Set("Content-Length", fmt.Sprint(len(o.body)))
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		if r.Method == http.MethodGet {
			w.Write(o.body)
		}
	default:
		s3FakeError(w, r, http.StatusNotImplemented, "NotImplemented")
	}
}

// list answers a ListObjectsV2 of prefix, in one page; f.mu is held.
func (f *s3Fake) list(w http.ResponseWriter, prefix string) {
	type content struct {
		Key          string
		ETag         string
		Size         int
		LastModified string
	}
	res := struct {
		XMLName     xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
		Name        string
		Prefix      string
		KeyCount    int
		MaxKeys     int
		IsTruncated bool
		Contents    []content
	}{Name: f.bucket, Prefix: prefix, MaxKeys: 1000}
	for _, k := range slices.Sorted(maps.Keys(f.objects)) {
		if strings.HasPrefix(k, prefix) {
			o := f.objects[k]
			res.Contents = append(res.Contents, content{Key: k, ETag: o.header.Get("Etag"), Size: len(o.body), LastModified: "2006-01-02T15:04:05.000Z"})
		}
	}
	res.KeyCount = len(res.Contents)
	w.Header().Set("Content-Type", "application/xml")
	xml.NewEncoder(w).Encode(res)
}

func s3FakeError(w http.ResponseWriter, r *http.Request, status int, code string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>fake %s</Message><Resource>%s</Resource></Error>`, code, code, r.URL.Path)
	}
}

// TestMinioStorePut: each upload is one PUT with the object's headers and
// metadata and its Content-MD5 (which the store checks), signed without a
// streaming (aws-chunked) payload, which some stores would keep in the
// object's Content-Encoding.
func TestMinioStorePut(t *testing.T) {
	f, s := newS3Fake(t, "site")
	data := []byte(`{"id":"A"}`)
	h := Headers{ContentType: "application/json; charset=utf-8", ContentEncoding: "gzip", CacheControl: CacheAPI}
	meta := map[string]string{MetaSHA256: sha256Hex(data), MetaPath: "api/rooms/A/index.json"}
	if err := s.Put(context.Background(), "site", "live/api/rooms/A/index.json", data, h, meta); err != nil {
		t.Fatal(err)
	}
	if len(f.requests) != 1 {
		t.Fatalf("requests %q, want one PUT", f.requests)
	}
	sum := md5.Sum(data)
	req := f.requests[0]
	for _, want := range []string{
		"PUT /site/live/api/rooms/A/index.json [",
		"Content-Md5: " + base64.StdEncoding.EncodeToString(sum[:]),
		"Content-Type: application/json; charset=utf-8",
		"Content-Encoding: gzip;",
		"Cache-Control: " + CacheAPI,
		"X-Amz-Meta-Occupancy-Sha256: " + sha256Hex(data),
		"X-Amz-Meta-Occupancy-Path: api/rooms/A/index.json",
		"X-Amz-Content-Sha256: UNSIGNED-PAYLOAD",
		"content-md5;",
	} {
		if !strings.Contains(req, want) {
			t.Errorf("request lacks %q:\n%s", want, req)
		}
	}
	for _, unwanted := range []string{"aws-chunked", "uploads", "STREAMING"} {
		if strings.Contains(req, unwanted) {
			t.Errorf("request holds %q:\n%s", unwanted, req)
		}
	}
}

// TestMinioStorePublish publishes two releases through minio-go to the
// fake S3 API: the adapter lists, reads, stats (a missing key is
// NoSuchKey), uploads and deletes as Publish expects.
func TestMinioStorePublish(t *testing.T) {
	f, s := newS3Fake(t, "site")
	ctx := context.Background()
	tg := Target{Bucket: "site", Prefix: "live"}
	if err := EnsureBucket(ctx, s, tg, "", false); err != nil {
		t.Fatal(err)
	}
	f.objects["live/api/rooms/NOTE.txt"] = s3FakeObject{body: []byte("keep me"), header: http.Header{"Etag": {`"x"`}}}
	d1, d2 := treeDir(t, release1()), treeDir(t, release2())
	l1, err := ReadLocal(d1)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := Publish(ctx, s, tg, d1, Options{}); err != nil || res.Uploaded != len(l1.Manifest.Files)+1 || res.Plan.Foreign != 1 {
		t.Fatalf("first release: %v, %v", res, err)
	}
	res, err := Publish(ctx, s, tg, d2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Previous != l1.Manifest.Release || res.Deleted != len(stale2) {
		t.Errorf("second release: %s", res)
	}
	for _, p := range stale2 {
		if _, ok := f.objects[tg.Key(p)]; ok {
			t.Errorf("%s not deleted", p)
		}
	}
	// Deleted behind its back, an object is put again: the listing's
	// quoted ETags match the MD5s of the others.
	delete(f.objects, tg.Key("api/rooms/C/index.json"))
	res, err = Publish(ctx, s, tg, d2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ops := res.Plan.Ops(); !slices.Equal(ops, []string{"put api/rooms/C/index.json (missing)"}) {
		t.Errorf("plan %q", ops)
	}

	// A missing object's stat is NoSuchKey; a bucket's absence, NoSuchBucket.
	if _, err := s.Stat(ctx, "site", "live/none"); errCode(err) != "NoSuchKey" {
		t.Errorf("stat of a missing key: %v (code %q)", err, errCode(err))
	}
	f.noBucket = true
	var e *Error
	if err := EnsureBucket(ctx, s, tg, "", false); !errors.As(err, &e) || e.Code != "NoSuchBucket" {
		t.Errorf("missing bucket: %v", err)
	}
	if err := EnsureBucket(ctx, s, tg, "eu-west-1", true); err != nil || f.noBucket {
		t.Errorf("create the bucket: %v", err)
	}
}
