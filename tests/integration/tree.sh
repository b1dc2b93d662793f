#!/usr/bin/env bash
# tests/integration/tree.sh -- proc.exec with `snapshot: tree`
# (docs/ROLLBACK.md "Commands"): the fs worker snapshots every writable
# root before the command runs, and snapshot.rollback puts the roots back
# whole. Real binaries, real sessions, real commands, no mocks.
#
#   AKSUP_BIN=DIR  AKSUP_SRC=DIR  tests/integration/tree.sh [TEST...]
#
# scripts/test.sh runs it as root (commands and the fs worker --run-as
# uid 65534, the files' owner) and as an unprivileged user. Prints
# "N passed, N failed, N skipped" last.
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
AKSUP="$BIN/aksup"
T=$(mktemp -d /tmp/aksup-tree.XXXXXX)
chmod 755 "$T"
WS="$T/ws"
OUT="$T/outside"
STORE="$T/snapshots"
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# As root the workspace belongs to uid 65534, which the fs worker and the
# commands run as (--run-as): a command never runs as root.
RUNAS=()
OWNER=$(id -u)
if [ "$OWNER" = 0 ]; then
	RUNAS=(--run-as 65534)
	OWNER=65534
fi

# The policy: the workspace written and deleted from, sh -c with a tree
# snapshot, rollbacks. $1: "nodelete" leaves fs.delete out.
policy() {
	{
		cat <<YAML
capabilities:
  - action: fs.read
    resource: $WS/**
  - action: fs.write
    resource: $WS/**
  - action: proc.exec
    resource: /bin/sh
    args: {prefix: [-c]}
    snapshot: tree
  - action: snapshot.rollback
    resource: "*"
YAML
		[ "${1:-}" = nodelete ] || printf '  - action: fs.delete\n    resource: %s/**\n' "$WS"
	} > "$T/p.yaml"
	chmod 644 "$T/p.yaml"
}

setup() {
	chmod -R u+rwx "$WS" "$STORE" "$OUT" 2>/dev/null
	rm -rf "$WS" "$STORE" "$OUT" "$T/log" "$T"/out* "$T/err"
	mkdir -p "$WS/sub" "$WS/empty" "$WS/deep/x" "$OUT"
	printf 'one\r\ntwo\0three\377\n' > "$WS/a.bin"
	chmod 640 "$WS/a.bin"
	echo keep > "$WS/sub/b.txt"
	echo deep > "$WS/deep/x/y"
	ln -s a.bin "$WS/link"
	chmod 750 "$WS/empty"
	echo outside > "$OUT/f"
	[ "$(id -u)" = 0 ] && chown -hR "$OWNER" "$WS"
	policy "$@"
}

sub() {	# sub ARGS... -> one answer on stdout
	"$AKSUP" submit "${RUNAS[@]}" --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$STORE" "$@" 2>>"$T/err"
}
sh_c() {	# sh_c SCRIPT [PARAMS-JSON-EXTRA] -> the answer
	sub --action proc.exec --target /bin/sh --params \
	    "$(jq -nc --arg s "$1" --argjson x "${2:-{\}}" '{args: ["-c", $s]} + $x')"
}
rollback() {
	"$AKSUP" rollback "${RUNAS[@]}" --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$STORE" "$@" 2>>"$T/err"
}
rid() { jq -r .record_id; }
status() { jq -r .status; }
# a tree's digest: every path, type, mode, link target and content
tree_digest() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %l\n' | LC_ALL=C sort &&
	    find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum 2>/dev/null) |
	    sha256sum
}
verified() {
	"$AKSUP" log verify --log-path "$T/log" >"$T/vout" 2>&1 &&
	    grep -q '^OK' "$T/vout"
}
outcome_of() {	# outcome_of RID -> its outcome record
	jq -c --arg r "$1" 'select(.type == "outcome" and .record_id == $r)' "$T/log"
}
# what the command in the tests changes: a file's bytes, a file removed,
# a directory and a file made, a link pointed elsewhere, modes, an empty
# directory removed, a file added deep down
CHANGE='cd "$0" && printf x > a.bin && rm sub/b.txt && mkdir new &&
echo n > new/f && rm link && ln -s sub link && chmod 700 sub &&
rmdir empty && echo z > deep/x/z && chmod 600 a.bin'

t_round_trip() {
	local ok=0 d0 d1 r a self
	setup
	d0=$(tree_digest "$WS")
	a=$(sh_c "$CHANGE" "{\"args\":[\"-c\",$(jq -Rn --arg s "$CHANGE" '$s'),\"$WS\"]}")
	check "the command ran ($a)" [ "$(jq -r .data.returncode <<<"$a")" = 0 ] || return 1
	r=$(rid <<<"$a")
	d1=$(tree_digest "$WS")
	check "it changed the tree" [ "$d0" != "$d1" ] || ok=1
	check "its outcome names its snapshot" [ "$(outcome_of "$r" | jq -r .snapshot)" = "$r" ] || ok=1
	check "the snapshot is a tree" [ "$(jq -r '.action + " " + (.tree | length | tostring)' "$STORE/meta/$r.json")" = "proc.exec 8" ] || ok=1
	a=$(rollback "$r")
	check "rolled back ($a)" [ "$(status <<<"$a")" = OK ] || return 1
	check "restored: tree" [ "$(jq -r .data.restored <<<"$a")" = tree ] || ok=1
	check "the tree as before, byte for byte" [ "$(tree_digest "$WS")" = "$d0" ] || ok=1
	check "the owner kept" [ -z "$(find "$WS" ! -user "$OWNER")" ] || ok=1
	self=$(jq -r .data.snapshot <<<"$a")
	check "a second rollback finds none" [ "$(rollback "$r" | status)" = ERROR ] || ok=1
	a=$(rollback "$self")
	check "the rollback rolled back ($a)" [ "$(status <<<"$a")" = OK ] || ok=1
	check "the tree as the command left it" [ "$(tree_digest "$WS")" = "$d1" ] || ok=1
	check "log verifies" verified || ok=1
	return $ok
}

# No snapshot (the store's quota below the workspace's bytes): the
# command does not run, and says why.
t_no_snapshot_no_run() {
	local ok=0 a
	setup
	head -c 200000 /dev/urandom > "$WS/big"
	[ "$(id -u)" = 0 ] && chown "$OWNER" "$WS/big"
	a=$(sub --snapshot-max-bytes 65536 --action proc.exec --target /bin/sh \
	    --params "$(jq -nc --arg s "touch $WS/ran" '{args: ["-c", $s]}')")
	check "ERROR ($a)" [ "$(status <<<"$a")" = ERROR ] || ok=1
	check "says why" grep -q "No snapshot could be taken, so nothing was done: .*full" <<<"$a" || ok=1
	check "the command did not run" [ ! -e "$WS/ran" ] || ok=1
	check "outcome FAILED, no snapshot named" [ "$(outcome_of "$(rid <<<"$a")" | jq -r '.status + " " + (.snapshot // "none" | tostring)')" = "FAILED none" ] || ok=1
	check "log verifies" verified || ok=1
	return $ok
}

# Bytes the store holds already cost no quota again: two tree commands
# over a 200 KB file under a 350K quota both run, and both roll back.
t_quota_shared() {
	local ok=0 a r1 r2 d0
	setup
	head -c 200000 /dev/urandom > "$WS/big"
	[ "$(id -u)" = 0 ] && chown "$OWNER" "$WS/big"
	d0=$(tree_digest "$WS")
	q() { sub --snapshot-max-bytes 350K --action proc.exec --target /bin/sh \
	    --params "$(jq -nc --arg s "$1" '{args: ["-c", $s]}')"; }
	a=$(q "echo 1 > $WS/one"); r1=$(rid <<<"$a")
	check "first: OK ($(jq -r .error <<<"$a"))" [ "$(status <<<"$a")" = OK ] || ok=1
	a=$(q "echo 2 > $WS/two"); r2=$(rid <<<"$a")
	check "second, sharing the blob: OK ($(jq -r .error <<<"$a"))" [ "$(status <<<"$a")" = OK ] || ok=1
	check "rolled back, newest first" [ "$(rollback "$r2" | status)" = OK ] &&
	    [ "$(rollback "$r1" | status)" = OK ] || ok=1
	check "as before" [ "$(tree_digest "$WS")" = "$d0" ] || ok=1
	return $ok
}

t_denied_none() {
	local ok=0 a
	setup
	a=$(sub --action proc.exec --target /bin/ls)
	check "DENIED" [ "$(status <<<"$a")" = DENIED ] || ok=1
	check "no snapshot" [ -z "$(ls "$STORE/meta" 2>/dev/null)" ] || ok=1
	return $ok
}

# Putting a tree back removes what was made since: without fs.delete on
# its root, refused, nothing changed.
t_needs_delete() {
	local ok=0 r d1 a
	setup
	r=$(sh_c "cd $WS && echo new > made" | rid)
	d1=$(tree_digest "$WS")
	policy nodelete
	a=$(rollback "$r")
	check "refused ($a)" [ "$(status <<<"$a")" = ERROR ] || ok=1
	check "names both rights" grep -q "fs.write and fs.delete" <<<"$a" || ok=1
	check "nothing changed" [ "$(tree_digest "$WS")" = "$d1" ] || ok=1
	policy
	check "with both: rolled back" [ "$(rollback "$r" | status)" = OK ] && [ ! -e "$WS/made" ] || ok=1
	return $ok
}

# A root the policy gives only in part (a glob narrower than ROOT/**, a
# deny rule beneath it): putting a tree back there would remove and
# rewrite what the agent may not, so it is refused, nothing changed.
t_needs_whole() {
	local ok=0 r d1 a
	setup
	r=$(sh_c "cd $WS && echo new > made.txt && echo changed > sub/b.txt" | rid)
	d1=$(tree_digest "$WS")
	sed -i "s|resource: $WS/\*\*\$|resource: $WS/*.txt|" "$T/p.yaml"
	grep -q "$WS/\*.txt" "$T/p.yaml" || { note "policy not narrowed"; return 1; }
	a=$(rollback "$r")
	check "a glob: refused ($a)" [ "$(status <<<"$a")" = ERROR ] || ok=1
	check "names the whole root" grep -q "fs.write and fs.delete whole" <<<"$a" || ok=1
	check "nothing changed" [ "$(tree_digest "$WS")" = "$d1" ] || ok=1
	policy
	printf 'deny:\n  - action: fs.delete\n    resource: %s/sub/**\n' "$WS" >> "$T/p.yaml"
	a=$(rollback "$r")
	check "a deny rule beneath: refused ($a)" [ "$(status <<<"$a")" = ERROR ] || ok=1
	check "nothing changed" [ "$(tree_digest "$WS")" = "$d1" ] || ok=1
	policy
	check "the whole root: rolled back" [ "$(rollback "$r" | status)" = OK ] || ok=1
	return $ok
}

# A blob edited in the store: refused before anything is replaced.
t_damaged() {
	local ok=0 r d1 a b
	setup
	r=$(sh_c "cd $WS && echo changed > sub/b.txt && rm a.bin" | rid)
	d1=$(tree_digest "$WS")
	b=$(jq -r '.tree[] | select(.[2] == "a.bin") | .[5]' "$STORE/meta/$r.json")
	check "a.bin's blob is there" [ -f "$STORE/blobs/${b:0:2}/$b" ] || return 1
	chmod u+w "$STORE/blobs/${b:0:2}/$b"
	printf 'evil\r\ntwo\0three\377\n' > "$STORE/blobs/${b:0:2}/$b"
	a=$(rollback "$r")
	check "refused ($a)" [ "$(status <<<"$a")" = ERROR ] || ok=1
	check "says damaged" grep -q "damaged" <<<"$a" || ok=1
	check "nothing changed" [ "$(tree_digest "$WS")" = "$d1" ] || ok=1
	return $ok
}

# Links are kept as links, never followed: one to outside the workspace
# before the snapshot is not walked; a directory the command replaced by
# a link to outside comes back as the directory, and nothing is written
# outside.
t_symlinks() {
	local ok=0 r d0 a o0
	setup
	ln -s "$OUT" "$WS/out"
	mkdir -p "$WS/d"
	echo mine > "$WS/d/f"
	[ "$(id -u)" = 0 ] && chown -hR "$OWNER" "$WS"
	d0=$(tree_digest "$WS")
	o0=$(tree_digest "$OUT")
	r=$(sh_c "cd $WS && rm -r d && ln -s $OUT d && mkdir nd && mkfifo nd/p && mkfifo kept" | rid)
	check "the snapshot keeps the link, not what is behind it" [ "$(jq -c '[.tree[] | select(.[2] | startswith("out"))]' "$STORE/meta/$r.json")" = "[[\"l\",0,\"out\",\"$OUT\"]]" ] || ok=1
	a=$(rollback "$r")
	check "rolled back ($a)" [ "$(status <<<"$a")" = OK ] || ok=1
	check "a FIFO it made at the top is left alone" [ -p "$WS/kept" ] || ok=1
	rm -f "$WS/kept"
	check "the directory again, byte for byte; the one it made gone, its FIFO too" [ "$(tree_digest "$WS")" = "$d0" ] || ok=1
	check "nothing written outside" [ "$(tree_digest "$OUT")" = "$o0" ] || ok=1
	return $ok
}

# A command that times out may have changed files: its outcome (FAILED)
# names its snapshot all the same, and it rolls back.
t_timeout() {
	local ok=0 r d0 a
	setup
	d0=$(tree_digest "$WS")
	a=$(sh_c "cd $WS && echo half > half && exec sleep 30" '{"timeout": 1}')
	r=$(rid <<<"$a")
	check "timed out ($a)" [ "$(jq -r .data.timed_out <<<"$a")" = true ] || ok=1
	check "FAILED, naming its snapshot" [ "$(outcome_of "$r" | jq -r '.status + " " + .snapshot')" = "FAILED $r" ] || ok=1
	check "log verifies" verified || ok=1
	# the session's plan holds it (FAILED, naming its snapshot)
	"$AKSUP" rollback "${RUNAS[@]}" --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$STORE" --session "$(outcome_of "$r" | jq -r .session)" > "$T/out2" 2>>"$T/err"
	check "rolled back by --session ($(cat "$T/out2"))" [ "$(jq -r .data.rolled_back "$T/out2")" = "$r" ] || ok=1
	check "as before" [ "$(tree_digest "$WS")" = "$d0" ] || ok=1
	return $ok
}

# A command that makes a file unreadable: its rollback cannot snapshot
# what is there first, so it refuses; --force restores without that
# snapshot (the answer names none).
t_force_unreadable() {
	local ok=0 r d0 d1 a
	setup
	d0=$(tree_digest "$WS")
	# an agent runs the command, then asks to roll it back with force:
	# refused, it would destroy what others wrote since, with no copy
	cat > "$T/agent.py" <<'PY'
import json, os, socket, sys
chan = socket.socket(fileno=int(os.environ["AKSUP_FD"]))
def call(i, action, target, params):
    chan.send(json.dumps({"id": i, "action": action, "target": target,
        "params": params}).encode())
    a = json.loads(chan.recv(1 << 20))
    print(json.dumps(a))
    return a
c = call(1, "proc.exec", "/bin/sh", {"args": ["-c", "cd " + sys.argv[1] +
    " && echo x > locked && chmod 000 locked && echo junk > sub/b.txt"]})
call(2, "snapshot.rollback", c["record_id"], {"force": True})
PY
	chmod 644 "$T/agent.py"
	a=$("$AKSUP" run "${RUNAS[@]}" --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$STORE" --ro "$T/agent.py" -- /usr/bin/python3 \
	    "$T/agent.py" "$WS" 2>>"$T/err")
	r=$(jq -r 'select(.id == 1) | .record_id' <<<"$a")
	check "the command ran ($(head -c 300 <<<"$a"))" [ "$(jq -r 'select(.id == 1) | .data.returncode' <<<"$a")" = 0 ] || return 1
	check "an agent's force: refused" [ "$(jq -r 'select(.id == 2) | .status' <<<"$a")" = ERROR ] || ok=1
	check "says why, and names the operator's --force" bash -c 'jq -r "select(.id == 2) | .error" <<<"$1" | grep -q "could not be snapshotted, so nothing was restored: .*locked.*aksup rollback --force"' _ "$a" || ok=1
	d1=$(tree_digest "$WS")
	check "nothing changed" [ "$(grep -c . <<<"$d1")" = 1 ] && [ -e "$WS/locked" ] || ok=1
	a=$(rollback "$r")
	check "the operator without --force: refused ($a)" [ "$(status <<<"$a")" = ERROR ] || ok=1
	check "nothing changed" [ "$(tree_digest "$WS")" = "$d1" ] || ok=1
	a=$(rollback --force "$r")
	check "the operator's force: OK ($a)" [ "$(status <<<"$a")" = OK ] || ok=1
	check "no snapshot of what it replaced" [ "$(jq -r .data.snapshot <<<"$a")" = null ] || ok=1
	check "the roots named" [ "$(jq -c .data.roots <<<"$a")" = "[\"$WS\"]" ] || ok=1
	check "as before" [ "$(tree_digest "$WS")" = "$d0" ] || ok=1
	return $ok
}

# At most 16 commands at once, those waiting on their snapshot counted:
# the 17th and later of a pipelined batch are refused before any
# snapshot is taken for them.
t_cap() {
	local ok=0 i
	setup
	for i in $(seq 1 20); do
		jq -nc --argjson i "$i" '{id: $i, action: "proc.exec", target: "/bin/sh",
		    params: {args: ["-c", "sleep 8"]}}'
	done > "$T/batch"
	"$AKSUP" submit "${RUNAS[@]}" --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$STORE" --batch "$T/batch" > "$T/out" 2>>"$T/err"
	check "16 ran ($(jq -r .status "$T/out" | sort | uniq -c | xargs))" [ "$(jq -r 'select(.status == "OK") | .id' "$T/out" | wc -l)" = 16 ] || ok=1
	check "4 refused, too many" [ "$(grep -c 'too many requests running at once' "$T/out")" = 4 ] || ok=1
	check "16 snapshots, none for the refused" [ "$(ls "$STORE/meta" | wc -l)" = 16 ] || ok=1
	return $ok
}

# More entries than a tree snapshot holds: refused, the command not run.
t_too_many() {
	local ok=0 a
	setup
	mkdir "$WS/many"
	(cd "$WS/many" && seq 1 10001 | xargs touch)
	[ "$(id -u)" = 0 ] && chown -R "$OWNER" "$WS/many"
	a=$(sh_c "touch $WS/ran")
	check "ERROR ($(jq -r .error <<<"$a"))" [ "$(status <<<"$a")" = ERROR ] || ok=1
	check "says too many" grep -q "too many to snapshot" <<<"$a" || ok=1
	check "the command did not run" [ ! -e "$WS/ran" ] || ok=1
	return $ok
}

# The store's sweeps and aksup snapshots gc keep every blob a tree names.
t_blobs_kept() {
	local ok=0 r d0 out
	setup
	d0=$(tree_digest "$WS")
	r=$(sh_c "cd $WS && rm -r sub deep a.bin" | rid)
	# old enough for a sweep to remove any blob no snapshot names
	find "$STORE/blobs" -type f -exec touch -d '5 minutes ago' {} +
	sh_c "true" > /dev/null	# a session: its start and end sweep
	out=$("$AKSUP" snapshots gc --snapshot-dir "$STORE" 2>&1)
	check "gc ran ($out)" [ $? = 0 ] || ok=1
	out=$("$AKSUP" snapshots list --snapshot-dir "$STORE" 2>&1)
	check "list shows the tree ($out)" grep -q "proc.exec" <<<"$out" || ok=1
	check "rolled back" [ "$(rollback "$r" | status)" = OK ] || ok=1
	check "as before" [ "$(tree_digest "$WS")" = "$d0" ] || ok=1
	return $ok
}

# A session rollback undoes writes and commands alike, newest first.
t_session() {
	local ok=0 d0 s a
	setup
	d0=$(tree_digest "$WS")
	a=$(sub --action fs.write --target "$WS/w1" --params '{"content":"1"}')
	s=$(jq -r --arg r "$(rid <<<"$a")" 'select(.record_id == $r) | .session' "$T/log" | head -1)
	# one session: the three requests on one agent channel, pipelined.
	# The fs worker answers in order, the two writes before it even
	# takes the command's snapshot: their outcomes come first, and the
	# session is undone command first.
	"$AKSUP" submit "${RUNAS[@]}" --policy "$T/p.yaml" --log-path "$T/log2" \
	    --snapshot-dir "$STORE" --batch - > "$T/out" 2>>"$T/err" <<EOF
{"id":1,"action":"fs.write","target":"$WS/sub/b.txt","params":{"content":"rewritten"}}
{"id":2,"action":"fs.write","target":"$WS/sub/w2","params":{"content":"two"}}
{"id":3,"action":"proc.exec","target":"/bin/sh","params":{"args":["-c","cd $WS && rm -r deep sub/w2 && echo c > sub/c"]}}
EOF
	check "three OK" [ "$(jq -r .status "$T/out" | sort | uniq -c | tr -s ' ')" = " 3 OK" ] || return 1
	s=$(jq -r 'select(.type == "session_start") | .session' "$T/log2" | head -1)
	"$AKSUP" rollback "${RUNAS[@]}" --policy "$T/p.yaml" --log-path "$T/log2" \
	    --snapshot-dir "$STORE" --session "$s" > "$T/out2" 2>>"$T/err"
	check "three rolled back ($(jq -c . "$T/out2"; tail -3 "$T/err"))" [ "$(jq -r .status "$T/out2" | sort | uniq -c | tr -s ' ')" = " 3 OK" ] || ok=1
	a=$(rollback "$(rid <<<"$a")")	# the first session's write
	check "as before" [ "$(tree_digest "$WS")" = "$d0" ] || ok=1
	return $ok
}

ALL="round_trip no_snapshot_no_run quota_shared denied_none needs_delete needs_whole damaged symlinks
timeout force_unreadable cap too_many blobs_kept session"

cd "$T" || exit 1
echo "tree snapshot tests as $(id -un) (uid $(id -u))"
for t in ${*:-$ALL}; do
	run_one "$t" "t_$t"
done
finish
