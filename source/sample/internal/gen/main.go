// Command gen writes the sample release at a scale, as a folder of CSV
// files (one per sheet) or as one workbook:
//
//	go run ./source/sample/internal/gen [-scale n] [-format csv|xlsx] [-out path]
//
// With -format csv (the default), -out is a folder, created if missing
// (default "data"); with -format xlsx, -out is the workbook's file
// (default "release.xlsx"), replaced atomically. `go generate
// ./source/sample` runs it to refresh the files package sample embeds;
//
//	go run ./source/sample/internal/gen -scale 10 -format xlsx -out /tmp/r10.xlsx
//
// writes the release ten times the campus as a workbook.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"

	"occupancy/source/sample/internal/synth"
	"occupancy/source/xlsx"
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
	out := fs.String("out", "", `where to write: a folder for csv (default "data"), a file for xlsx (default "release.xlsx")`)
	scale := fs.Int("scale", 1, "scale factor: how many blocks of rooms, courses and timetable (1 = the campus)")
	format := fs.String("format", "csv", "csv (a folder of <sheet>.csv files) or xlsx (one workbook)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *scale < 1 {
		return fmt.Errorf("invalid -scale %d: must be at least 1", *scale)
	}
	switch *format {
	case "csv":
		dir := *out
		if dir == "" {
			dir = "data"
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("invalid -out: %w", err)
		}
		return synth.WriteCSV(dir, synth.Generate(*scale))
	case "xlsx":
		path := *out
		if path == "" {
			path = "release.xlsx"
		}
		return writeXLSX(path, *scale)
	default:
		return fmt.Errorf("invalid -format %q: want csv or xlsx", *format)
	}
}

// writeXLSX writes the release at scale as a workbook, atomically.
func writeXLSX(path string, scale int) error {
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, synth.Generate(scale)); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return synth.WriteFile(path, buf.Bytes())
}
