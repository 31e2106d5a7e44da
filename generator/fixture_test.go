package generator_test

import (
	"testing"

	"occupancy/source"
	"occupancy/source/sourcetest"
)

func fixtureRaw() *source.Raw { return sourcetest.FixtureRaw() }

func fixture(t testing.TB) *source.Release { return sourcetest.Fixture(t) }
