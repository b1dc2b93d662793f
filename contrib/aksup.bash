# contrib/aksup.bash -- bash completion for aksup (installed as
# share/bash-completion/completions/aksup). The subcommands and their
# options, as aksup help CMD lists them.
_aksup() {
	local cur prev cmd
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=${COMP_WORDS[1]}
	# after --, CMD and its arguments: files and commands (-o default)
	local w
	for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
		[ "$w" = -- ] && { COMPREPLY=(); return; }
	done
	local session="--log-path --audit-sync --seal-key-out --seal-every
	    --seal-interval --audit-params --audit-max-bytes --audit-max-records
	    --allow-degraded --run-as --uid-base --memory-max --pids-max --http-ca
	    --mcp-pins --snapshot-dir --snapshot-max-bytes --snapshot-ttl
	    --llm --llm-key --llm-replay --help"
	case $prev in
	--policy|--log-path|--seal-key-out|--batch|--key|--ro|--http-ca|--mcp-pins|--snapshot-dir|--agent|--llm-replay)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--audit-sync)
		COMPREPLY=($(compgen -W "always batch none" -- "$cur")); return ;;
	--status)
		COMPREPLY=($(compgen -W "ALLOWED DENIED INVALID NO_PROVIDER OK FAILED ERROR" -- "$cur")); return ;;
	--action)
		COMPREPLY=($(compgen -W "fs.read fs.write fs.delete fs.list proc.exec net.http mcp.call llm.chat snapshot.rollback" -- "$cur")); return ;;
	--allow-degraded)
		COMPREPLY=($(compgen -W "seccomp landlock namespaces uids caps rlimits cgroup" -- "$cur")); return ;;
	--run-as)
		COMPREPLY=($(compgen -u -- "$cur")); return ;;
	--timeout|--uid-base|--seal-every|--seal-interval|--audit-params|--audit-max-bytes|--audit-max-records|--memory-max|--pids-max|--limit|--target|--params|--session|--since|--until|--record-id|--snapshot-max-bytes|--snapshot-ttl)
		COMPREPLY=(); return ;;	# a value of the user's
	esac
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "run submit rollback snapshots log validate-policy policy mcp version help" -- "$cur"))
		return
	fi
	case $cmd in
	run)	COMPREPLY=($(compgen -W "--policy --timeout --stdin --ro --agent --quiet $session" -- "$cur")) ;;
	submit)	COMPREPLY=($(compgen -W "--policy --action --target --params --batch $session" -- "$cur")) ;;
	rollback) COMPREPLY=($(compgen -W "--policy --force --session --since $session" -- "$cur")) ;;
	snapshots) if [ "$COMP_CWORD" -eq 2 ]; then
			COMPREPLY=($(compgen -W "list gc" -- "$cur"))
		elif [ "${COMP_WORDS[2]}" = list ]; then
			COMPREPLY=($(compgen -W "--snapshot-dir --log-path --session --json --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "--snapshot-dir --log-path --help" -- "$cur"))
		fi ;;
	log)	if [ "$COMP_CWORD" -eq 2 ] && [[ $cur != -* ]]; then
			COMPREPLY=($(compgen -W "verify" -- "$cur"))
		elif [[ " ${COMP_WORDS[*]} " == *" verify "* ]]; then
			COMPREPLY=($(compgen -W "--log-path --key --allow-open --allow-crashed --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "--log-path --status --action --session --since --until --record-id --limit --json --follow --help" -- "$cur"))
		fi ;;
	validate-policy) COMPREPLY=($(compgen -W "--policy --help" -- "$cur")) ;;
	policy)	if [ "$COMP_CWORD" -eq 2 ]; then
			COMPREPLY=($(compgen -W "explain" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "--policy --action --target --params --help" -- "$cur"))
		fi ;;
	mcp)	if [ "$COMP_CWORD" -eq 2 ]; then
			COMPREPLY=($(compgen -W "tools pin" -- "$cur"))
		elif [ "${COMP_WORDS[2]}" = pin ]; then
			COMPREPLY=($(compgen -W "--policy --mcp-pins --log-path --yes --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "--policy --mcp-pins --log-path --help" -- "$cur"))
		fi ;;
	help)	COMPREPLY=($(compgen -W "run submit rollback snapshots log validate-policy policy mcp version" -- "$cur")) ;;
	esac
}
complete -o default -F _aksup aksup
