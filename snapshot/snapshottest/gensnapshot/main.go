// Command gensnapshot writes a synthetic snapshot for load tests and
// development when no real build output is at hand.
//
// Usage:
//
//	gensnapshot -out public/occupancy.snapshot [-rooms 180] [-seed 1]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"occupancy/snapshot/snapshottest"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gensnapshot:", err)
		os.Exit(1)
	}
}

func run(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gensnapshot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "output `file` (required)")
	rooms := fs.Int("rooms", 180, "number of rooms")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("missing -out")
	}
	if *rooms < 0 {
		return fmt.Errorf("invalid -rooms %d", *rooms)
	}
	s, _ := snapshottest.Generate(snapshottest.Options{Rooms: *rooms, Seed: *seed})
	data, err := s.MarshalBinary()
	if err != nil {
		return err
	}
	// Write atomically so a running sidecar never reads half a file.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".gensnapshot-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d rooms, %d bytes, release %s\n", *out, len(s.Rooms), len(data), s.Release)
	return nil
}
