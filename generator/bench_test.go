package generator_test

import (
	"context"
	"fmt"
	"occupancy/generator/tree"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"occupancy/generator"
	"occupancy/source"
	"occupancy/source/csv"
	"occupancy/source/sample"
)

// BenchmarkBuild measures a whole build of the sample (scale 1) and of a
// release 10 times larger, as cmd/build makes it (read, check, render
// file by file into the tree's writer, which hashes, compresses and
// writes, then the swap), next to its parts: only reading the rows, only
// checking them, only rendering (into memory), only compressing, and only
// writing the same bytes, compressed copies included, to files; all in
// one run so that their ratios can be compared. Every build writes a new
// folder: these are first builds, without fsync.
//
//	go test -run '^$' -bench Build -benchmem ./generator
func BenchmarkBuild(b *testing.B) {
	for _, scale := range []int{1, 10} {
		in := b.TempDir()
		if err := csv.WriteDir(in, sample.Generate(scale)); err != nil {
			b.Fatal(err)
		}
		raw, err := csv.ReadDir(in, csv.Options{})
		if err != nil {
			b.Fatal(err)
		}
		rel, err := source.Check(raw)
		if err != nil {
			b.Fatal(err)
		}
		files, err := generator.Render(rel, generator.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var bytes int64
		for _, f := range files {
			bytes += int64(len(f.Data))
		}
		all, _, err := tree.Precompress(files, tree.CompressOptions{})
		if err != nil {
			b.Fatal(err)
		}
		root := b.TempDir()
		n := 0
		fresh := func() string { // a new output folder, removed after the benchmark
			n++
			return filepath.Join(root, strconv.Itoa(n))
		}
		name := fmt.Sprintf("scale=%d", scale)
		b.Run(name+"/read", func(b *testing.B) {
			for b.Loop() {
				if _, err := csv.ReadDir(in, csv.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/check", func(b *testing.B) {
			for b.Loop() {
				if _, err := source.Check(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/render", func(b *testing.B) {
			b.SetBytes(bytes)
			for b.Loop() {
				if _, err := generator.Render(rel, generator.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/compress", func(b *testing.B) {
			b.SetBytes(bytes)
			for b.Loop() {
				if _, _, err := tree.Precompress(files, tree.CompressOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/write-only", func(b *testing.B) {
			b.SetBytes(bytes)
			for b.Loop() {
				dir := fresh()
				for _, f := range all {
					p := filepath.Join(dir, filepath.FromSlash(f.Path))
					os.MkdirAll(filepath.Dir(p), 0o755)
					if err := os.WriteFile(p, f.Data, 0o644); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(name+"/publish", func(b *testing.B) {
			b.SetBytes(bytes)
			for b.Loop() {
				if _, err := tree.Publish(fresh(), files, tree.PublishOptions{NoSync: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/full", func(b *testing.B) {
			b.SetBytes(bytes)
			for b.Loop() {
				raw, err := csv.ReadDir(in, csv.Options{})
				if err != nil {
					b.Fatal(err)
				}
				rel, err := source.Check(raw)
				if err != nil {
					b.Fatal(err)
				}
				out, err := tree.OpenOutput(context.Background(), fresh(), tree.OpenOptions{})
				if err != nil {
					b.Fatal(err)
				}
				w, err := out.Begin(tree.PublishOptions{NoSync: true})
				if err != nil {
					b.Fatal(err)
				}
				if err := generator.RenderTo(rel, generator.Options{}, w); err != nil {
					b.Fatal(err)
				}
				if _, err := w.Commit(); err != nil {
					b.Fatal(err)
				}
				out.Close()
			}
		})
		os.RemoveAll(root) // before the next scale's runs
	}
}

// BenchmarkFeedDuplicates renders the feeds of a course whose weekly
// session is repeated n times, identical: every occurrence of a start
// shares its UID key and is numbered. The cost grows linearly with n.
//
//	go test -run '^$' -bench FeedDuplicates ./generator
func BenchmarkFeedDuplicates(b *testing.B) {
	for _, n := range []int{500, 1000, 2000} {
		rel := duplicatedSessions(b, n)
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := generator.Render(rel, generator.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkChangeFeed measures what the change feed costs a build, at
// campus size and 3, 10 and 30 times it, for a release that moves one weekly
// session in 50 to other rooms and one booking in 50 to the next day,
// with 19 earlier releases of the same size kept in the feed: the
// comparison of the two releases (source.Compare), turning it into a
// change set (NewChangeSet), and rendering the whole tree without the
// feed and with it (the difference is the feed's files: its lists and
// sets, and every room's, course's and study plan's changes.json and
// Atom feed). The render is measured up to 10 times the campus: at 30
// times, one render holds several GB, and BenchmarkBuild gives its growth.
//
//	go test -run '^$' -bench ChangeFeed -benchmem ./generator
func BenchmarkChangeFeed(b *testing.B) {
	for _, scale := range []int{1, 3, 10, 30} {
		old, err := source.Check(sample.Generate(scale))
		if err != nil {
			b.Fatal(err)
		}
		new := *old
		new.Sessions = slices.Clone(old.Sessions)
		new.Bookings = slices.Clone(old.Bookings)
		for i := 0; i+1 < len(new.Sessions); i += 50 {
			new.Sessions[i].Rooms = new.Sessions[i+1].Rooms
		}
		for i := 0; i < len(new.Bookings); i += 50 {
			new.Bookings[i].Date = new.Bookings[i].Date.AddDate(0, 0, 1)
		}
		changes := source.Compare(old, &new)
		set := generator.NewChangeSet(changes, strings.Repeat("1", 64), strings.Repeat("0", 64), changeDate)
		history := make([]*generator.ChangeSet, 19)
		for i := range history {
			s := *set
			s.ID = fmt.Sprintf("%012x", i)
			s.Path = tree.ChangeSetPath(s.ID)
			history[i] = &s
		}
		name := fmt.Sprintf("scale=%d", scale)
		b.Logf("%s: %d changes (%d sessions moved, %d bookings moved)", name, len(set.Changes), len(changes.Kind("sessions").Moved), len(changes.Kind("bookings").Moved))
		b.Run(name+"/compare", func(b *testing.B) {
			for b.Loop() {
				source.Compare(old, &new)
			}
		})
		b.Run(name+"/changeset", func(b *testing.B) {
			for b.Loop() {
				generator.NewChangeSet(changes, "r", "p", changeDate)
			}
		})
		if scale > 10 {
			continue
		}
		opt := generator.Options{Changes: changes, Previous: "p", History: history, Date: changeDate}
		for _, keep := range []int{0, 20} {
			opt.KeepChanges = keep
			var files, bytes int
			b.Run(fmt.Sprintf("%s/render-keep=%d", name, keep), func(b *testing.B) {
				for b.Loop() {
					fs, err := generator.Render(&new, opt)
					if err != nil {
						b.Fatal(err)
					}
					files, bytes = len(fs), 0
					for _, f := range fs {
						bytes += len(f.Data)
					}
				}
			})
			b.Logf("%s keep=%d: %d files, %d bytes", name, keep, files, bytes)
		}
	}
}
