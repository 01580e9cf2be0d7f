#!/usr/bin/env bash
# The schema-drift workflow's decisions, in a script so that they can be
# tested without GitHub (xtask/tests/workflow.rs runs it with a fake `gh`
# and a fake `xtask` on PATH):
#
# - each published document is checked on its own, a failed check retried
#   with back-off, so that a document that cannot be downloaded hides
#   nothing found in another;
# - one issue (label schema-drift) holds every drift found, named in its
#   title; one (label schema-drift-check-failed) every check that could not
#   run; each is closed with a comment once its condition has cleared;
# - text from the provider reaches an issue only through xtask's markdown
#   (code spans) or as an indented code block.
#
# Usage: schema-drift.sh RUN_URL. Exit 1 when a check could not run.
# Environment:
#   XTASK            the xtask binary (target/debug/xtask)
#   DRIFT_DOCUMENTS  the documents to check ("notes-feed public-api")
#   DRIFT_ATTEMPTS   tries per document (3)
#   DRIFT_BACKOFF    seconds before the second try, doubled after (30)
#   PROBE_STATUS     the probe step's exit status: 0, 1, 2 or skipped
#   PROBE_REPORT, PROBE_ERROR  the probe's output files
set -euo pipefail
run_url=$1
issue=$(dirname "$0")/drift-issue.sh
xtask=${XTASK:-target/debug/xtask}
attempts=${DRIFT_ATTEMPTS:-3}
probe=${PROBE_STATUS:-skipped}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Text as a markdown code block: nothing in it is rendered or linked.
quoted() {
    sed 's/^/    /' "$1"
}

drifted=()
failed=()
for doc in ${DRIFT_DOCUMENTS:-notes-feed public-api}; do
    pause=${DRIFT_BACKOFF:-30}
    attempt=1
    while :; do
        status=0
        "$xtask" check-drift "$doc" --format markdown >"$work/$doc.md" 2>"$work/$doc.err" || status=$?
        if [ "$status" -eq 0 ] || [ "$status" -eq 1 ] || [ "$attempt" -ge "$attempts" ]; then
            break
        fi
        echo "check-drift $doc could not check (try $attempt of $attempts); again in $pause s" >&2
        sleep "$pause"
        pause=$((pause * 2))
        attempt=$((attempt + 1))
    done
    cat "$work/$doc.md" "$work/$doc.err"
    case $status in
    0) ;;
    1) drifted+=("$doc") ;;
    *)
        failed+=("$doc")
        echo "$attempt" >"$work/$doc.tries"
        ;;
    esac
done

# One issue for every drift, keyed by what alerts: each report's digest,
# which xtask writes at the end of its first line.
names=()
key=
: >"$work/drift.md"
for doc in ${drifted[@]+"${drifted[@]}"}; do
    names+=("$doc")
    digest=$(head -n 1 "$work/$doc.md" | sed -n 's/.*<!-- drift-alerts: \([0-9a-f]*\) -->$/\1/p')
    key="$key $doc:$digest"
    printf '# Document `%s`\n\n' "$doc" >>"$work/drift.md"
    cat "$work/$doc.md" >>"$work/drift.md"
done
if [ "$probe" = 1 ]; then
    names+=("live feed items")
    key="$key probe:$(sha256sum <"$PROBE_REPORT" | cut -c1-16)"
    printf '\n# Live feed items differ from spec/feed-item-shape.json\n\n' >>"$work/drift.md"
    quoted "$PROBE_REPORT" >>"$work/drift.md"
fi
if [ ${#names[@]} -gt 0 ]; then
    title="Upstream drift: $(IFS=,; echo "${names[*]}" | sed 's/,/, /g')"
    # GitHub refuses bodies over 65,536 characters; keep room for the header.
    awk -v limit=60000 '{ n += length($0) + 1; if (n > limit) { print "\n… cut to fit an issue: `cargo xtask check-drift --format json` lists everything."; exit } print }' \
        "$work/drift.md" >"$work/drift-cut.md"
    "$issue" open schema-drift "$title" "$work/drift-cut.md" "$key" "$run_url"
elif [ ${#failed[@]} -eq 0 ] && [ "$probe" != 2 ]; then
    # Every check ran and none found drift: whatever was reported is gone.
    "$issue" close schema-drift "No drift any more ([run]($run_url)): the published documents match \`spec/\`."
fi

# One issue for the checks that could not run.
if [ ${#failed[@]} -gt 0 ] || [ "$probe" = 2 ]; then
    what=()
    {
        echo "## The drift checks could not run"
        for doc in ${failed[@]+"${failed[@]}"}; do
            what+=("$doc")
            printf '\n`check-drift %s` failed (%s tries):\n\n' "$doc" "$(cat "$work/$doc.tries")"
            quoted "$work/$doc.err"
        done
        if [ "$probe" = 2 ]; then
            what+=("probe")
            printf '\n`probe` failed:\n\n'
            quoted "$PROBE_ERROR"
        fi
    } >"$work/failure.md"
    title="Schema drift check failed: $(IFS=,; echo "${what[*]}" | sed 's/,/, /g')"
    "$issue" open schema-drift-check-failed "$title" "$work/failure.md" "${what[*]}" "$run_url"
    exit 1
fi
"$issue" close schema-drift-check-failed "The checks ran again ([run]($run_url))."
