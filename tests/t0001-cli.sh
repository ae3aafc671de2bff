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

# A crash or git user's habits: options anywhere, help without a dump.
sample="$top_srcdir/vmcores/7.3-hvo-on/vmcore.slice"

test_expect_success 'options before the command, after it and after the dump mean the same' '
	hvoinspect --json --fail-on error report "$sample" >before &&
	hvoinspect report --json "$sample" --fail-on error >between &&
	hvoinspect report "$sample" --json --fail-on=error >after &&
	hvoinspect -j "$sample" report >clustered &&
	test_cmp before between &&
	test_cmp before after &&
	test_cmp before clustered &&
	grep "\"command\":\"report\"" before
'

test_expect_success 'a command option goes to the command wherever it stands' '
	hvoinspect rd -p "$sample" 0x1000 16 >first 2>&1;
	hvoinspect rd "$sample" 0x1000 16 -p >last 2>&1;
	test_cmp first last &&
	grep "physical 0x1000" first
'

test_expect_success '"--" ends the options: a dump may start with a dash' '
	cp "$sample" ./-dump &&
	hvoinspect --json info -- -dump >out &&
	grep "\"command\":\"info\"" out
'

test_expect_success 'help CMD, CMD --help and CMD -h need no dump, and agree' '
	hvoinspect help decode >help &&
	hvoinspect decode --help >dashdash &&
	hvoinspect -h decode >dash &&
	test_cmp help dashdash &&
	test_cmp help dash &&
	grep "^decode \[--json\] ADDR|PFN" help
'

test_expect_success 'help names the shell words too (set, help, quit)' '
	hvoinspect help set >set && grep "^set \[KEY VALUE\]" set &&
	hvoinspect help quit >quit && grep "^quit" quit &&
	hvoinspect -c "help set" "$sample" >shell && test_cmp set shell
'

test_expect_success 'help of a command that does not exist: exit 2, the nearest name' '
	test_expect_code 2 hvoinspect help decod 2>err >out &&
	test_must_be_empty out &&
	grep "^hvoinspect: help: no command .decod. (did you mean .decode.?)" err
'

test_expect_success 'a mistyped command is the word named, before or after the dump' '
	test_expect_code 2 hvoinspect reprot "$sample" 2>err >out &&
	test_must_be_empty out &&
	grep "^hvoinspect: unknown command .reprot. (did you mean .report.?)" err &&
	test_expect_code 2 hvoinspect "$sample" reprot 2>err &&
	grep "^hvoinspect: unknown command .reprot. (did you mean .report.?)" err &&
	test_expect_code 2 hvoinspect "$sample" zzzzzz 2>err &&
	grep "^hvoinspect: unknown command .zzzzzz. (try .help.)" err
'

test_expect_success 'an option no command takes is named, with the command' '
	test_expect_code 2 hvoinspect report "$sample" --frobnicate 2>err >out &&
	test_must_be_empty out &&
	grep "^hvoinspect: report: unknown option .--frobnicate." err
'

test_expect_success 'a global option missing its value is a usage error' '
	test_expect_code 2 hvoinspect report "$sample" --fail-on 2>err &&
	grep "^hvoinspect: option .--fail-on. needs an argument" err &&
	test_expect_code 2 hvoinspect --json=yes report "$sample" 2>err &&
	grep "^hvoinspect: option .--json. takes no value" err
'

test_expect_success 'a compressed dump is named as such, with the command that undoes it' '
	gzip -c "$sample" >dump.gz &&
	test_expect_code 2 hvoinspect report dump.gz 2>err >out &&
	test_must_be_empty out &&
	echo "hvoinspect: '"'"'dump.gz'"'"': gzip-compressed, not a dump: decompress it first (gunzip -k '"'"'dump.gz'"'"')" >expect &&
	test_cmp expect err &&
	# The magic number of each format, in octal for printf.
	for magic in "xz \\375\\067\\172\\130\\132\\000 unxz" "zstd \\050\\265\\057\\375 unzstd" \
		     "bzip2 \\102\\132\\150\\071 bunzip2" "lz4 \\004\\042\\115\\030 unlz4"; do
		set -- $magic &&
		{ printf "$2"; head -c 4096 /dev/zero; } >c.$1 &&
		test_expect_code 2 hvoinspect info c.$1 2>err &&
		grep "^hvoinspect: .c.$1.: $1-compressed, not a dump: decompress it first ($3 -k .c.$1.)$" err ||
		return 1
	done
