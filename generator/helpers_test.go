package generator_test

import "occupancy/source"

func sourceID(unit, semester string) string { return source.StudyPlanID(unit, semester) }
