#!/bin/sh
# Written by create-platform-cluster 0.1.0: use the repository's hooks (.githooks/) in this clone.
set -eu
cd "$(git rev-parse --show-toplevel)"
git config core.hooksPath .githooks
echo "commit-msg hook installed: commits must start with a story id (.githooks/story-ids lists them)"
