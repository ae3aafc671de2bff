#!/bin/sh
# The man page and --help describe every command in the command table, and
# the man page every finding in the table of findings.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

test_expect_success 'every command in --help has a man page entry' '
	hvoinspect --help | sed -n "/^Commands:/,/^$/p" | awk "NF >= 2 { print \$1 }" >cmds &&
	test $(wc -l <cmds) -ge 8 &&
	while read -r cmd; do
		grep -q "^\.BI* $cmd\b" "$top_srcdir/man/hvoinspect.1" ||
		{ echo "man page lacks $cmd"; exit 1; }
	done <cmds
'

test_expect_success 'every option in --help has a man page entry' '
	hvoinspect --help | sed -n "/^Options:/,/^$/p" | grep -o -- "--[a-z][a-z-]*" |
		sort -u >opts &&
	test $(wc -l <opts) -ge 10 &&
	while read -r opt; do
		man_opt=$(printf "%s" "$opt" | sed "s/-/\\\\\\\\-/g") &&
		grep -q -- "^\.B[IR]* .*$man_opt\b" "$top_srcdir/man/hvoinspect.1" ||
		{ echo "man page lacks $opt"; exit 1; }
	done <opts
'

# The table of findings (src/findings.c) prints the man page entries it
# wants; the man page must hold exactly those: every finding with its
# severity and meaning, and nothing the table lacks.
test_expect_success 'the man page lists the findings as their table has them' '
	"$top_builddir/tests/findings_table" >table &&
	test $(grep -c "^\.B " table) -ge 10 &&
	awk "/^\.SH /{ on = \$0 == \".SH FINDINGS\"; next } on && /^\.TP\$/ { tp = 1 } on && tp" \
		"$top_srcdir/man/hvoinspect.1" >man &&
	test_cmp table man
'

test_expect_success 'the exit codes in --help match the man page' '
	hvoinspect --help | grep -E "^  [0-3]  " | awk "{ print \$1 }" >help-codes &&
	printf "0\n1\n2\n3\n" >expect &&
	test_cmp expect help-codes &&
	for c in 0 1 2 3; do grep -q "^\.B $c$" "$top_srcdir/man/hvoinspect.1" || exit 1; done
'

test_expect_success 'bash completion offers commands, options and severities' '
	cat >drive.bash <<-EOS &&
	PATH="$(dirname "$HVOINSPECT"):\$PATH"
	. "$top_srcdir/src/hvoinspect.bash"
	COMP_WORDS=(hvoinspect sav); COMP_CWORD=1; _hvoinspect; echo "1:\${COMPREPLY[*]}"
	COMP_WORDS=(hvoinspect --fa); COMP_CWORD=1; _hvoinspect; echo "2:\${COMPREPLY[*]}"
	COMP_WORDS=(hvoinspect --fail-on cr); COMP_CWORD=2; _hvoinspect; echo "3:\${COMPREPLY[*]}"
	COMP_WORDS=(hvoinspect --no-); COMP_CWORD=1; _hvoinspect; echo "4:\${COMPREPLY[*]}"
	COMP_WORDS=(hvoinspect --vm); COMP_CWORD=1; _hvoinspect; echo "5:\${COMPREPLY[*]}"
	COMP_WORDS=(hvoinspect --fail-on ""); COMP_CWORD=2; _hvoinspect; echo "6:\${COMPREPLY[*]}"
	EOS
	bash drive.bash >out &&
	grep "^1:savings" out && grep "^2:--fail-on" out && grep "^3:critical" out &&
	grep "^4:--no-btf --no-dwarf$" out && grep "^5:--vmlinux$" out &&
	grep "^6:info warning error critical$" out
'

test_expect_success 'bash completion: after the command, paths and its own options' '
	mkdir sdir && : >sfile &&
	cat >drive.bash <<-EOS &&
	PATH="$(dirname "$HVOINSPECT"):\$PATH"
	. "$top_srcdir/src/hvoinspect.bash"
	COMP_WORDS=(hvoinspect s); COMP_CWORD=1; _hvoinspect; echo "1:\${COMPREPLY[*]}"
	COMP_WORDS=(hvoinspect report s); COMP_CWORD=2; _hvoinspect; echo "2:\${COMPREPLY[*]}"
	COMP_WORDS=(hvoinspect --json report sfile s); COMP_CWORD=4; _hvoinspect; echo "3:\${COMPREPLY[*]}"
	COMP_WORDS=(hvoinspect rd -); COMP_CWORD=2; _hvoinspect; echo "4:\${COMPREPLY[*]}"
	COMP_WORDS=(hvoinspect --fail-on error s); COMP_CWORD=3; _hvoinspect; echo "5:\${COMPREPLY[*]}"
	EOS
	bash drive.bash >out 2>/dev/null &&
	grep "^1:savings slice sdir sfile$" out &&
	grep "^2:sdir sfile$" out &&
	grep "^3:sdir sfile$" out &&
	grep "^4:.* -p\b" out &&
	grep "^5:savings slice sdir sfile$" out
'

test_expect_success 'every column of folios and tails is explained in help and the man page' '
	S="$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice" &&
	for cmd in folios tails; do
		hvoinspect $cmd "$S" | head -n 1 >header &&
		hvoinspect help $cmd >help &&
		for column in $(cat header); do
			grep -q "\b$column\b" help ||
			{ echo "help $cmd lacks column $column"; return 1; }
			grep -q "\b$column\b" "$top_srcdir/man/hvoinspect.1" ||
			{ echo "man page lacks column $column"; return 1; }
		done || return 1
	done
'

test_done
