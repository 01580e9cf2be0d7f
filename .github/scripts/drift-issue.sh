#!/usr/bin/env bash
# Files or updates the one open issue carrying LABEL with the markdown in
# BODY_FILE. The issue is keyed by a hash of the report: an unchanged report
# posts nothing, a changed one replaces the issue's body and adds one comment.
# Usage: drift-issue.sh LABEL TITLE BODY_FILE RUN_URL   (GH_TOKEN in the env)
set -euo pipefail
label=$1 title=$2 body_file=$3 run_url=$4

# GitHub refuses bodies over 65,536 characters; keep room for the header.
limit=60000
report=$(python3 - "$body_file" "$limit" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
limit = int(sys.argv[2])
if len(text) > limit:
    cut = text[:limit].rsplit("\n", 1)[0]
    text = cut + "\n\n… cut to fit an issue; run `cargo xtask check-drift --format json` for everything.\n"
sys.stdout.write(text)
PY
)
hash=$(printf '%s' "$report" | sha256sum | cut -c1-16)
marker="<!-- drift-report-hash: $hash -->"

body=$(mktemp)
trap 'rm -f "$body"' EXIT
{
  echo "$marker"
  echo "Found by [the schema-drift run]($run_url)."
  echo
  printf '%s\n' "$report"
  echo
  echo 'Review with `cargo xtask regen`, then `cargo test --workspace` and `cargo insta review`.'
} > "$body"

gh label create "$label" --color B60205 --description "Opened by the schema-drift workflow" --force >/dev/null 2>&1 || true

number=$(gh issue list --state open --label "$label" --limit 1 --json number --jq '.[0].number // empty')
if [ -z "$number" ]; then
  gh issue create --title "$title" --label "$label" --body-file "$body"
  exit 0
fi
if gh issue view "$number" --json body --jq .body | grep -qF "$marker"; then
  echo "issue #$number already shows this report; nothing posted"
  exit 0
fi
gh issue edit "$number" --body-file "$body"
gh issue comment "$number" --body "The report changed ([run]($run_url)); the issue description now shows the new one."
