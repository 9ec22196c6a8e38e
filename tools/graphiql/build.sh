#!/bin/sh
# Rebuilds the offline GraphiQL IDE (gateway/graphiql/) from the packages pinned in package-lock.json.
#   tools/graphiql/build.sh           rebuild gateway/graphiql/ (commit what changes)
#   tools/graphiql/build.sh --check   rebuild into a temporary directory and fail if it differs from
#                                     the committed files (they are stale, or the build is not reproducible)
# Needs Node.js >= 18 and npm, and the npm registry (or a mirror) for `npm ci`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
npm ci --no-audit --no-fund --loglevel=error
if [ "${1:-}" = "--check" ]; then
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    node build.mjs "$scratch" > /dev/null
    diff -r "$scratch" ../../gateway/graphiql && echo "gateway/graphiql/ is what the build produces"
else
    node build.mjs
fi
