#!/usr/bin/env bash
# tests/integration/rollback.sh -- reversible writes (docs/ROLLBACK.md):
# a snapshot before every allowed fs.write and fs.delete, taken by the fs
# worker into the snapshot store, and snapshot.rollback through the gate
# (aksup rollback). Real binaries, real sessions, no mocks.
#
#   AKSUP_BIN=DIR  AKSUP_SRC=DIR  tests/integration/rollback.sh [TEST...]
#
# scripts/test.sh runs it as root and as an unprivileged user. Prints
# "N passed, N failed, N skipped" last.
set -u
BIN=${AKSUP_BIN:?set AKSUP_BIN}
AKSUP="$BIN/aksup"
T=$(mktemp -d /tmp/aksup-rb.XXXXXX)
WS="$T/ws"
STORE="$T/snapshots"
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT

# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# The policy: the workspace read, listed, written, deleted from and
# rolled back; nothing outside $WS.
policy() {
	cat > "$T/p.yaml" <<YAML
capabilities:
  - action: fs.read
    resource: $WS/**
  - action: fs.list
    resource: $WS/**
  - action: fs.write
    resource: $WS/**
  - action: fs.delete
    resource: $WS/**
  - action: snapshot.rollback
    resource: "*"
YAML
	chmod 644 "$T/p.yaml"
}

setup() {
	chmod -R u+rwx "$WS" "$STORE" 2>/dev/null
	rm -rf "$WS" "$STORE" "$T/log" "$T"/out*
	mkdir -p "$WS/sub"
	policy
}

sub() {	# sub ARGS... -> one answer on stdout
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$STORE" "$@" 2>>"$T/err"
}
rid() { jq -r .record_id; }
status() { jq -r .status; }
rollback() {	# rollback ARGS... -> its answer (one record) or answers
	"$AKSUP" rollback --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$STORE" "$@" 2>>"$T/err"
}
write() {	# write PATH CONTENT -> its record id
	sub --action fs.write --target "$1" \
	    --params "$(jq -nc --arg c "$2" '{content: $c}')" | rid
}
verified() {
	"$AKSUP" log verify --log-path "$T/log" >"$T/vout" 2>&1 &&
	    grep -q '^OK' "$T/vout"
}
# every metadata file of the store is whole JSON and holds its bytes
# (inline) or names a blob that is there (or none)
store_consistent() {
	local m b
	for m in "$STORE"/meta/*.json; do
		[ -e "$m" ] || continue
		b=$(jq -r 'if .inline then "" else .blob // "" end' "$m") || return 1
		[ -z "$b" ] || [ -f "$STORE/blobs/${b:0:2}/$b" ] || return 1
	done
}
# a tree's digest: every path, type, mode and content
tree_digest() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m\n' | LC_ALL=C sort &&
	    find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum) |
	    sha256sum
}

# --- tests ---------------------------------------------------------------

# Bytes the Python project's layer loses come back exactly: NUL, 0xff,
# CRLF; the snapshot is taken through fs.write base64 too.
t_binary_round_trip() {
	local ok=0 r
	setup
	printf 'a\r\nb\0c\xff\xfe\r\n' > "$WS/bin"
	cp "$WS/bin" "$T/orig"
	r=$(sub --action fs.write --target "$WS/bin" \
	    --params '{"content":"AAEC","encoding":"base64"}' | rid)
	check "written" [ "$(od -An -tx1 "$WS/bin" | tr -d ' \n')" = 000102 ] || ok=1
	check "the store holds the prior bytes (in the line: a small file)" \
	    cmp -s "$T/orig" <(jq -r .inline "$STORE/meta/$r.json" | base64 -d) || ok=1
	check "rolled back" [ "$(rollback "$r" | status)" = OK ] || ok=1
	check "byte for byte" cmp -s "$T/orig" "$WS/bin" || ok=1
	# a file over 64 KiB: its bytes in a blob file of their own
	{ head -c 70000 /dev/urandom; printf '\r\n\0\xff'; } > "$WS/big"
	cp "$WS/big" "$T/orig"
	r=$(write "$WS/big" small)
	check "no inline copy" [ "$(jq -r '.inline // "none"' "$STORE/meta/$r.json")" = none ] || ok=1
	check "a blob holds them" cmp -s "$T/orig" \
	    "$STORE/blobs/$(jq -r .blob "$STORE/meta/$r.json" | cut -c1-2)/$(jq -r .blob "$STORE/meta/$r.json")" || ok=1
	check "rolled back" [ "$(rollback "$r" | status)" = OK ] || ok=1
	check "byte for byte" cmp -s "$T/orig" "$WS/big" || ok=1
	check "the log verifies" verified || ok=1
	return $ok
}

t_mode_kept() {
	local ok=0 r
	setup
	printf 'x' > "$WS/m"
	chmod 0751 "$WS/m"
	r=$(write "$WS/m" new)
	check "the write left its own mode" [ "$(stat -c %a "$WS/m")" = 644 ] || ok=1
	rollback "$r" > "$T/out"
	check "rolled back ($(cat "$T/out"))" [ "$(status < "$T/out")" = OK ] || ok=1
	check "mode 751 again ($(stat -c %a "$WS/m"))" [ "$(stat -c %a "$WS/m")" = 751 ] || ok=1
	check "content again" [ "$(cat "$WS/m")" = x ] || ok=1
	# set-user-ID and set-group-ID are not given back
	chmod 6755 "$WS/m"
	r=$(write "$WS/m" y)
	check "rolled back" [ "$(rollback "$r" | status)" = OK ] || ok=1
	check "mode 755, no set-id bit ($(stat -c %a "$WS/m"))" [ "$(stat -c %a "$WS/m")" = 755 ] || ok=1
	return $ok
}

# A blob changed in the store (by anyone with its owner's rights): its
# digest no longer matches; nothing is restored.
t_tampered_blob() {
	local ok=0 r b
	setup
	head -c 70000 /dev/zero > "$WS/t"
	r=$(write "$WS/t" new)
	b=$(jq -r .blob "$STORE/meta/$r.json")
	chmod u+w "$STORE/blobs/${b:0:2}/$b"
	head -c 70000 /dev/urandom > "$STORE/blobs/${b:0:2}/$b"
	rollback "$r" > "$T/out"
	check "refused ($(cat "$T/out"))" grep -q "bytes are damaged" "$T/out" || ok=1
	check "file left as written" [ "$(cat "$WS/t")" = new ] || ok=1
	check "no temp file left" [ -z "$(find "$WS" -name '.aksup-*')" ] || ok=1
	# the bytes in the line changed: the same
	printf 'original' > "$WS/t"
	r=$(write "$WS/t" new)
	jq -c ".inline = \"$(printf 'evil!!!!' | base64)\"" "$STORE/meta/$r.json" > "$T/m"
	cp "$T/m" "$STORE/meta/$r.json"
	rollback "$r" > "$T/out"
	check "inline refused ($(cat "$T/out"))" grep -q "bytes are damaged" "$T/out" || ok=1
	check "file left as written" [ "$(cat "$WS/t")" = new ] || ok=1
	# a metadata line edited to point elsewhere: refused whole
	jq -c '.path = "../../etc/passwd"' "$STORE/meta/$r.json" > "$T/m"
	cp "$T/m" "$STORE/meta/$r.json"
	rollback "$r" > "$T/out"
	check "damaged metadata refused ($(cat "$T/out"))" grep -q "is damaged (path:" "$T/out" || ok=1
	return $ok
}

# A new file goes with the directories its write made; a directory that
# was there stays, and so does one someone filled meanwhile.
t_new_file_removed() {
	local ok=0 r r2
	setup
	r=$(write "$WS/sub/n1/n2/new.txt" hi)
	check "made" [ -f "$WS/sub/n1/n2/new.txt" ] || ok=1
	check "created listed" [ "$(jq -c .created "$STORE/meta/$r.json")" = \
	    '["sub/n1","sub/n1/n2"]' ] || ok=1
	check "rolled back" [ "$(rollback "$r" | status)" = OK ] || ok=1
	check "file and the two directories gone" [ ! -e "$WS/sub/n1" ] || ok=1
	check "sub (there before) stays" [ -d "$WS/sub" ] || ok=1
	r2=$(write "$WS/sub/k1/k2/f" x)
	printf 'mine' > "$WS/sub/k1/other"
	check "rolled back" [ "$(rollback "$r2" | status)" = OK ] || ok=1
	check "file and the empty k2 gone" [ ! -e "$WS/sub/k1/k2" ] || ok=1
	check "k1 (not empty) stays with its file" [ -f "$WS/sub/k1/other" ] || ok=1
	return $ok
}

t_delete_restored() {
	local ok=0 r
	setup
	printf 'keep\0me' > "$WS/sub/d"
	chmod 600 "$WS/sub/d"
	cp "$WS/sub/d" "$T/orig"
	mkdir "$WS/emptydir"
	chmod 1777 "$WS/emptydir"	# (bits a umask would take away)
	r=$(sub --action fs.delete --target "$WS/sub/d" | rid)
	check "deleted" [ ! -e "$WS/sub/d" ] || ok=1
	check "rolled back" [ "$(rollback "$r" | status)" = OK ] || ok=1
	check "bytes back" cmp -s "$T/orig" "$WS/sub/d" || ok=1
	check "mode back" [ "$(stat -c %a "$WS/sub/d")" = 600 ] || ok=1
	r=$(sub --action fs.delete --target "$WS/emptydir" | rid)
	check "directory deleted" [ ! -e "$WS/emptydir" ] || ok=1
	rollback "$r" > "$T/out"
	check "rolled back ($(cat "$T/out"))" [ "$(jq -r .data.restored "$T/out")" = directory ] || ok=1
	check "directory back, mode 1777 ($(stat -c %a "$WS/emptydir"))" [ "$(stat -c %a "$WS/emptydir")" = 1777 ] || ok=1
	return $ok
}

# Denied: no snapshot, and the file is not even read (its atime stays:
# /tmp is relatime, so a read would move an atime from the year 2000).
t_denied_no_snapshot() {
	local ok=0 r
	setup
	mkdir -p "$T/out-ws"
	printf 'secret' > "$T/out-ws/s"
	touch -a -d 2000-01-01 "$T/out-ws/s"
	r=$(write "$T/out-ws/s" x)
	check "denied" [ "$(jq -r 'select(.type=="decision") | .status' "$T/log" | tail -1)" = DENIED ] || ok=1
	check "no snapshot" [ ! -e "$STORE/meta/$r.json" ] || ok=1
	check "no blob" [ -z "$(find "$STORE/blobs" -type f 2>/dev/null)" ] || ok=1
	check "not read (atime $(stat -c %x "$T/out-ws/s"))" \
	    [ "$(stat -c %X "$T/out-ws/s")" = "$(date -d 2000-01-01 +%s)" ] || ok=1
	check "untouched" [ "$(cat "$T/out-ws/s")" = secret ] || ok=1
	return $ok
}

# No room in the store: the write is not done, and the answer says why.
t_store_full() {
	local ok=0
	setup
	head -c 200000 /dev/urandom > "$WS/big"
	cp "$WS/big" "$T/orig"
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$STORE" --snapshot-max-bytes 64K \
	    --action fs.write --target "$WS/big" --params '{"content":"x"}' \
	    > "$T/out" 2>>"$T/err"
	check "ERROR ($(cat "$T/out"))" [ "$(status < "$T/out")" = ERROR ] || ok=1
	check "says the store is full" grep -q "snapshot store is full" "$T/out" || ok=1
	check "not written" cmp -s "$T/orig" "$WS/big" || ok=1
	check "no metadata" [ -z "$(ls "$STORE/meta")" ] || ok=1
	check "nothing left in tmp/" [ -z "$(ls "$STORE/tmp")" ] || ok=1
	# a store it cannot write in: the same
	chmod 500 "$STORE/meta"
	write "$WS/big" y > /dev/null
	check "still not written" cmp -s "$T/orig" "$WS/big" || ok=1
	chmod 700 "$STORE/meta"
	return $ok
}

t_expired() {
	local ok=0 r
	setup
	printf 'x' > "$WS/e"
	r=$("$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$STORE" --snapshot-ttl 1 --action fs.write \
	    --target "$WS/e" --params '{"content":"y"}' | rid)
	# (the session's end sweep may already have taken it, a second
	# boundary later: its outcome record says it was taken)
	check "taken" [ "$(jq -r --arg r "$r" 'select(.type == "outcome" and .record_id == $r) | .snapshot' "$T/log")" = "$r" ] || ok=1
	sleep 2	# expires = at + 1: two seconds later it has, always
	rollback "$r" > "$T/out"
	check "no snapshot found ($(cat "$T/out"))" grep -q "no snapshot found" "$T/out" || ok=1
	check "file left as written" [ "$(cat "$WS/e")" = y ] || ok=1
	check "swept by the session's start" [ ! -e "$STORE/meta/$r.json" ] || ok=1
	return $ok
}

# Ids are record ids or nothing: malformed (INVALID) before any lookup.
t_forged_ids() {
	local ok=0 id out
	setup
	for id in ../evil ../../meta/x "0F8FAD5B-D9CB-469F-A165-70867728950E" \
	    "{0f8fad5b-d9cb-469f-a165-70867728950e}" \
	    "0f8fad5b-d9cb-469f-a165-70867728950e0" "" "meta/../x" \
	    "0f8fad5b/d9cb-469f-a165-70867728950e"; do
		out=$(sub --action snapshot.rollback --target "$id")
		check "\"$id\" malformed ($out)" grep -q "malformed request: target is not a record id" <<<"$out" || ok=1
	done
	# aksup rollback says so itself, before any session (exit 2)
	rollback ../evil > "$T/out" 2>&1
	check "aksup rollback: usage error" [ $? = 2 ] || ok=1
	check "recorded INVALID" [ "$(jq -r 'select(.type=="decision" and .action=="snapshot.rollback") | .status' "$T/log" | sort -u)" = INVALID ] || ok=1
	out=$(rollback 0f8fad5b-d9cb-469f-a165-70867728950e)
	check "a well-formed unknown id: no snapshot found" grep -q "no snapshot found" <<<"$out" || ok=1
	return $ok
}

t_rollback_denied() {
	local ok=0 r
	setup
	printf 'x' > "$WS/f"
	r=$(write "$WS/f" y)
	sed -i '/snapshot.rollback/,+1d' "$T/p.yaml"
	check "denied" [ "$(rollback "$r" | status)" = DENIED ] || ok=1
	check "the snapshot stays" [ -f "$STORE/meta/$r.json" ] || ok=1
	check "the file stays as written" [ "$(cat "$WS/f")" = y ] || ok=1
	policy
	check "allowed again: rolled back" [ "$(rollback "$r" | status)" = OK ] || ok=1
	check "x again" [ "$(cat "$WS/f")" = x ] || ok=1
	return $ok
}

# Changed since: refused, says why; force restores.
t_changed() {
	local ok=0 r
	setup
	printf 'one' > "$WS/c"
	r=$(write "$WS/c" two)
	printf 'three' > "$WS/c"
	rollback "$r" > "$T/out"
	check "refused ($(cat "$T/out"))" [ "$(status < "$T/out")" = ERROR ] || ok=1
	check "says it changed" grep -q "changed after the action" "$T/out" || ok=1
	check "left alone" [ "$(cat "$WS/c")" = three ] || ok=1
	rollback --force "$r" > "$T/out"
	check "forced ($(cat "$T/out"))" [ "$(status < "$T/out")" = OK ] || ok=1
	check "one again" [ "$(cat "$WS/c")" = one ] || ok=1
	# what the forced rollback overwrote was snapshotted first, under
	# its own record id: the rollback is rolled back, three is back
	check "it names its own snapshot" [ "$(jq -r .data.snapshot "$T/out")" = "$(jq -r .record_id "$T/out")" ] || ok=1
	check "rolled back in turn" [ "$(rollback "$(jq -r .record_id "$T/out")" | status)" = OK ] || ok=1
	check "three again" [ "$(cat "$WS/c")" = three ] || ok=1
	printf 'one' > "$WS/c"
	# a deleted file made again meanwhile: the same
	r=$(sub --action fs.delete --target "$WS/c" | rid)
	printf 'new' > "$WS/c"
	check "refused" [ "$(rollback "$r" | status)" = ERROR ] || ok=1
	check "forced" [ "$(rollback --force "$r" | status)" = OK ] || ok=1
	check "one again" [ "$(cat "$WS/c")" = one ] || ok=1
	# its directory gone since: refused, and not made again for nothing
	mkdir -p "$WS/sub/d"
	printf 'old' > "$WS/sub/d/f"
	r=$(write "$WS/sub/d/f" new)
	rm -r "$WS/sub/d"
	check "refused" [ "$(rollback "$r" | status)" = ERROR ] || ok=1
	check "no directory made" [ ! -e "$WS/sub/d" ] || ok=1
	check "forced: made again with the file" [ "$(rollback --force "$r" | status)" = OK ] && [ "$(cat "$WS/sub/d/f")" = old ] || ok=1
	return $ok
}

# A session of 100 writes and deletes undone newest first: the tree is
# what it was, byte for byte.
t_session_100() {
	local ok=0 i before sid n
	setup
	for i in $(seq 1 20); do printf 'file %s\r\n' "$i" > "$WS/f$i"; done
	chmod 600 "$WS/f3"
	before=$(tree_digest "$WS")
	for i in $(seq 1 100); do
		case $((i % 4)) in
		0) jq -nc --arg t "$WS/f$((i % 20 + 1))" --argjson i $i \
		    '{id: $i, action: "fs.delete", target: $t}' ;;
		1) jq -nc --arg t "$WS/new/d$((i % 7))/g$i" --argjson i $i \
		    '{id: $i, action: "fs.write", target: $t, params: {content: "g"}}' ;;
		*) jq -nc --arg t "$WS/f$((i % 20 + 1))" --argjson i $i \
		    '{id: $i, action: "fs.write", target: $t, params: {content: ("w" + ($i|tostring))}}' ;;
		esac
	done > "$T/batch"
	sub --batch "$T/batch" > "$T/out"
	n=$(jq -s 'map(select(.status=="OK")) | length' "$T/out")
	note "$n of 100 done (a delete of a file deleted before fails)"
	check "the tree changed" [ "$(tree_digest "$WS")" != "$before" ] || ok=1
	sid=$(jq -r 'select(.type=="session_start") | .session' "$T/log" | tail -1)
	rollback --session "$sid" > "$T/out2"
	check "$n rollbacks, all OK" [ "$(jq -s 'map(select(.status=="OK")) | length' "$T/out2")" = "$n" ] || ok=1
	check "the tree is what it was" [ "$(tree_digest "$WS")" = "$before" ] || ok=1
	check "each one recorded" [ "$(jq -s 'map(select(.type=="outcome" and .action=="snapshot.rollback" and .status=="OK")) | length' "$T/log")" = "$n" ] || ok=1
	check "the log verifies" verified || ok=1
	rollback --session "$sid" > "$T/out2"
	check "again: nothing left to undo ($(head -c 200 "$T/out2"))" [ ! -s "$T/out2" ] || ok=1
	check "the tree is still what it was" [ "$(tree_digest "$WS")" = "$before" ] || ok=1
	return $ok
}

# kill -9 of the fs worker while it copies a file into the store: the
# store stays whole (every metadata names a blob that is there), the
# file is untouched, and the next session starts clean. A 60 MB file
# (below the worker's 64 MiB file size limit): its copy is seen in tmp/
# and the worker killed then; the store is checked after every attempt,
# and the kill must have landed mid-copy in one of them (a machine fast
# enough to copy 60 MB between two looks at tmp/ gets more tries).
t_kill_during_snapshot() {
	local ok=0 pid hit=0 i try
	for try in 1 2 3 4 5; do
		setup
		head -c 60000000 /dev/zero > "$WS/huge" 2>/dev/null || {
			skip "no room for a 60 MB file in /tmp"; return; }
		( sub --action fs.write --target "$WS/huge" \
		    --params '{"content":"x"}' > "$T/out" ) &
		for i in $(seq 1 3000); do
			if [ -n "$(ls -A "$STORE/tmp" 2>/dev/null)" ]; then
				pid=$(pgrep -n -u "$(id -u)" -f aksup-worker-fs)
				[ -n "$pid" ] && kill -9 "$pid" && hit=1
				break
			fi
			[ -s "$T/out" ] && break	# done before a look
			sleep 0.01
		done
		wait
		check "the store is consistent" store_consistent || ok=1
		if [ $hit = 1 ]; then
			check "the write failed ($(cat "$T/out"))" [ "$(status < "$T/out")" = ERROR ] || ok=1
			check "file untouched" [ "$(stat -c %s "$WS/huge")" = 60000000 ] || ok=1
			check "no metadata for it" [ -z "$(ls "$STORE/meta")" ] || ok=1
			break
		fi
		note "try $try: the copy ended before it was seen"
	done
	check "killed while the blob was being written" [ $hit = 1 ] || ok=1
	check "its half copy left in tmp/" [ -n "$(ls -A "$STORE/tmp")" ] || ok=1
	# a minute later (a temp file younger than that may be another
	# running session's), the next session's start removes it
	find "$STORE/tmp" -type f -exec touch -d '2 minutes ago' {} +
	rm -f "$WS/huge"
	printf 'a' > "$WS/small"
	check "the next session writes" [ "$(write "$WS/small" b | wc -c)" -gt 30 ] || ok=1
	check "and cleared tmp/" [ -z "$(ls -A "$STORE/tmp")" ] || ok=1
	check "the store is consistent" store_consistent || ok=1
	return $ok
}

# A file over the fs worker's file size limit (64 MiB) cannot be
# snapshotted: the write is refused, said, and the session goes on.
t_too_large() {
	local ok=0
	setup
	head -c 70000000 /dev/zero > "$WS/big" 2>/dev/null || {
		skip "no room for a 70 MB file in /tmp"; return; }
	printf '%s\n' "{\"id\":1,\"action\":\"fs.write\",\"target\":\"$WS/big\",\"params\":{\"content\":\"x\"}}" \
	    "{\"id\":2,\"action\":\"fs.write\",\"target\":\"$WS/small\",\"params\":{\"content\":\"y\"}}" > "$T/b"
	sub --batch "$T/b" > "$T/out"
	check "refused, said ($(head -c 300 "$T/out"))" grep -q "larger than the fs worker may write" "$T/out" || ok=1
	check "not written" [ "$(stat -c %s "$WS/big")" = 70000000 ] || ok=1
	check "the session went on" [ "$(jq -r 'select(.id==2) | .status' "$T/out")" = OK ] || ok=1
	check "nothing left in tmp/" [ -z "$(ls -A "$STORE/tmp")" ] || ok=1
	rm -f "$WS/big"
	return $ok
}

# snapshot: false: done without one; the outcome says so; nothing to undo.
t_snapshot_false() {
	local ok=0 r
	setup
	cat > "$T/p.yaml" <<YAML
capabilities:
  - action: fs.write
    resource: $WS/**
    snapshot: false
  - action: snapshot.rollback
    resource: "*"
YAML
	r=$(write "$WS/ns" hi)
	check "written" [ "$(cat "$WS/ns")" = hi ] || ok=1
	check "no snapshot" [ ! -e "$STORE/meta/$r.json" ] || ok=1
	check "the outcome says snapshot false" [ "$(jq -r "select(.type==\"outcome\" and .record_id==\"$r\") | .snapshot" "$T/log")" = false ] || ok=1
	check "rollback: no snapshot found" grep -q "no snapshot found" <<<"$(rollback "$r")" || ok=1
	policy
	r=$(write "$WS/ns" again)
	check "with snapshots, the outcome names it" [ "$(jq -r "select(.type==\"outcome\" and .record_id==\"$r\") | .snapshot" "$T/log")" = "$r" ] || ok=1
	return $ok
}

# A symbolic link is never followed, and never snapshotted: refused.
t_symlink() {
	local ok=0
	setup
	printf 'target' > "$T/outside"
	ln -s "$T/outside" "$WS/link"
	sub --action fs.write --target "$WS/link" --params '{"content":"x"}' > "$T/out"
	check "refused ($(cat "$T/out"))" grep -q "cannot snapshot it: a symbolic link" "$T/out" || ok=1
	check "the link stays" [ -L "$WS/link" ] || ok=1
	check "its target untouched" [ "$(cat "$T/outside")" = target ] || ok=1
	return $ok
}

# The store where the agent could reach it, or open to others: refused.
t_store_placement() {
	local ok=0
	setup
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$WS/snaps" --action fs.list --target "$WS" \
	    > "$T/out" 2> "$T/err2"
	check "inside the workspace: refused ($(cat "$T/err2"))" grep -q "snapshot store .* lies beneath fs root" "$T/err2" || ok=1
	check "and not left there" [ ! -e "$WS/snaps" ] || ok=1
	mkdir -p "$T/open"
	chmod 755 "$T/open"
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$T/open" --action fs.list --target "$WS" \
	    > "$T/out" 2> "$T/err2"
	check "open to others: refused ($(cat "$T/err2"))" grep -q "nobody else may enter" "$T/err2" || ok=1
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --action fs.list --target "$WS" > /dev/null 2>&1
	check "default: beside the log, 0700" [ "$(stat -c %a "$T/snapshots")" = 700 ] || ok=1
	check "and marked as a store" [ -f "$T/snapshots/.aksup-snapshot-store" ] || ok=1
	# a directory of other files is never taken for a store (the worker
	# clears and renames beneath it)
	mkdir -p "$T/home/tmp" "$T/home/docs"; chmod 700 "$T/home"
	printf 'keep' > "$T/home/tmp/notes"
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$T/home" --action fs.list --target "$WS" \
	    > /dev/null 2> "$T/err2"
	check "a home refused ($(cat "$T/err2"))" grep -q "holds other files (docs) and is no snapshot store" "$T/err2" || ok=1
	check "its files kept" [ "$(cat "$T/home/tmp/notes")" = keep ] || ok=1
	# a root inside the store: refused (the agent would read and forge
	# snapshots, and lose files to the sweeps)
	"$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$T/st2" --action fs.list --target "$WS" > /dev/null 2>&1
	mkdir -p "$T/st2/inner"
	printf 'capabilities:\n  - action: fs.write\n    resource: %s/**\n' "$T/st2/inner" > "$T/in.yaml"
	"$AKSUP" submit --policy "$T/in.yaml" --log-path "$T/log" \
	    --snapshot-dir "$T/st2" --action fs.write --target "$T/st2/inner/x" \
	    --params '{"content":"x"}' > /dev/null 2> "$T/err2"
	check "a root inside the store refused ($(cat "$T/err2"))" grep -q "holds fs root $T/st2/inner" "$T/err2" || ok=1
	check "nothing written" [ ! -e "$T/st2/inner/x" ] || ok=1
	# a policy that lets the agent write and delete nothing: no store
	rm -rf "$T/snapshots"
	printf 'capabilities:\n  - action: fs.read\n    resource: %s/**\n' "$WS" > "$T/ro.yaml"
	"$AKSUP" submit --policy "$T/ro.yaml" --log-path "$T/log" \
	    --action fs.read --target "$WS/sub" > /dev/null 2>&1
	check "read-only policy: no store made" [ ! -e "$T/snapshots" ] || ok=1
	return $ok
}

# aksup snapshots list shows what rollback can undo; gc removes the
# expired and the damaged, the blobs none names, and nothing else.
t_snapshots_list_gc() {
	local ok=0 r1 r2 r3 rd b3 out
	setup
	printf 'one' > "$WS/a"
	printf 'two' > "$WS/b"
	r1=$(write "$WS/a" A)
	r2=$(write "$WS/b" B)
	rd=$("$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$STORE" --action fs.delete \
	    --target "$WS/sub" | rid)
	head -c 70000 /dev/urandom > "$WS/c"	# over 64 KiB: a blob file
	r3=$("$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$STORE" --action fs.write \
	    --target "$WS/c" --params '{"content":"C"}' | rid)
	b3=$(jq -r .blob "$STORE/meta/$r3.json")
	out=$("$AKSUP" snapshots list --snapshot-dir "$STORE")
	check "listed ($out)" bash -c '[ "$(grep -c -E "$1|$2|$3" <<<"$4")" = 3 ]' _ "$r1" "$r2" "$r3" "$out" || ok=1
	check "with its path" grep -q "$r1 .* $WS/a\$" <<<"$out" || ok=1
	check "--json: whole metadata lines" [ "$("$AKSUP" snapshots list --snapshot-dir "$STORE" --json | jq -s 'map(.record_id) | length')" -ge 3 ] || ok=1
	printf '{"v":1}\n' > "$STORE/meta/0f8fad5b-d9cb-469f-a165-70867728950e.json"
	# r3 and the fs.delete of sub expire: their lines say so (expires
	# at the time they were taken; edited here rather than waited for,
	# so no session's own sweep can take them first)
	for m in "$r3" "$rd"; do
		jq -c '.expires = .at' "$STORE/meta/$m.json" > "$T/m" &&
		    cat "$T/m" > "$STORE/meta/$m.json"
	done
	# their blobs older than gc's grace (a minute: a running session's)
	find "$STORE/blobs" -type f -exec touch -d '2 minutes ago' {} +
	out=$("$AKSUP" snapshots gc --snapshot-dir "$STORE" 2>"$T/err2")
	check "gc says what it removed ($out)" grep -q -E "removed 2 expired and 1 damaged snapshots, 1 blobs" <<<"$out" || ok=1
	check "no expired metadata left" [ ! -e "$STORE/meta/$r3.json" ] && [ ! -e "$STORE/meta/$rd.json" ] || ok=1
	check "the damaged one said ($(cat "$T/err2"))" grep -q "damaged snapshot metadata" "$T/err2" || ok=1
	check "r3's blob gone" [ ! -e "$STORE/blobs/${b3:0:2}/$b3" ] || ok=1
	check "r1 and r2 kept" [ -f "$STORE/meta/$r1.json" ] && [ -f "$STORE/meta/$r2.json" ] || ok=1
	check "and still roll back" [ "$(rollback "$r1" | status)" = OK ] && [ "$(cat "$WS/a")" = one ] || ok=1
	out=$("$AKSUP" snapshots gc --snapshot-dir "$STORE")
	check "a second gc removes nothing more ($out)" grep -q "removed 0 expired and 0 damaged snapshots, 0 blobs" <<<"$out" || ok=1
	return $ok
}

# How long a snapshot is kept: --snapshot-ttl, else the rule's
# snapshot_ttl, else an hour.
t_ttl_sources() {
	local ok=0 r m
	setup
	printf 'x' > "$WS/t"
	r=$(write "$WS/t" y)
	m="$STORE/meta/$r.json"
	check "default: an hour" [ "$(jq '.expires - .at' "$m")" = 3600 ] || ok=1
	sed -i "/action: fs.write/a\\    snapshot_ttl: 120" "$T/p.yaml"
	r=$(write "$WS/t" z)
	m="$STORE/meta/$r.json"
	check "the rule's snapshot_ttl ($(cat "$T/p.yaml" | grep -c snapshot_ttl))" [ "$(jq '.expires - .at' "$m")" = 120 ] || ok=1
	r=$("$AKSUP" submit --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$STORE" --snapshot-ttl 7 --action fs.write \
	    --target "$WS/t" --params '{"content":"w"}' | rid)
	m="$STORE/meta/$r.json"
	check "--snapshot-ttl over the rule" [ "$(jq '.expires - .at' "$m")" = 7 ] || ok=1
	"$AKSUP" policy explain --policy "$T/p.yaml" --action fs.write \
	    --target "$WS/t" > "$T/out" 2>&1
	check "policy explain says it ($(grep snapshot "$T/out"))" grep -q "^snapshot: taken first .* kept 120s" "$T/out" || ok=1
	return $ok
}

# Whether a snapshot is taken never depends on the order of the rules:
# none only when every allow rule that matches says snapshot: false; kept
# the longest any of them says.
t_rule_order() {
	local ok=0 order r
	for order in ab ba; do
		setup
		{
			echo "capabilities:"
			echo "  - action: snapshot.rollback"
			echo "    resource: \"*\""
			for x in $(echo "$order" | fold -w1); do
				if [ "$x" = a ]; then
					printf '  - action: fs.write\n    resource: %s/**\n    snapshot: false\n' "$WS"
				else
					printf '  - action: fs.write\n    resource: %s/sub/**\n    snapshot_ttl: 600\n' "$WS"
				fi
			done
		} > "$T/p.yaml"
		r=$(write "$WS/sub/x" one)
		check "$order: a snapshot for sub/x (a rule wants one)" [ -f "$STORE/meta/$r.json" ] || ok=1
		check "$order: kept 600 s" [ "$(jq '.expires - .at' "$STORE/meta/$r.json" 2>/dev/null)" = 600 ] || ok=1
		r=$(write "$WS/y" two)
		check "$order: none for y (its only rule says false)" [ ! -e "$STORE/meta/$r.json" ] || ok=1
	done
	return $ok
}

# An agent (aksup run) undoes only its own session's actions; the
# operator's aksup rollback undoes any session's. And undoing a file a
# write created is a delete: without the delete right, refused.
t_agent_own_session() {
	local ok=0 r r2 out
	setup
	printf 'x' > "$WS/own"
	r=$(write "$WS/own" y)		# a session of the operator's
	cat > "$T/agent.py" <<'PY'
import json, os, socket, sys
chan = socket.socket(fileno=int(os.environ["AKSUP_FD"]))
def call(i, action, target, params=None):
    req = {"id": i, "action": action, "target": target}
    if params is not None:
        req["params"] = params
    chan.send(json.dumps(req).encode())
    a = json.loads(chan.recv(1 << 20))
    print(json.dumps(a))
    return a
call(1, "snapshot.rollback", sys.argv[1])
w = call(2, "fs.write", sys.argv[2], {"content": "agent"})
call(3, "snapshot.rollback", w["record_id"])
PY
	chmod 644 "$T/agent.py"
	out=$("$AKSUP" run --policy "$T/p.yaml" --log-path "$T/log" \
	    --snapshot-dir "$STORE" --ro "$T/agent.py" -- /usr/bin/python3 \
	    "$T/agent.py" "$r" "$WS/own" 2>"$T/err2")
	check "another session's: refused ($(head -c 300 <<<"$out"))" \
	    bash -c 'jq -r "select(.id==1) | .error" <<<"$1" | grep -q "belongs to another session"' _ "$out" || ok=1
	check "its own: rolled back" [ "$(jq -r 'select(.id==3) | .status' <<<"$out")" = OK ] || ok=1
	check "the file as the operator's write left it" [ "$(cat "$WS/own")" = y ] || ok=1
	check "the operator's rollback: done" [ "$(rollback "$r" | status)" = OK ] && [ "$(cat "$WS/own")" = x ] || ok=1
	# a new file, a policy without fs.delete: not removed
	r2=$(write "$WS/made/new" z)
	sed -i '/action: fs.delete/,+1d' "$T/p.yaml"
	rollback "$r2" > "$T/out"
	check "no delete right: refused ($(cat "$T/out"))" grep -q "and fs.delete (to remove what the write created)" "$T/out" || ok=1
	check "still there" [ -f "$WS/made/new" ] || ok=1
	return $ok
}

# Bytes the store holds already are shared, checked, and made young
# again: gc (which keeps a blob younger than a minute) never removes the
# blob a new snapshot names, even one whose bytes an old snapshot held.
t_blob_reuse() {
	local ok=0 r b out
	setup
	head -c 70000 /dev/urandom > "$WS/big"
	cp "$WS/big" "$T/orig"
	r=$(write "$WS/big" one)
	check "rolled back" [ "$(rollback "$r" | status)" = OK ] || ok=1
	b=$(find "$STORE/blobs" -type f | head -1)
	touch -d '2 minutes ago' "$b"	# unnamed and old: a sweep's
	r=$(write "$WS/big" two)	# the same prior bytes again
	check "the blob is there" [ -f "$b" ] || ok=1
	check "and young again" [ $(( $(date +%s) - $(stat -c %Y "$b") )) -lt 60 ] || ok=1
	out=$("$AKSUP" snapshots gc --snapshot-dir "$STORE")
	check "gc keeps it ($out)" [ -f "$b" ] || ok=1
	check "rolled back" [ "$(rollback "$r" | status)" = OK ] || ok=1
	check "byte for byte" cmp -s "$T/orig" "$WS/big" || ok=1
	# a damaged blob of the same size is not shared: written anew
	r=$(write "$WS/big" three)
	rollback "$r" > /dev/null
	chmod u+w "$b"; head -c 70000 /dev/zero > "$b"
	r=$(write "$WS/big" four)
	check "rewritten whole" cmp -s "$T/orig" "$b" || ok=1
	check "rolled back" [ "$(rollback "$r" | status)" = OK ] && cmp -s "$T/orig" "$WS/big" || ok=1
	return $ok
}

ALL="binary_round_trip mode_kept tampered_blob new_file_removed delete_restored
denied_no_snapshot store_full expired forged_ids rollback_denied changed
session_100 kill_during_snapshot too_large snapshot_false symlink store_placement
snapshots_list_gc ttl_sources rule_order
agent_own_session blob_reuse"

cd "$T" || exit 1
echo "rollback tests as $(id -un) (uid $(id -u))"
for t in ${*:-$ALL}; do
	run_one "$t" "t_$t"
done
finish
