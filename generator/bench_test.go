package generator_test

import (
	"fmt"
	"occupancy/generator/tree"
	"os"
	"path/filepath"
	"testing"

	"occupancy/generator"
	"occupancy/source"
	"occupancy/source/csv"
	"occupancy/source/sample"
)

// BenchmarkBuild measures a whole build of the sample (scale 1) and of a
// release 10 times larger, next to its parts: only reading the rows, only
// checking them, only rendering, and only writing the same bytes to files
// (no rendering), all in one run so that their ratios can be compared.
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
		rel, err := source.Decode(raw)
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
				if _, err := source.Decode(raw); err != nil {
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
		b.Run(name+"/write-only", func(b *testing.B) {
			b.SetBytes(bytes)
			for b.Loop() {
				dir := b.TempDir()
				for _, f := range files {
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
			out := filepath.Join(b.TempDir(), "public")
			for b.Loop() {
				if _, err := tree.Publish(out, files, tree.PublishOptions{NoSync: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/full", func(b *testing.B) {
			b.SetBytes(bytes)
			out := filepath.Join(b.TempDir(), "public")
			for b.Loop() {
				raw, err := csv.ReadDir(in, csv.Options{})
				if err != nil {
					b.Fatal(err)
				}
				rel, err := source.Decode(raw)
				if err != nil {
					b.Fatal(err)
				}
				files, err := generator.Render(rel, generator.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tree.Publish(out, files, tree.PublishOptions{NoSync: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
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
