# bash completion for hvoinspect(1)                       -*- shell-script -*-
# Options, severities and commands are read from `hvoinspect --help` and
# `hvoinspect help CMD`, so they cannot drift from the program.
_hvoinspect()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
	}
	local help
	help=$("${COMP_WORDS[0]}" --help 2>/dev/null)
	case $prev in
	--fail-on)
		local severities
		severities=$(sed -n 's/.*(\([a-z, ]*\); default.*/\1/p' <<<"$help" | tr -d ,)
		mapfile -t COMPREPLY < <(compgen -W "$severities" -- "$cur")
		return ;;
	-f|--file|--vmlinux)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	-c|--commands)
		return ;;
	esac
	local cmds
	cmds=$(sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' <<<"$help")
	# The command typed so far, if any (options and their values skipped).
	local i word cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		case $word in
		--fail-on|-c|--commands|-f|--file|--vmlinux) ((i++)); continue ;;
		-*) continue ;;
		esac
		if grep -qxF -- "$word" <<<"$cmds"; then cmd=$word; fi
	done
	if [[ $cur == -* ]]; then
		local opts
		opts=$(sed -n '/^Options:/,/^$/p' <<<"$help" | grep -o -- '--[a-z][a-z-]*' | sort -u)
		# The command's own options too (rd -p), from its help.
		[[ -n $cmd ]] && opts+=" $("${COMP_WORDS[0]}" help "$cmd" 2>/dev/null |
			sed -n '/^Options:/,$s/^  \(-[-a-z]*\).*/\1/p')"
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return
	fi
	# Paths as bash completes them: a directory gets '/', not a space.
	compopt -o filenames 2>/dev/null
	if [[ -n $cmd ]]; then
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -W "$cmds" -- "$cur"; compgen -f -- "$cur")
	fi
}
complete -F _hvoinspect hvoinspect
