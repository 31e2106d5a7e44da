package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"

	"occupancy/generator/tree"
	"occupancy/source"
)

// How many examples of each list of changes are printed: a few in the
// build's report, more in a plan or a refusal.
const (
	reportExamples = 3
	planExamples   = 8
)

// minRemoved is the fewest removals of one kind that can make a release
// shrink too much: a small release losing two of its five rooms is an
// operator's choice, not a broken file.
const minRemoved = 10

// errShrink is the error of a release refused for removing too much of
// what is published (see guard).
var errShrink = errors.New("the release would remove too much of what is published")

// shrinkError lists what a refused release would remove.
type shrinkError struct {
	losses []source.Loss
	limit  float64
}

func (e *shrinkError) Error() string {
	parts := make([]string, len(e.losses))
	for i, l := range e.losses {
		parts[i] = l.String()
	}
	return fmt.Sprintf("%v (%s; the limit is %g%% of each, -max-removed): the published output is unchanged. "+
		"If a sheet was saved wrongly or cut short, fix the release; if the removal is meant (a new semester, a campus closed), run again with -allow-shrink",
		errShrink, strings.Join(parts, "; "), e.limit)
}

func (e *shrinkError) Unwrap() error { return errShrink }

// guard refuses a release that would remove more than cfg.MaxRemoved
// percent of the published rooms, courses, study plans or sessions, or
// empty a sheet that was not empty, unless cfg.AllowShrink.
func guard(cfg Config, c *source.Changes) error {
	if cfg.AllowShrink {
		return nil
	}
	losses := c.Losses(cfg.MaxRemoved/100, minRemoved)
	if len(losses) == 0 {
		return nil
	}
	return &shrinkError{losses: losses, limit: cfg.MaxRemoved}
}

// compare compares rel, whose record is record, with the release
// published in out. The same record as the published one is the same
// release, which needs no reading back. A tree written before builds
// recorded their release is compared by the names its manifest lists:
// rooms, courses and study plans only, which partial reports.
func compare(out *tree.Output, rel *source.Release, record []byte, stderr io.Writer) (c *source.Changes, partial bool, err error) {
	if m := out.Previous(); m != nil {
		sum := sha256.Sum256(record)
		for _, e := range m.Files {
			if e.Path == tree.RecordName && e.SHA256 == hex.EncodeToString(sum[:]) {
				return source.Compare(rel, rel), false, nil
			}
		}
	}
	changes, err := comparePrevious(out, rel, record)
	switch {
	case errors.Is(err, source.ErrRecordVersion):
		fmt.Fprintf(stderr, "warning: %v: only the published rooms, courses and study plans are compared\n", err)
		return compareNames(out.Previous(), rel), true, nil
	case err != nil:
		return nil, false, fmt.Errorf("compare with the published release: %w", err)
	case changes == nil && out.Previous() != nil:
		fmt.Fprintf(stderr, "warning: %s was published by an older build, which did not record its release: only its rooms, courses and study plans are compared\n", out.Path())
		return compareNames(out.Previous(), rel), true, nil
	case changes == nil:
		return source.Compare(nil, rel), false, nil
	}
	return changes, false, nil
}

// comparePrevious compares rel, whose record is record, with the release
// recorded in the tree out replaces, or returns nil when there is no tree
// or its build recorded none.
func comparePrevious(out *tree.Output, rel *source.Release, record []byte) (*source.Changes, error) {
	data, err := out.ReadPrevious(tree.RecordName)
	if err != nil || data == nil {
		return nil, err
	}
	changes, err := source.CompareRecord(data, rel, record)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(out.Path(), tree.RecordName), err)
	}
	return changes, nil
}

// compareNames compares the rooms, courses and study plans that a manifest
// lists with those of rel, by name only.
func compareNames(m *tree.Manifest, rel *source.Release) *source.Changes {
	old := &source.Release{}
	for _, e := range m.Files {
		dir, file := path.Split(e.Path)
		if e.Encoding != "" || file != tree.IndexName {
			continue
		}
		name := path.Base(dir)
		switch e.Kind {
		case tree.KindRoom:
			old.Rooms = append(old.Rooms, source.Room{Name: name, Available: true})
		case tree.KindCourse:
			old.Courses = append(old.Courses, source.Course{Code: name})
		case tree.KindStudyPlan:
			old.StudyPlans = append(old.StudyPlans, source.StudyPlan{ID: name})
		}
	}
	c := source.Compare(old, rel)
	kept := c.Kinds[:0]
	for _, k := range c.Kinds {
		switch k.Kind {
		case "rooms", "courses", "studyplans":
			k.Changed = nil // the names are all the old tree tells
			kept = append(kept, k)
		}
	}
	c.Kinds = kept
	return c
}
