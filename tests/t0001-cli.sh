#!/bin/sh
# Command line: help, version, usage errors and unreadable files.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

test_expect_success '--help lists commands and exit codes' '
	hvoinspect --help >out &&
	grep "^usage: hvoinspect" out &&
	grep "^  info " out &&
	grep "^  vmcoreinfo " out &&
	grep "^  3  analysed, but incomplete" out
'

test_expect_success '--version prints the package version' '
	hvoinspect --version >out &&
	grep -E "^hvoinspect [0-9]+\.[0-9]+\.[0-9]+$" out
'

test_expect_success '--version names the libraries, libkdumpfile as pkg-config has it' '
	hvoinspect --version >out &&
	sed -n 2p out >libs &&
	grep -E "^libkdumpfile ${HVO_KDUMPFILE_VERSION:?}(, elfutils 0\.[0-9]+)?, libdwarf [0-9.]+, json-c [0-9.]+, readline [0-9.]+$" libs
'

test_expect_success 'no arguments is a usage error (2)' '
	test_expect_code 2 hvoinspect 2>err >out &&
	test_must_be_empty out &&
	grep "^hvoinspect: no dump file given" err
'

test_expect_success 'unknown option is a usage error (2)' '
	test_expect_code 2 hvoinspect --frobnicate x 2>err >out &&
	test_must_be_empty out &&
	grep "^hvoinspect: unknown option .--frobnicate." err
'

test_expect_success 'command without a dump is a usage error (2)' '
	test_expect_code 2 hvoinspect info 2>err &&
	grep "^hvoinspect: info: no dump file given" err
'

test_expect_success 'missing file: one line naming it, exit 2' '
	test_expect_code 2 hvoinspect info does-not-exist.kdump 2>err >out &&
	test_must_be_empty out &&
	echo "hvoinspect: cannot open '"'"'does-not-exist.kdump'"'"': No such file or directory" >expect &&
	test_cmp expect err
'

test_expect_success 'a directory is refused' '
	mkdir d &&
	test_expect_code 2 hvoinspect info d 2>err >out &&
	test_must_be_empty out &&
	echo "hvoinspect: '"'"'d'"'"': not a regular file" >expect &&
	test_cmp expect err
'

test_expect_success 'an empty file is refused' '
	: >empty &&
	test_expect_code 2 hvoinspect info empty 2>err >out &&
	test_must_be_empty out &&
	echo "hvoinspect: '"'"'empty'"'"': empty file, not a dump" >expect &&
	test_cmp expect err
'

test_expect_success 'a text file is not a dump' '
	printf "hello\n" >text &&
	test_expect_code 2 hvoinspect info text 2>err >out &&
	test_must_be_empty out &&
	test $(wc -l <err) -eq 1 &&
	grep "^hvoinspect: .text.: not a dump file (hvoinspect reads ELF and kdump-compressed dumps; this starts like neither)$" err
'

# libkdumpfile would probe other formats (LKCD, sadump, s390, Xen) with
# parsers whose tables nothing here bounds: such a file never reaches it.
test_expect_success 'other dump formats are refused before libkdumpfile parses them' '
	{ printf "sadump\000\000"; head -c 65536 /dev/zero; } >other &&
	test_expect_code 2 hvoinspect info other 2>err >out &&
	test_must_be_empty out &&
	grep "^hvoinspect: .other.: not a dump file (hvoinspect reads ELF and kdump-compressed dumps" err
'

if [ "$(id -u)" -eq 0 ]; then
	test_skip 'an unreadable file is refused' 'root reads every file'
else
	test_expect_success 'an unreadable file is refused' '
		printf "x" >secret && chmod 000 secret &&
		test_expect_code 2 hvoinspect info secret 2>err &&
		grep "Permission denied" err
	'
fi

test_done
