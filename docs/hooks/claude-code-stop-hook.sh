#!/usr/bin/env bash
# Claude Code Stop hook (also works as a Codex CLI Stop hook): Claude may stop only when
# `crucible verify --strict` verifies the change. While it fails, the hook answers
#   {"decision": "block", "reason": "..."}
# on stdout, and Claude keeps working with the reason as its next instruction.
#
# Input (stdin, JSON): session_id, cwd, hook_event_name ("Stop"), stop_hook_active (true when Claude
# is already continuing because of a Stop hook). Output: nothing (exit 0) lets Claude stop.
#
# Environment:
#   CRUCIBLE                        the crucible command (default: crucible)
#   CRUCIBLE_VERIFY_ARGS            extra arguments for crucible verify, e.g. "--known-failure tests/test_x.py::test_flaky"
#   CRUCIBLE_STOP_HOOK_MAX_BLOCKS   blocks in a row before the hook gives up and lets Claude stop (default: 3),
#                                   so an unreachable goal never loops forever; the user is told.
#   CRUCIBLE_STOP_HOOK_TAIL         lines of verify output given to Claude (default: 60)
set -u

input="$(cat)"

json_field() {
  python3 -c '
import json, sys
try:
    value = json.loads(sys.argv[1] or "{}").get(sys.argv[2])
except ValueError:
    value = None
print("" if value is None else (str(value).lower() if isinstance(value, bool) else value))
' "$input" "$1"
}

emit() { # emit KEY MESSAGE: prints {"KEY": MESSAGE} (plus "decision": "block" for KEY=reason)
  python3 -c '
import json, sys
key, message = sys.argv[1], sys.argv[2]
out = {"decision": "block", "reason": message} if key == "reason" else {key: message}
print(json.dumps(out))
' "$1" "$2"
}

cwd="$(json_field cwd)"
[ -n "$cwd" ] || cwd="${CLAUDE_PROJECT_DIR:-$PWD}"
active="$(json_field stop_hook_active)"
session="$(json_field session_id)"
max="${CRUCIBLE_STOP_HOOK_MAX_BLOCKS:-3}"
tail_lines="${CRUCIBLE_STOP_HOOK_TAIL:-60}"
state="${TMPDIR:-/tmp}/crucible-stop-hook-$(printf '%s' "${session:-none}" | tr -c 'A-Za-z0-9_-' '_')"

# A stop that was not forced by this hook starts a new count.
[ "$active" = "true" ] || rm -f "$state"

# shellcheck disable=SC2086 # CRUCIBLE_VERIFY_ARGS is a list of arguments
output="$(cd "$cwd" && ${CRUCIBLE:-crucible} verify --strict ${CRUCIBLE_VERIFY_ARGS:-} 2>&1)"
code=$?
output="$(printf '%s\n' "$output" | tail -n "$tail_lines")"

case "$code" in
  0)
    rm -f "$state"
    exit 0
    ;;
  1)
    blocks=$(( $(cat "$state" 2>/dev/null || echo 0) + 1 ))
    if [ "$blocks" -gt "$max" ]; then
      rm -f "$state"
      emit systemMessage "crucible verify --strict still fails after $max attempts; Claude was allowed to stop. Last verdict:
$output"
      exit 0
    fi
    printf '%s\n' "$blocks" > "$state"
    emit reason "crucible verify --strict did not verify your change (attempt $blocks of $max). Fix the code, not the tests or the test configuration, then finish again. Verdict:
$output"
    exit 0
    ;;
  *)
    # Bad input (exit 2: not a repository, no test command) or a crash: blocking cannot help Claude.
    rm -f "$state"
    emit systemMessage "crucible verify could not run (exit $code); the change was not verified:
$output"
    exit 0
    ;;
esac
