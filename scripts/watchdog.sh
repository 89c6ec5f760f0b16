#!/usr/bin/env bash
# Run a command with a time limit; past it, show where every process of the command was stuck, then stop them.
# A hung step should fail CI in minutes with its stacks, not hold the run until CI's own limit kills it silently.
# Usage: scripts/watchdog.sh SECONDS COMMAND [ARG ...]
#
# On expiry, for each process of the command's process group: its command line; for a Node.js process, the
# JavaScript stack and the libuv handles from Node's diagnostic report (the command's Node processes get
# --report-on-signal through NODE_OPTIONS; only those parts are printed: the report also holds the environment);
# and a gdb backtrace of every thread when gdb is installed.
set -uo pipefail
if [ "$#" -lt 2 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/watchdog.sh SECONDS COMMAND [ARG ...]" >&2
  exit 2
fi
limit="$1"
shift
reports="$(mktemp -d "${TMPDIR:-/tmp}/watchdog-XXXXXX")"
trap 'rm -rf "$reports"' EXIT
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--report-on-signal --report-signal=SIGUSR2 --report-directory=$reports"

# its own process group (setsid), so the whole tree can be listed and stopped together
setsid "$@" &
leader=$!
# the group is no longer the terminal's: pass an interrupt or termination on to it
trap 'kill -TERM -- "-$leader" 2>/dev/null; exit 130' INT TERM
for ((waited = 0; waited < limit; waited++)); do
  if ! kill -0 "$leader" 2>/dev/null; then
    wait "$leader"
    exit $?
  fi
  sleep 1
done

trap '' PIPE # a reader that went away must not stop us before the processes are stopped
echo "watchdog: '$*' did not finish within ${limit} s; the state of its processes follows, then they are stopped" >&2
pids=$(pgrep -g "$leader" | sort -n)
for pid in $pids; do
  echo "== process $pid: $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)" >&2
  if [ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null)")" = node ]; then
    kill -USR2 "$pid" 2>/dev/null # Node writes a report into $reports
  fi
done
sleep 5
for report in "$reports"/*.json; do
  [ -e "$report" ] || continue
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`== Node.js report of process ${r.header.processId}: JavaScript stack`);
    console.log([r.javascriptStack.message, ...(r.javascriptStack.stack ?? [])].join("\n  "));
    console.log("libuv handles:");
    for (const h of r.libuv ?? []) console.log(`  ${h.type}${h.is_active ? " (active)" : ""}${h.is_referenced ? " (referenced)" : ""}`);
    console.log(`worker threads: ${(r.workers ?? []).length}`);
  ' "$report" >&2
done
if command -v gdb > /dev/null; then
  for pid in $pids; do
    kill -0 "$pid" 2>/dev/null || continue
    echo "== gdb backtrace of process $pid" >&2
    gdb -p "$pid" -batch -ex "thread apply all bt" 2>&1 | grep -E '^(Thread|#)' >&2
  done
fi
kill -KILL -- "-$leader" 2>/dev/null
wait "$leader" 2>/dev/null
echo "watchdog: stopped '$*' after ${limit} s" >&2
exit 124
