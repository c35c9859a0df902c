#!/usr/bin/env bash
# Runs `swift test` with the given arguments and, when it fails, repeats the
# failures at the very end of the output: a long parallel run interleaves its
# lines, and CI shows only the tail of a log.
set -uo pipefail

SWIFT=${SWIFT:-swift}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

"$SWIFT" test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
	echo
	echo "swift-test: swift test $* failed (exit $status). What failed:"
	grep -a -E '✘|recorded an issue|error:|Fatal error|Test .* failed' "$log" | grep -a -v '^✘ Suite' | tail -n 60
fi
exit "$status"
