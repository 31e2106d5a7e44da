package objstore

import (
	"fmt"
	"slices"
	"strings"

	"occupancy/generator/tree"
)

// Local is the tree to publish, as planning sees it.
type Local struct {
	Manifest     *tree.Manifest
	ManifestData []byte            // the bytes of its manifest.json
	MD5          map[string]string // tree path → hex MD5 of the file (manifest.json included)
}

// Remote is what the bucket holds under the target's prefix.
type Remote struct {
	// Manifest is the bucket's manifest.json, nil when it has none (or an
	// unreadable one). It is only a hint: every upload decision is checked
	// against the listing, so a crashed or interrupted run cannot make a
	// later run skip a file.
	Manifest     *tree.Manifest
	ManifestData []byte
	// Objects holds every listed key under the prefix, by tree path.
	Objects map[string]Object
}

// Object is one listed object, and what its user metadata says once it
// has been read (a HEAD request) for the keys [NeedStat] names.
type Object struct {
	Size int64
	ETag string // without quotes; the MD5 of the bytes for a single-part upload without SSE-KMS/SSE-C
	// Stated is true when the metadata below was read.
	Stated bool
	SHA256 string // the occupancy-sha256 metadata: the SHA-256 of the bytes this tool uploaded
	Path   string // the occupancy-path metadata: the tree path this tool uploaded the object as
}

// Step is one upload.
type Step struct {
	Entry   tree.ManifestEntry // Path, SHA256, Size, Encoding; for manifest.json only Path, SHA256 and Size
	Headers Headers
	Reason  string // "new", "changed", "missing" (the bucket's manifest claims it but the key is absent)
}

// Plan is the ordered work of one publication: Files are uploaded first
// (in any order, in parallel), then Manifest, then Snapshot (the sidecars'
// signal that a release is complete), then Deletes. A phase starts only
// when the one before it succeeded.
type Plan struct {
	Release, Previous string // new release and the bucket's ("" when none)

	Files    []Step
	Manifest *Step // nil when the bucket's manifest.json has these bytes
	Snapshot *Step // nil when the bucket's snapshot has these bytes
	Deletes  []string

	Unchanged int   // files (manifest.json included) already in place
	Foreign   int   // keys under the prefix that this tool did not write: left alone
	Bytes     int64 // to upload
}

// Empty reports whether the plan does nothing.
func (p *Plan) Empty() bool {
	return len(p.Files) == 0 && p.Manifest == nil && p.Snapshot == nil && len(p.Deletes) == 0
}

// Uploads returns the number of uploads.
func (p *Plan) Uploads() int {
	n := len(p.Files)
	if p.Manifest != nil {
		n++
	}
	if p.Snapshot != nil {
		n++
	}
	return n
}

// Ops lists the plan's operations in execution order, one "put <path>
// (<reason>)" or "delete <path>" per line, for dry runs and logs.
func (p *Plan) Ops() []string {
	var ops []string
	for _, s := range p.Files {
		ops = append(ops, fmt.Sprintf("put %s (%s)", s.Entry.Path, s.Reason))
	}
	for _, s := range []*Step{p.Manifest, p.Snapshot} {
		if s != nil {
			ops = append(ops, fmt.Sprintf("put %s (%s)", s.Entry.Path, s.Reason))
		}
	}
	for _, d := range p.Deletes {
		ops = append(ops, "delete "+d)
	}
	return ops
}

// treeRoots returns the first path segments of the files of the manifests:
// the only places where a key this tool did not list in a manifest is
// looked at (and deleted if its metadata says this tool wrote it there).
func treeRoots(ms ...*tree.Manifest) map[string]bool {
	roots := map[string]bool{tree.ManifestName: true}
	for _, m := range ms {
		if m == nil {
			continue
		}
		for _, e := range m.Files {
			first, _, _ := strings.Cut(e.Path, "/")
			roots[first] = true
		}
	}
	return roots
}

func entries(m *tree.Manifest) map[string]tree.ManifestEntry {
	out := map[string]tree.ManifestEntry{}
	if m != nil {
		for _, e := range m.Files {
			out[e.Path] = e
		}
	}
	return out
}

