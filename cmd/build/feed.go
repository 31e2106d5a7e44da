package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"occupancy/generator"
	"occupancy/generator/tree"
	"occupancy/source"
)

// maxKeepChanges bounds -keep-changes: each release kept is read back
// and written again by every build.
const maxKeepChanges = 500

// changeFeed is what a build adds to the change feed: its comparison
// with the published release, dated, and the sets the published tree
// keeps.
type changeFeed struct {
	keep    int
	changes *source.Changes
	partial bool // compared by names only
	date    time.Time
	history []*generator.ChangeSet // of the published tree, newest first
}

// readHistory reads back the change feed of the tree out replaces: its
// list and every set it lists, each checked against the manifest's hash.
// A tree without a feed has none; a feed that cannot be read stops the
// build, since publishing would drop it.
func (f *changeFeed) readHistory(out *tree.Output) error {
	if f.keep == 0 {
		return nil
	}
	fail := func(err error) error {
		return fmt.Errorf("read the change feed of %s: %w; to start the feed afresh, build once with -keep-changes 0", out.Path(), err)
	}
	data, err := out.ReadPrevious(tree.ChangeLogPath)
	if err != nil || data == nil {
		if err != nil {
			return fail(err)
		}
		return nil
	}
	log, err := generator.ParseChangeLog(data)
	if err != nil {
		return fail(err)
	}
	for _, s := range log.Releases[:min(len(log.Releases), f.keep)] {
		data, err := out.ReadPrevious(s.Path)
		if err == nil && data == nil {
			err = errors.New(filepath.FromSlash(s.Path) + " is listed but not in the manifest")
		}
		if err != nil {
			return fail(err)
		}
		set, err := generator.ParseChangeSet(data, s)
		if err != nil {
			return fail(err)
		}
		f.history = append(f.history, set)
	}
	return nil
}

// options hands the feed to the renderer of the tree that replaces out.
func (f *changeFeed) options(opt *generator.Options, out *tree.Output) {
	opt.KeepChanges, opt.Date, opt.History = f.keep, f.date, f.history
	opt.Changes, opt.PartialChanges = f.changes, f.partial
	if m := out.Previous(); m != nil {
		opt.Previous = m.Release
	}
}

// summary says what the build adds to the feed (would add, for a plan),
// or "" when the feed is off.
func (f *changeFeed) summary(plan bool) string {
	if f.keep == 0 {
		return ""
	}
	listed := "listed"
	if plan {
		listed = "would be listed"
	}
	if f.changes.First {
		return fmt.Sprintf("change feed: nothing to list before a release replaces this one (the last %d releases are kept in %s)", f.keep, tree.ChangesDir)
	}
	n := 0
	for _, k := range f.changes.Kinds {
		n += len(k.Added) + len(k.Removed) + len(k.Changed) + len(k.Moved)
	}
	if n == 0 {
		return fmt.Sprintf("change feed: nothing to add (the last %d releases are kept in %s)", f.keep, tree.ChangesDir)
	}
	return fmt.Sprintf("change feed: %d changes of this release %s in %s (the last %d releases are kept)", n, listed, tree.ChangesDir, f.keep)
}
