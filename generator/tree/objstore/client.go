package objstore

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Credentials sign the requests. Give them through the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), never on
// a command line, where ps shows them.
type Credentials struct {
	AccessKey, SecretKey, SessionToken string
}

// CredentialsFromEnv reads the standard AWS variables through getenv.
func CredentialsFromEnv(getenv func(string) string) (Credentials, error) {
	c := Credentials{AccessKey: getenv("AWS_ACCESS_KEY_ID"), SecretKey: getenv("AWS_SECRET_ACCESS_KEY"), SessionToken: getenv("AWS_SESSION_TOKEN")}
	var missing []string
	if c.AccessKey == "" {
		missing = append(missing, "AWS_ACCESS_KEY_ID")
	}
	if c.SecretKey == "" {
		missing = append(missing, "AWS_SECRET_ACCESS_KEY")
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("missing credentials: set %s in the environment", strings.Join(missing, " and "))
	}
	return c, nil
}

// Endpoint is an S3 API's address.
type Endpoint struct {
	Host   string // host[:port]
	Secure bool   // https
}

// AWSEndpoint is Amazon S3's.
var AWSEndpoint = Endpoint{Host: "s3.amazonaws.com", Secure: true}

// ParseEndpoint parses http://host:port, https://host:port or host:port
// (https). "" is Amazon S3. Its errors never show an endpoint holding an
// "@", which may be credentials (they belong in the environment).
func ParseEndpoint(s string) (Endpoint, error) {
	if s == "" {
		return AWSEndpoint, nil
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	invalid := func(why string) error {
		if strings.Contains(s, "@") {
			return fmt.Errorf("invalid endpoint (not shown: it holds an @): %s; give credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, not in the URL", why)
		}
		return fmt.Errorf("invalid endpoint %q: %s", s, why)
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return Endpoint{}, invalid("not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return Endpoint{}, invalid("want http:// or https://")
	case u.User != nil:
		return Endpoint{}, invalid("credentials in the URL")
	case u.Host == "":
		return Endpoint{}, invalid("no host")
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return Endpoint{}, invalid("give only scheme, host and port (the bucket goes in -s3)")
	}
	return Endpoint{Host: u.Host, Secure: u.Scheme == "https"}, nil
}

// Lookup is how the bucket is addressed: "auto" (path style, except on
// Amazon S3 and the few stores minio-go recognizes), "path"
// (http://host/bucket/key) or "dns" (http://bucket.host/key).
type Lookup string

func lookupType(l Lookup) (minio.BucketLookupType, error) {
	switch l {
	case "", "auto":
		return minio.BucketLookupAuto, nil
	case "path":
		return minio.BucketLookupPath, nil
	case "dns":
		return minio.BucketLookupDNS, nil
	}
	return 0, errors.New(`want "auto", "path" or "dns"`)
}

// CheckLookup validates a lookup style.
func CheckLookup(l Lookup) error {
	_, err := lookupType(l)
	return err
}

// NewClient returns a client of the endpoint. region "" lets the client
// ask the bucket's region (us-east-1 for most S3-compatible stores).
func NewClient(ep Endpoint, region string, lookup Lookup, cred Credentials) (*minio.Client, error) {
	lt, err := lookupType(lookup)
	if err != nil {
		return nil, err
	}
	return minio.New(ep.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(cred.AccessKey, cred.SecretKey, cred.SessionToken),
		Secure:       ep.Secure,
		Region:       region,
		BucketLookup: lt,
	})
}