// sameBytes reports whether the listed object o holds the bytes of entry e
// (whose MD5 is md5): same size, and the same ETag, or (once stated) the
// same SHA-256 metadata.
func sameBytes(o Object, size int, sha, md5 string) bool {
	if o.Size != int64(size) {
		return false
	}
	if md5 != "" && strings.EqualFold(o.ETag, md5) {
		return true
	}
	return o.Stated && o.SHA256 == sha
}

// NeedStat returns the tree paths whose metadata [Plan] needs: listed files
// of the new tree whose ETag is not their MD5 although the bucket's
// manifest says they did not change (an SSE bucket, a multipart upload,
// or a file overwritten by an interrupted run), and keys in the tree's
// folders that no manifest lists (left by an interrupted run, or not
// this tool's).
func NeedStat(local Local, remote Remote) []string {
	next, prev := entries(local.Manifest), entries(remote.Manifest)
	roots := treeRoots(local.Manifest, remote.Manifest)
	var out []string
	for p, o := range remote.Objects {
		if p == tree.ManifestName {
			continue
		}
		if e, ok := next[p]; ok {
			old, inPrev := prev[p]
			if o.Size == int64(e.Size) && !strings.EqualFold(o.ETag, local.MD5[p]) && inPrev && old.SHA256 == e.SHA256 {
				out = append(out, p)
			}
			continue
		}
		if _, inPrev := prev[p]; inPrev {
			continue
		}
		first, _, _ := strings.Cut(p, "/")
		if roots[first] {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// MakePlan computes what to upload and delete so that the bucket holds
// the local tree. It is pure: remote must hold the listing, with metadata
// read for the paths [NeedStat] returns (others are treated as unknown).
func MakePlan(local Local, remote Remote) *Plan {
	plan := &Plan{Release: local.Manifest.Release}
	if remote.Manifest != nil {
		plan.Previous = remote.Manifest.Release
	}
	prev := entries(remote.Manifest)
	for _, e := range local.Manifest.Files {
		o, listed := remote.Objects[e.Path]
		if listed && sameBytes(o, e.Size, e.SHA256, local.MD5[e.Path]) {
			plan.Unchanged++
			continue
		}
		s := Step{Entry: e, Headers: HeadersFor(e), Reason: "changed"}
		if !listed {
			s.Reason = "new"
			if _, ok := prev[e.Path]; ok {
				s.Reason = "missing"
			}
		}
		plan.Bytes += int64(e.Size)
		if e.Path == tree.SnapshotName {
			plan.Snapshot = &s
		} else {
			plan.Files = append(plan.Files, s)
		}
	}
	slices.SortFunc(plan.Files, func(a, b Step) int { return strings.Compare(a.Entry.Path, b.Entry.Path) })

	// manifest.json: compared by its bytes, which the bucket's copy was read for.
	me := tree.ManifestEntry{Path: tree.ManifestName, Kind: "manifest", Size: len(local.ManifestData), SHA256: sha256Hex(local.ManifestData)}
	if o, listed := remote.Objects[tree.ManifestName]; listed && remote.ManifestData != nil && string(remote.ManifestData) == string(local.ManifestData) && o.Size == int64(me.Size) {
		plan.Unchanged++
	} else {
		reason := "changed"
		if !listed {
			reason = "new"
		}
		plan.Manifest = &Step{Entry: me, Headers: HeadersFor(me), Reason: reason}
		plan.Bytes += int64(me.Size)
	}

	// Deletes: keys of the previous manifest, and keys this tool wrote at
	// that path (its metadata says so), that the new tree does not hold.
	next := entries(local.Manifest)
	for p, o := range remote.Objects {
		if _, keep := next[p]; keep || p == tree.ManifestName {
			continue
		}
		_, inPrev := prev[p]
		if inPrev || (o.Stated && o.Path == p) {
			plan.Deletes = append(plan.Deletes, p)
		} else {
			plan.Foreign++
		}
	}
	slices.Sort(plan.Deletes)
	return plan
}
