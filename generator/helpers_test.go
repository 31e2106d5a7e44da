package generator_test

import (
	"occupancy/generator"
	"occupancy/source"
)

func sourceID(unit, semester string) string { return source.StudyPlanID(unit, semester) }

func check(raw *source.Raw) (*source.Release, error) { return source.Check(raw) }

// optionsName names a row of options in a subtest: the datetime form, then
// the zone, "rfc3339 Europe/Zurich" or "fake UTC no zone".
func optionsName(opt generator.Options) string {
	form, zone := "fake UTC", "no zone"
	if opt.RFC3339 {
		form = "rfc3339"
	}
	if opt.Location != nil {
		zone = opt.Location.String()
	}
	return form + " " + zone
}