'

test_expect_success 'decode: a pfn past the dump, or a symbol outside the vmemmap, is named' '
	test_expect_code 2 hvoinspect decode "$sample" 99999999999 2>err >out &&
	test_must_be_empty out &&
	grep "^hvoinspect: decode: pfn 0x174876e7ff is beyond the dump.s memory (its page frames end at max_pfn 0x[0-9a-f]*)$" err &&
	max=$(sed -n "s/.*max_pfn \(0x[0-9a-f]*\))$/\1/p" err) &&
	test_expect_code 2 hvoinspect decode "$sample" $max 2>err &&
	grep "beyond the dump" err &&
	{ hvoinspect decode "$sample" $(printf "0x%x" $((max - 1))) >out 2>err; true; } &&
	! grep "beyond the dump" err &&
	test_expect_code 2 hvoinspect decode "$sample" init_top_pgt 2>err &&
	grep "^hvoinspect: decode: .init_top_pgt. (0x[0-9a-f]*) is not in the vmemmap (0x[0-9a-f]*-0x[0-9a-f]*): give a struct page.s address or a pfn$" err
'

# crash meanings: vtop walks an address, pte decodes an entry value.  The
# expected flags are the x86 entry bits (Intel SDM vol. 3, 4.5): 0x163 is
# present, RW, accessed, dirty, global; bit 63 NX; bits 12-51 the frame.
test_expect_success 'pte decodes an entry value as crash does, vtop walks an address' '
	hvoinspect pte "$sample" 8000000140e53163 >out &&
	printf "%16s  %16s  %s\n%16s  %16s  %s\n" PTE PHYSICAL FLAGS \
		8000000140e53163 140e53000 "(PRESENT|RW|ACCESSED|DIRTY|GLOBAL|NX)" >expect &&
	test_cmp expect out &&
	hvoinspect pte "$sample" 0x0000000000200fe7 >out &&
	grep "^ *200fe7  *200000  (PRESENT|RW|USER|ACCESSED|DIRTY|PSE|GLOBAL)$" out &&
	hvoinspect vtop "$sample" init_top_pgt >out &&
	grep "^pgd " out && grep -- "-> physical 0x" out
'

# Above 4 GiB (pfn 0x100000) x86_64 puts memory in ZONE_NORMAL: decode names it.
test_expect_success 'decode names the zone, as the other commands do' '
	hvoinspect decode "$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice" 0x141005 >out &&
	grep "^  flags      0x[0-9a-f]*  node 0 zone Normal$" out &&
	hvoinspect --json decode "$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice" 0x141005 >out &&
	grep "\"zone\":\"Normal\",\"zone_index\":2" out
'

test_expect_success 'savings: the bytes saved also in binary units, which agree with them' '
	hvoinspect savings "$top_srcdir/vmcores/7.2.13-deb14-hvo-on/vmcore.slice" >out &&
	awk "\$(NF-2) == \"B\" { n++; want = sprintf(\"%.1f MiB\", \$(NF-3) / 1048576);
		if (\$(NF-1) \" \" \$NF != want) { print \"row \" NR \": \" want; bad = 1 } }
		END { exit bad || n < 2 }" out &&
	awk "/^HVO freed / { freed = \$3; of = \$5; got = \$(NF-2) \" \" \$(NF-1) \" \" \$NF }
		END { want = sprintf(\"(%.1f%%, %.1f MiB)\", 100 * freed / of, freed * 4096 / 1048576);
		      exit !(freed > 0 && got == want) }" out
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
