#!/usr/bin/env bash
# Drives a Crucible MCP endpoint with the MCP Inspector CLI (@modelcontextprotocol/inspector --cli), as a user would:
# lists the tools, lists the tasks, grades a solution of pysuite/add with verify_task and reads its verdict resource.
# Usage: mcp-inspector.sh http://127.0.0.1:PORT/mcp
# The inspector comes from $CRUCIBLE_MCP_INSPECTOR, else the copy scripts/install-system-deps installs, else npx.
set -euo pipefail
url="$1"
pinned="@modelcontextprotocol/inspector@2.12.0"
cached="${XDG_CACHE_HOME:-$HOME/.cache}/crucible/mcp-inspector/node_modules/.bin/mcp-inspector"
if [ -n "${CRUCIBLE_MCP_INSPECTOR:-}" ]; then inspector=("$CRUCIBLE_MCP_INSPECTOR")
elif [ -x "$cached" ]; then inspector=("$cached")
else inspector=(npx -y "$pinned"); fi
run() { "${inspector[@]}" --cli "$url" --transport http "$@"; }
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const o=JSON.parse(s);console.log(eval("o"+process.argv[1]))})' "$1"; }

tools=$(run --method tools/list | field '.tools.map(t=>t.name).sort().join(",")')
echo "tools: $tools"
[ "$tools" = "list_tasks,review,verify,verify_task" ]

tasks=$(run --method tools/call --tool-name list_tasks | field '.structuredContent.tasks.map(t=>t.name).join(",")')
echo "tasks: $tasks"
case ",$tasks," in *,pysuite/add,*) ;; *) echo "pysuite/add is not listed" >&2; exit 1;; esac

answer=$(run --method tools/call --tool-name verify_task --tool-arg task=pysuite/add --tool-arg 'files={"add.py":"def add(a, b):\n    return a + b\n"}')
verified=$(echo "$answer" | field '.structuredContent.verified')
uri=$(echo "$answer" | field '.structuredContent.verdict_uri')
echo "verify_task: verified=$verified"
[ "$verified" = "true" ]

status=$(run --method resources/read --uri "$uri" | field '.contents[0].text' | field '.status')
echo "verdict resource: status=$status"
[ "$status" = "Passed" ]
echo "inspector: ok"
