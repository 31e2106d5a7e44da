// Command export writes a timetable release as CSV files for PostgreSQL, for
// the comparison benchmark of scripts/compare-postgres.sh. It reads the
// release exactly as cmd/build does (csv.ReadFS of the embedded sample, or
// csv.ReadDir of a folder, then source.Check and Release.Occurrences) and
// writes, into -out:
//
//	rooms.csv      name,type,capacity,lat,lon    available rooms only
//	bookings.csv   room,during                   one row per occurrence per available room,
//	                                             during = tsrange '[start,end)' in wall-clock time
//	semesters.csv  name,start,end                dates, inclusive
//
// Each file has no header row (COPY … CSV reads it as is).
//
//	go run ./scripts/compare/export [-in release-folder] -out dir
package main

import (
	stdcsv "encoding/csv"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"occupancy/source"
	"occupancy/source/csv"
	"occupancy/source/sample"
)

const stamp = "2006-01-02 15:04:05"

func main() {
	in := flag.String("in", "", "release folder of CSV files (default: the embedded sample)")
	out := flag.String("out", "", "folder to write the CSV files to (must exist)")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	if out == "" {
		return errors.New("-out is required")
	}
	var raw *source.Raw
	var err error
	if in == "" {
		raw, err = csv.ReadFS(sample.Files(), "sample", csv.Options{})
	} else {
		raw, err = csv.ReadDir(in, csv.Options{})
	}
	if err != nil {
		return err
	}
	rel, err := source.Check(raw)
	if err != nil {
		return err
	}

	available := map[string]bool{}
	var rooms, bookings, semesters [][]string
	for _, r := range rel.Rooms {
		if !r.Available {
			continue
		}
		available[r.Name] = true
		row := []string{r.Name, r.Type, "", "", ""}
		if r.Capacity != nil {
			row[2] = strconv.Itoa(*r.Capacity)
		}
		if c := r.Coordinates; c != nil {
			row[3] = strconv.FormatFloat(c[0], 'f', -1, 64)
			row[4] = strconv.FormatFloat(c[1], 'f', -1, 64)
		}
		rooms = append(rooms, row)
	}
	offGrid := 0
	for _, o := range rel.Occurrences() {
		if o.Start.Unix()%900 != 0 || o.End.Unix()%900 != 0 {
			offGrid++
		}
		during := "[" + o.Start.Format(stamp) + "," + o.End.Format(stamp) + ")"
		for _, name := range o.Rooms {
			if available[name] {
				bookings = append(bookings, []string{name, during})
			}
		}
	}
	for _, s := range rel.Semesters {
		semesters = append(semesters, []string{s.Name, s.Start.Format("2006-01-02"), s.End.Format("2006-01-02")})
	}
	for name, rows := range map[string][][]string{"rooms.csv": rooms, "bookings.csv": bookings, "semesters.csv": semesters} {
		if err := write(filepath.Join(out, name), rows); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "export: %d rooms, %d booking rows, %d semesters\n", len(rooms), len(bookings), len(semesters))
	if offGrid > 0 {
		// bookings keeps their exact times; the sidecar and the SQL
		// functions of index.sql both round them outward to slots.
		fmt.Fprintf(os.Stderr, "export: %d occurrences are not on 15-minute steps\n", offGrid)
	}
	return nil
}

func write(path string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := stdcsv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
