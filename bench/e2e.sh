#!/bin/sh
# Wall time and peak memory of the end-to-end run (docs/e2e.md). Runs `npm run test:e2e` in a
# memory cgroup (v1) of its own and reads, every second, the resident memory of every process in
# it (total_rss: what the processes hold, without the page cache that vfs image copies fill).
# Usage: sh bench/e2e.sh [vitest arguments]    (root; SPACK_ROOT set as for npm run test:e2e)
set -u
cd "$(dirname "$0")/.."
cgroup="/sys/fs/cgroup/memory/spacktainers-e2e-bench-$$"
mkdir "$cgroup" || { echo "bench/e2e.sh: cannot create $cgroup (needs root and cgroup v1 memory)" >&2; exit 2; }
start=$(date +%s)
sh -c 'echo $$ > "$0/cgroup.procs" && exec npm run test:e2e -- "$@"' "$cgroup" "$@" &
run=$!
peak=0
while kill -0 "$run" 2>/dev/null; do
  rss=$(awk '$1 == "total_rss" { print $2 }' "$cgroup/memory.stat")
  [ "${rss:-0}" -gt "$peak" ] && peak=$rss
  sleep 1
done
wait "$run"
status=$?
end=$(date +%s)
with_cache=$(cat "$cgroup/memory.max_usage_in_bytes")
# The cgroup can go once its last process has.
while ! rmdir "$cgroup" 2>/dev/null; do sleep 1; done
wall=$((end - start))
printf 'end-to-end run: exit %s, wall %dm%02ds, peak resident memory %d MiB (with page cache %d MiB)\n' \
  "$status" $((wall / 60)) $((wall % 60)) $((peak / 1048576)) $((with_cache / 1048576))
exit "$status"
