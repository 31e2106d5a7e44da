//go:build linux

package tree_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"occupancy/generator/tree"
)

// TestPublishDiskFull publishes onto a small tmpfs: a tree that fits, then
// one that does not. The second must fail saying the disk is full, leave
// the first tree whole, and leave no half-written tree behind. Sizes count
// tmpfs pages (4 KiB per file, however small). It needs
// root to mount the tmpfs (CI runs as root).
func TestPublishDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		// A check never skips on its own: CI runs as root.
		if os.Getenv("OCCUPANCY_ALLOW_SKIP") == "" {
			t.Fatal("mounting a tmpfs needs root: run the tests as root, or set OCCUPANCY_ALLOW_SKIP=1 to skip this check")
		}
		t.Skip("mounting a tmpfs needs root (OCCUPANCY_ALLOW_SKIP set)")
	}
	disk := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", disk).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", disk).Run() })
	dir := filepath.Join(disk, "public")

	if _, err := tree.Publish(dir, synthetic(200, "small"), tree.PublishOptions{}); err != nil {
		// 200 files and their 400 compressed copies: 600 tmpfs pages, 2.4 MiB.
		t.Fatalf("a tree of ~2.4 MiB on an 8 MiB disk: %v", err)
	}
	before := checkTree(t, dir)

	_, err := tree.Publish(dir, synthetic(3000, "large"), tree.PublishOptions{})
	if err == nil {
		t.Fatal("a tree of ~36 MiB was published on an 8 MiB disk")
	}
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "is full") || !strings.Contains(err.Error(), "previous output is unchanged") {
		t.Errorf("error does not say the disk is full: %v", err)
	}
	after := checkTree(t, dir)
	if after.Release != before.Release {
		t.Error("a failed publish changed the output")
	}
	leftovers, _ := filepath.Glob(filepath.Join(disk, ".public.new-*"))
	if len(leftovers) != 0 {
		t.Errorf("half-written trees left on the full disk: %v", leftovers)
	}
	// The space is back: the same small release publishes again.
	if _, err := tree.Publish(dir, synthetic(200, "again"), tree.PublishOptions{}); err != nil {
		t.Fatalf("publish after a full disk: %v", err)
	}
	checkTree(t, dir)
}

// TestPublishOutOfInodes publishes onto a tmpfs with room for the bytes
// but not the files: the error says the file system has no inodes left,
// not that the disk is full, and the output is left as it was.
func TestPublishOutOfInodes(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("OCCUPANCY_ALLOW_SKIP") == "" {
			t.Fatal("mounting a tmpfs needs root: run the tests as root, or set OCCUPANCY_ALLOW_SKIP=1 to skip this check")
		}
		t.Skip("mounting a tmpfs needs root (OCCUPANCY_ALLOW_SKIP set)")
	}
	disk := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64m,nr_inodes=2000", "tmpfs", disk).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", disk).Run() })
	dir := filepath.Join(disk, "public")
	if _, err := tree.Publish(dir, synthetic(200, "small"), tree.PublishOptions{}); err != nil {
		t.Fatalf("a tree of 600 files with room for 2000: %v", err)
	}
	before := checkTree(t, dir)
	_, err := tree.Publish(dir, synthetic(1500, "large"), tree.PublishOptions{})
	if err == nil {
		t.Fatal("a tree of 4,500 files was published with room for 2,000")
	}
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "no free inodes") || strings.Contains(err.Error(), "is full") {
		t.Errorf("error does not say the file system is out of inodes: %v", err)
	}
	if after := checkTree(t, dir); after.Release != before.Release {
		t.Error("a failed publish changed the output")
	}
}
