//go:build race

package csv_test

// raceEnabled is true when the tests run under the race detector, which
// makes reading about five times slower: hostile inputs meet lower limits
// then, so that the tests stay quick.
const raceEnabled = true
