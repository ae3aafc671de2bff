# bash completion for hvoinspect(1)                       -*- shell-script -*-
# Commands are read from `hvoinspect --help`, so they cannot drift.
_hvoinspect()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
	}
	local opts="--json --deep --fail-on --commands --file --keep-going --help --version"
	case $prev in
	--fail-on)
		mapfile -t COMPREPLY < <(compgen -W "info warning error critical" -- "$cur")
		return ;;
	-f|--file)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	-c|--commands)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return
	fi
	local cmds
	cmds=$("${COMP_WORDS[0]}" --help 2>/dev/null | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')
	mapfile -t COMPREPLY < <(compgen -W "$cmds" -- "$cur"; compgen -f -- "$cur")
}
complete -F _hvoinspect hvoinspect
