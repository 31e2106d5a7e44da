// Package sample is a realistic, EPFL-like timetable release, generated
// deterministically at the size of the campus: the two semesters of
// academic year 2026-2027, about 200 rooms, 650 teachers, 2,000 courses,
// 400 study plans, 1,850 weekly sessions (about 24,000 dated sessions once
// expanded over the semesters) and 3,700 dated bookings (1,700 course
// sessions, 2,000 events), modelled on the data behind Occupancy FLEP.
//
// [Generate] builds it as a [source.Raw], at any scale, for tests and
// benchmarks. [Files] holds it at scale 1 as the seven CSV files a release
// folder has, embedded in the binaries; `go generate ./source/sample`
// rewrites them from [Generate] with [WriteCSV].
package sample

//go:generate go run ./internal/gen -out data

import (
	"embed"
	"io/fs"

	"occupancy/source"
	"occupancy/source/csv"
	"occupancy/source/sample/internal/synth"
)

//go:embed data/*.csv
var data embed.FS

// Files returns the sample at scale 1 as a release folder: the files
// semesters.csv, rooms.csv, teachers.csv, courses.csv, studyplans.csv,
// sessions.csv and bookings.csv at its root, each with a header row of the
// documented column names. They hold exactly what WriteCSV writes for
// Generate(1). The file system is read-only and safe for concurrent use.
func Files() fs.FS {
	sub, err := fs.Sub(data, "data")
	if err != nil {
		panic(err) // "data" is a valid path
	}
	return sub
}

// Folder is the name of the release folder the sample stands for: a reader
// given it reports positions in files such as "sample/rooms.csv".
const Folder = synth.Folder

// Generate builds the sample release, deterministically, at the given scale
// (values below 1 count as 1).
//
// At scale 1 it has two semesters ("Semestre d'automne 2026-2027", fall,
// and "Semestre de printemps 2027", spring), about 200 rooms, 650
// teachers, 2,000 courses (a quarter of them doctoral), 400 study plans,
// 1,850 weekly sessions and 3,700 dated bookings: about 25,000 dated course
// sessions once the weekly ones are expanded, and 2,000 events. Among them
// are three rooms booked back-to-back all day, every weekday (two on
// EPFL's hours, 08:15–10:00, 10:15–12:00, … 17:15–19:00; one in two-hour
// blocks that touch, 08:00–10:00, 10:00–12:00, … 18:00–20:00), project
// studios and events from 08:00 to 18:00 in three to six rooms, and events
// off the quarter-hour grid (09:07–10:53). Scale n has the same two
// semesters and n blocks of the rest: block 0 is the scale-1 sample, and
// block k ≥ 1 is drawn from its own random stream, its room names, course
// codes and unit codes ending in "-<k+1>" (teachers keep natural names,
// unique across blocks). A block's sessions and bookings use only its own
// rooms and courses, so every count grows with the scale: scale 10 has
// about 2,000 rooms, 20,000 courses, 250,000 dated course sessions and
// 20,000 events.
//
// Every table is marked found, with File "sample/<sheet>.csv", its sheet
// name and a header mapping each normalized column name of
// [source.Sheets] to its 1-based position in specification order, as a
// reader fills them for the CSV folder "sample"; each row's Line is 0.
// Every value is valid: a build of the result reports no problem. Times
// are on the quarter-hour, except those of some events.
//
// Each call returns a new Raw that the caller may modify.
func Generate(scale int) *source.Raw { return synth.Generate(scale) }

// Release reads and checks the embedded sample, as cmd/build does when it
// is given no release.
func Release() (*source.Release, error) {
	raw, err := csv.ReadFS(Files(), Folder, csv.Options{})
	if err != nil {
		return nil, err
	}
	return source.Check(raw)
}

// WriteCSV writes each sheet of raw that is found to dir/<sheet>.csv, the
// way [Files] holds them: a header row of the documented column names of
// [source.Sheets] in specification order, one record per row in that
// order, comma-separated with LF line ends, fields quoted only when needed.
// Each file is replaced atomically. The directory must exist.
func WriteCSV(dir string, raw *source.Raw) error { return synth.WriteCSV(dir, raw) }
