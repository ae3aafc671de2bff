# bash completion for hvoinspect(1)                       -*- shell-script -*-
# Options, severities and commands are read from `hvoinspect --help`, so
# they cannot drift from the program.
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
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	-c|--commands)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		local opts
		opts=$(sed -n '/^Options:/,/^$/p' <<<"$help" | grep -o -- '--[a-z][a-z-]*' | sort -u)
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return
	fi
	local cmds
	cmds=$(sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' <<<"$help")
	mapfile -t COMPREPLY < <(compgen -W "$cmds" -- "$cur"; compgen -f -- "$cur")
}
complete -F _hvoinspect hvoinspect
