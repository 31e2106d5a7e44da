package tree

// TreeHash is treeHash, for the tests of older manifests, whose release
// it was.
var TreeHash = treeHash
