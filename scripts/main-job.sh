#!/bin/sh
# The main job: install, build, and run an agent under
# configs/restrictive.yaml, offline. Until the built-in LLM agent exists,
# the agent is examples/example-agent.c: it works through the broker, then
# tries to get around it; the audit log shows every decision.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
# aksup refuses a policy others may write; a checkout made under umask
# 002 has group-writable files.
chmod go-w configs/*.yaml
echo "built: $(build/aksup version)"

# The policy allows reads under /workspace; give the agent something there.
if [ ! -e /workspace/notes.txt ] && { [ "$(id -u)" -eq 0 ] || [ -w / ]; }; then
	mkdir -p /workspace
	printf 'Quarterly notes: revenue up 4%%, churn down.\n' > /workspace/notes.txt
fi
# The audit log: aksup's default ($AKSUP_LOG, else /var/log/aksup/aksup.log
# as root, else ~/.local/state/aksup/aksup.log), where `aksup log` looks.
echo
echo "== aksup run --policy configs/restrictive.yaml -- aksup-example-agent =="
build/aksup run --policy configs/restrictive.yaml \
    -- build/aksup-example-agent
echo
echo "== aksup log (the last 10 requests) =="
build/aksup log --limit 10
