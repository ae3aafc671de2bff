#!/usr/bin/env python3
"""Drive the interactive shell through a real pseudo-terminal.

Usage: shell_pty.py HVOINSPECT DUMP STATE_DIR
Checks the prompt (with the dump's release), help, tab completion of a
command, that Ctrl-C at the prompt and during a command leaves the shell
alive, the pager for long output, quit, and the history file.
"""
import os
import pty
import select
import sys
import time

hvo, dump, state = sys.argv[1:4]
env = dict(os.environ, XDG_STATE_HOME=state, TERM="xterm", PAGER="sed s/^/PG:/", LINES="24",
           COLUMNS="100")
pid, fd = pty.fork()
if pid == 0:
    os.execve(hvo, [hvo, dump], env)

buf = b""


def read_until(token, timeout=20.0):
    global buf
    end = time.time() + timeout
    while token not in buf:
        left = end - time.time()
        if left <= 0:
            raise SystemExit("timed out waiting for %r; got:\n%s" % (token, buf.decode(errors="replace")))
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
    if token not in buf:
        raise SystemExit("shell ended before %r:\n%s" % (token, buf.decode(errors="replace")))
    out, buf = buf.split(token, 1)
    return out.decode(errors="replace")


def send(text):
    os.write(fd, text.encode())


prompt = b"-amd64> "   # the prompt names the release; "> " alone appears in output
banner = read_until(prompt)
assert "Type 'help'" in banner, banner
assert b"hvo 7.2.13" in banner.encode() or "hvo 7.2.13" in banner, banner

send("help\n")
out = read_until(prompt)
assert "report" in out and "decode" in out and "quit" in out, out

send("sav\t\n")            # completes to 'savings'
out = read_until(prompt)
assert "savings" in out and "pages_saved" in out, out

send("\x03")               # Ctrl-C at the prompt: readline keeps going
send("info\n")             # short: straight to the terminal
out = read_until(prompt)
assert "generation" in out and "PG:" not in out, out

send("folios\n")           # 180 lines, taller than 24: through $PAGER
out = read_until(prompt)
assert out.count("PG:") >= 180 and out.count("hvo-shared-tail") == 180, out[-300:]

send("set pager off\n")
read_until(prompt)
send("folios\n")
out = read_until(prompt)
assert "PG:" not in out and out.count("hvo-shared-tail") == 180, out[-300:]

send("pte nr_memmap_pag\t\n")   # completes a kernel symbol from the dump's kallsyms
out = read_until(prompt)
assert "-> physical" in out, out

send("decode 0x141005\n")
read_until(prompt)
send("decode 0x141\t\n")       # completes a recent address
out = read_until(prompt)
assert "pfn 0x141005" in out, out

send("bogus\n")
out = read_until(prompt)
assert "unknown command" in out, out

send("quit\n")
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
hist = open(os.path.join(state, "hvoinspect", "history")).read()
assert "savings" in hist and "info" in hist, hist
print("shell OK")
