#!/usr/bin/env bash
# Keeps the one open issue that carries a label in step with the drift
# checks (gh on PATH, GH_TOKEN in the environment):
#
#   drift-issue.sh open LABEL TITLE BODY_FILE KEY RUN_URL
#     Files the issue, or, when KEY changed since it was last posted,
#     replaces its title and description and adds one comment. An unchanged
#     KEY posts nothing. KEY names what alerts (each document's alert
#     digest), not the whole report: upstream rewording elsewhere in the
#     document changes the report but is no news.
#   drift-issue.sh close LABEL MESSAGE
#     Comments MESSAGE on the open issue and closes it; none open: nothing.
set -euo pipefail

open_issue() {
    gh issue list --state open --label "$1" --limit 1 --json number --jq '.[0].number // empty'
}

case ${1-} in
open)
    label=$2 title=$3 body_file=$4 key=$5 run_url=$6
    marker="<!-- drift-report-key: $(printf '%s' "$key" | sha256sum | cut -c1-16) -->"
    body=$(mktemp)
    trap 'rm -f "$body"' EXIT
    {
        echo "$marker"
        echo "Found by [the schema-drift run]($run_url)."
        echo
        cat "$body_file"
        echo
        echo 'Review with `cargo xtask regen`, then `cargo test --workspace` and `cargo insta review`.'
    } >"$body"
    gh label create "$label" --color B60205 --description "Opened by the schema-drift workflow" --force >/dev/null 2>&1 || true
    number=$(open_issue "$label")
    if [ -z "$number" ]; then
        gh issue create --title "$title" --label "$label" --body-file "$body"
        exit 0
    fi
    # The marker is looked for on the first line only, which nothing from
    # the provider's document can reach: a report quoting a marker cannot
    # pass for one.
    current=$(gh issue view "$number" --json body --jq .body)
    if [ "${current%%$'\n'*}" = "$marker" ]; then
        echo "issue #$number already shows this; nothing posted"
        exit 0
    fi
    gh issue edit "$number" --title "$title" --body-file "$body"
    gh issue comment "$number" --body "What alerts changed ([run]($run_url)); the description now shows the new report."
    ;;
close)
    label=$2 message=$3
    number=$(open_issue "$label")
    if [ -n "$number" ]; then
        gh issue close "$number" --comment "$message"
    fi
    ;;
*)
    echo "usage: drift-issue.sh open LABEL TITLE BODY_FILE KEY RUN_URL | close LABEL MESSAGE" >&2
    exit 2
    ;;
esac
