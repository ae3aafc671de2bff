#!/usr/bin/env python3
"""Drive the interactive shell through a real pseudo-terminal.

Usage: shell_pty.py basic HVOINSPECT DUMP STATE_DIR
       shell_pty.py interrupt HVOINSPECT BIG_DUMP STATE_DIR

basic (the 7.2.13 sample slice): the prompt (with the dump's release),
help, tab completion of commands, options, option values, settings and
symbols, Ctrl-C at the prompt, the pager for long output, quit, and the
history file.

interrupt (a dump of many TiB, where commands take seconds): Ctrl-C at the
prompt does not stop the next command; Ctrl-C stops the analysis and a
slice being written (its file removed), prints "CMD: interrupted" and the
prompt comes back; Ctrl-C in a pager and a pager that quits early leave the
shell alive; later commands give their normal output.
"""
import glob
import os
import pty
import select
import signal
import subprocess
import sys
import time

mode, hvo, dump, state = sys.argv[1:5]


class Shell:
    prompt = b"-amd64> "   # the prompt names the release; "> " alone appears in output

    def __init__(self, pager, home=None):
        env = dict(os.environ, XDG_STATE_HOME=state, TERM="xterm", PAGER=pager, LINES="24",
                   COLUMNS="100")
        if home:
            # A fresh account: no XDG_STATE_HOME, and no ~/.local yet.
            del env["XDG_STATE_HOME"]
            env["HOME"] = home
        self.buf = b""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            # Python ignores SIGPIPE and exec keeps that; a login shell does not.
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            os.execve(hvo, [hvo, dump], env)

    def read_until(self, token, timeout=30.0):
        end = time.time() + timeout
        while token not in self.buf:
            left = end - time.time()
            if left <= 0:
                raise SystemExit("timed out waiting for %r; got:\n%s"
                                 % (token, self.buf.decode(errors="replace")))
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.buf += chunk
        if token not in self.buf:
            raise SystemExit("shell ended before %r:\n%s" % (token, self.buf.decode(errors="replace")))
        out, self.buf = self.buf.split(token, 1)
        return out.decode(errors="replace")

    def send(self, text):
        os.write(self.fd, text.encode())

    def run(self, line, timeout=30.0):
        """Send a command line, return what it printed up to the next prompt."""
        self.send(line + "\n")
        return self.read_until(self.prompt, timeout)

    def quit(self):
        self.send("quit\n")
        _, status = os.waitpid(self.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        assert code == 0, "shell exit status %d:\n%s" % (code, self.buf.decode(errors="replace"))


def basic():
    sh = Shell("sed s/^/PG:/")
    banner = sh.read_until(sh.prompt)
    assert "Type 'help'" in banner, banner
    assert "hvo 7.2.13" in banner, banner

    out = sh.run("help")
    assert "report" in out and "decode" in out and "quit" in out, out
    assert "[-p] ADDR [BYTES]" in out, out        # rd's short option, from its table

    out = sh.run("sav\t")       # completes to 'savings'
    assert "savings" in out and "pages_saved" in out, out

    sh.send("\x03")             # Ctrl-C at the prompt: a fresh prompt, the shell goes on
    sh.read_until(sh.prompt)
    out = sh.run("info")        # short: straight to the terminal
    assert "generation" in out and "PG:" not in out, out

    # Options of a command and the values of an option, from the command's table.
    sh.send("report --\t\t")
    out = sh.read_until(sh.prompt)     # the list, then the prompt and line redrawn
    assert "--json" in out and "--deep" in out and "--fail-on" in out, out
    sh.send("\x15")             # ^U: drop the line
    out = sh.run("report --f\tcr\t--js\t")
    assert "report --fail-on critical --json" in out, out
    assert '"command":"report"' in out and '"savings"' in out, out
    out = sh.run("info")        # --json held for that one command only
    assert "generation" in out and '"command"' not in out, out
    sh.send("rd -\t\t")
    out = sh.read_until(sh.prompt)
    assert "-p" in out and "--json" in out and "--deep" not in out, out
    sh.send("\x15")
    out = sh.run("help report")
    assert "--fail-on SEVERITY" in out and "Options:" in out, out

    # set: setting names, then that setting's values.
    sh.send("set \t\t")
    out = sh.read_until(sh.prompt)
    assert "pager" in out and "json" in out and "fail-on" in out, out
    sh.run("fail-on e\t")
    out = sh.run("set")
    assert "fail-on error" in out, out
    sh.send("set pager \t\t\t")   # "o", then on and off listed
    out = sh.read_until(sh.prompt)
    assert "off" in out and "on " in out, out
    sh.send("\x15")

    out = sh.run("folios")      # 180 lines, taller than 24: through $PAGER
    assert out.count("PG:") >= 180 and out.count("hvo-shared-tail") == 180, out[-300:]

    sh.run("set pager off")
    out = sh.run("folios")
    assert "PG:" not in out and out.count("hvo-shared-tail") == 180, out[-300:]

    out = sh.run("vtop nr_memmap_pag\t")  # completes a kernel symbol from the dump's kallsyms
    assert "-> physical" in out, out

    sh.run("decode 0x141005")
    out = sh.run("decode 0x141\t")       # completes a recent address
    assert "pfn 0x141005" in out, out

    out = sh.run("bogus")
    assert "unknown command" in out, out

    sh.quit()
    hist = open(os.path.join(state, "hvoinspect", "history")).read()
    assert "savings" in hist and "info" in hist, hist


def interrupt():
    # A pager that shows three lines, then per pager-mode waits (for Ctrl-C)
    # or quits at once, before the shell has written everything.
    mode_file = os.path.join(state, "pager-mode")
    pager = os.path.join(state, "pager")
    with open(pager, "w") as f:
        f.write("#!/bin/sh\nhead -n 3 | sed s/^/PG:/\n"
                "[ \"$(cat '%s')\" = wait ] && exec sleep 60\nexit 0\n" % mode_file)
    os.chmod(pager, 0o755)
    sh = Shell(pager)
    sh.read_until(sh.prompt, 120)

    # Ctrl-C at the prompt is not held against the next command.
    sh.send("abc\x03")
    sh.read_until(sh.prompt)
    out = sh.run("savings", 120)
    assert "HVO freed" in out and "interrupted" not in out, out

    # Ctrl-C during the deep analysis: reported, and the shallow one kept.
    # A quarter of the time the same analysis takes alone, at most 0.3 s,
    # so that a faster machine still interrupts it half way.
    start = time.time()
    code = subprocess.run([hvo, "-c", "report --deep", dump], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode
    alone = time.time() - start
    assert code in (0, 1), "report --deep alone: exit status %d" % code
    assert alone > 0.2, "report --deep alone took %.2f s: too fast to interrupt" % alone
    sh.send("report --deep\n")
    sh.read_until(b"report --deep\r\n")
    time.sleep(min(0.3, alone / 4))
    sh.send("\x03")
    out = sh.read_until(sh.prompt, 30)
    assert "hvoinspect: report: interrupted" in out and "HVO freed" not in out, out

    # Ctrl-C while slice writes its file (seconds of compression) under a
    # temporary name: the partial file is removed and the name never made.
    sliced = os.path.abspath("sliced.kdump")
    start = time.time()
    sh.send("slice %s\n" % sliced)
    while not glob.glob(sliced + ".??????"):
        assert time.time() - start < 120, "slice never created %s.XXXXXX" % sliced
        time.sleep(0.02)
    ran = time.time() - start
    sh.send("\x03")
    out = sh.read_until(sh.prompt, 30)
    assert "hvoinspect: slice: interrupted, '%s' not written" % sliced in out \
        and "wrote" not in out, out
    assert not glob.glob(sliced + "*"), "interrupted slice left %s" % glob.glob(sliced + "*")
    assert ran > 1.0, "slice reached its output after only %.2f s" % ran

    out = sh.run("info", 60)
    assert "generation" in out and "merged" in out, out

    # Ctrl-C while the pager shows a long output: the shell stops writing.
    with open(mode_file, "w") as f:
        f.write("wait\n")
    sh.send("folios\n")
    sh.read_until(b"PG:", 120)
    sh.read_until(b"PG:")
    sh.read_until(b"PG:")
    sh.send("\x03")
    out = sh.read_until(sh.prompt, 30)
    assert "hvoinspect: output stopped (interrupted)\r\n" in out, out[-300:]

    # A pager that quits early (q in less) must not kill the shell (SIGPIPE).
    with open(mode_file, "w") as f:
        f.write("quit\n")
    out = sh.run("folios", 120)
    assert out.count("PG:") == 3, out[-300:]

    out = sh.run("report", 60)
    assert "HVO freed" in out and "no findings" in out, out
    sh.quit()


def home():
    # History on an account whose ~/.local/state does not exist yet; help
    # of the shell's own words.
    home_dir = os.path.join(state, "home")
    os.mkdir(home_dir)
    sh = Shell("cat", home=home_dir)
    sh.read_until(sh.prompt)
    out = sh.run("help set")
    assert "set [KEY VALUE]" in out, out
    out = sh.run("help quit")
    assert "leave the shell" in out, out
    sh.quit()
    hist = open(os.path.join(home_dir, ".local", "state", "hvoinspect", "history")).read()
    assert "help set" in hist, hist


{"basic": basic, "interrupt": interrupt, "home": home}[mode]()
print("shell %s OK" % mode)
