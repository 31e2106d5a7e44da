// Command gen writes the sample release as CSV files, one per sheet:
//
//	go run ./source/sample/internal/gen [-out dir] [-scale n]
//
// `go generate ./source/sample` runs it to refresh the files package
// sample embeds.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"occupancy/source/sample/internal/synth"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "data", "folder to write the CSV files to (created if missing)")
	scale := fs.Int("scale", 1, "scale factor: how many blocks of rooms, courses and timetable")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *scale < 1 {
		return fmt.Errorf("invalid -scale %d: must be at least 1", *scale)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("invalid -out: %w", err)
	}
	return synth.WriteCSV(*out, synth.Generate(*scale))
}
