#!/usr/bin/env bash
# tests/layering.sh -- the tree's process diagram, kept: each process
# folder includes only its own headers and the shared ones, the pure
# libraries call no exit() and include no process folder, and the
# supervisor links no parser of untrusted bytes (no libyaml, jansson,
# libcurl). Run by meson test (`layering`) as
#   tests/layering.sh SRCDIR BUILDDIR
# Prints "N passed, N failed" last; each violation is named.
set -u
SRC=${1:?source dir} BLD=${2:?build dir}
cd "$SRC" || exit 1
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '    %s\n' "$@"; }

# Which folders a folder's sources may include from ("" for the pure
# libraries: themselves and common only). agent/ is the client library
# external agents (and aksup-bench, one of them) build on.
declare -A may=(
	[supervisor]="supervisor common audit"	# audit.h: its limits only
	[broker]="broker common policy audit snapshot"
	[workers]="workers common snapshot"
	[logview]="logview common audit snapshot"
	[agent]="agent common"
	[bench]="bench common agent"
	[examples]="examples agent common"
	[common]="common"
	[policy]="policy common"
	[audit]="audit common"
	[snapshot]="snapshot common"
)
viol=()
for dir in "${!may[@]}"; do
	[ -d "$dir" ] || continue
	while IFS=: read -r file _ inc; do
		top=${inc#*\"}; top=${top%%/*}
		case " ${may[$dir]} " in *" $top "*) ;; *) viol+=("$file includes $top/ ($inc)") ;; esac
	done < <(grep -rn --include='*.c' --include='*.h' -E '^#include "[a-z]+/' "$dir")
done
if [ ${#viol[@]} -eq 0 ]; then ok "includes follow the process diagram"
else bad "includes follow the process diagram" "${viol[@]}"; fi

# The pure libraries never end the process: the caller decides.
ex=$(grep -rn -E '(^|[^_a-z])exit *\(' policy audit snapshot --include='*.c' | grep -v -E '^\S+:\s*\*|/\*.*exit\(\)' || true)
if [ -z "$ex" ]; then ok "policy/, audit/ and snapshot/ call no exit()"
else bad "policy/, audit/ and snapshot/ call no exit()" "$ex"; fi

# The supervisor parses no YAML, JSON or HTTP: it links none of them.
if [ -x "$BLD/aksup" ]; then
	need=$(readelf -d "$BLD/aksup" | grep NEEDED | grep -E 'libyaml|libjansson|libcurl' || true)
	if [ -z "$need" ]; then ok "aksup links no libyaml, jansson, libcurl"
	else bad "aksup links no libyaml, jansson, libcurl" "$need"; fi
else
	bad "aksup links no libyaml, jansson, libcurl" "no $BLD/aksup"
fi

# The docs stand alone: no reference to a file outside the project
# (design notes the project does not ship), and every relative link of
# a Markdown doc names a file of the tree.
viol=()
while IFS= read -r hit; do viol+=("$hit"); done < <(grep -n -E 'DESIGN\.md|PLATFORM\.md|\.\./shared' README.md docs/*.md docs/*.1 2>/dev/null)
for f in README.md docs/*.md; do
	while IFS= read -r link; do
		case $link in http*|\#*|mailto:*) continue ;; esac
		target=$(dirname "$f")/${link%%#*}
		[ -e "$target" ] || viol+=("$f links to $link, which is not in the tree")
	done < <(grep -o -E '\]\([^)]+\)' "$f" | sed -E 's/^\]\((.*)\)$/\1/')
done
if [ ${#viol[@]} -eq 0 ]; then ok "the docs cite nothing outside the project"
else bad "the docs cite nothing outside the project" "${viol[@]}"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
