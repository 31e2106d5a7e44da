package generator_test

import "occupancy/source"

func sourceID(unit, semester string) string { return source.StudyPlanID(unit, semester) }

func check(raw *source.Raw) (*source.Release, error) { return source.Check(raw) }
