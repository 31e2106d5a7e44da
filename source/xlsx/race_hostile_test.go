//go:build race

package xlsx_test

// raceEnabled is true when the tests run under the race detector, which
// makes XML decoding about ten times slower: hostile inputs are scaled
// down then, keeping each far beyond its limit.
const raceEnabled = true
