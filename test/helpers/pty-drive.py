#!/usr/bin/env python3
"""Drive a command in a pseudo-terminal, following a scripted conversation.

Usage: pty-drive.py [--step-timeout S] [--exit-timeout S] <json-script> -- <command> [args...]

The script is a JSON list of [regex, text] pairs. For each pair, wait until the
output seen since the previous match (ANSI escapes stripped) matches regex, then
write text to the terminal ("\\r" is Enter, "\\x1b[B" arrow-down, "\\x03" Ctrl-C).
After the script, read until the command closes the terminal, print everything
it wrote (raw) on stdout and exit with its exit code (128+N when killed by
signal N). On a timeout, print what was seen on stderr and exit 124.

The terminal is 120x40; the command is a session leader with the pty as its
controlling terminal, as under a real terminal emulator.
"""
import errno
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def strip_ansi(text):
    return ANSI.sub("", text)


def usage(msg):
    sys.stderr.write("pty-drive: %s\nusage: pty-drive.py [--step-timeout S] [--exit-timeout S] <json-script> -- <command> [args...]\n" % msg)
    sys.exit(64)


def parse_args(argv):
    step_timeout, exit_timeout = 20.0, 30.0
    args = list(argv)
    while args and args[0].startswith("--") and args[0] != "--":
        opt = args.pop(0)
        if not args:
            usage("%s needs a value" % opt)
        if opt == "--step-timeout":
            step_timeout = float(args.pop(0))
        elif opt == "--exit-timeout":
            exit_timeout = float(args.pop(0))
        else:
            usage("unknown option %s" % opt)
    if len(args) < 3 or args[1] != "--":
        usage("expected <json-script> -- <command>")
    try:
        script = json.loads(args[0])
    except ValueError as e:
        usage("script is not JSON: %s" % e)
    if not isinstance(script, list) or not all(isinstance(s, list) and len(s) == 2 and all(isinstance(x, str) for x in s) for s in script):
        usage("script must be a list of [regex, text] pairs")
    return step_timeout, exit_timeout, [(re.compile(r), t) for r, t in script], args[2:]


def main():
    step_timeout, exit_timeout, script, command = parse_args(sys.argv[1:])

    pid, fd = pty.fork()
    if pid == 0:
        # Child: stdin/stdout/stderr are the pty slave, which is our controlling terminal.
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
            os.execvp(command[0], command)
        except BaseException as e:  # noqa: BLE001 - report anything, then leave without running parent code
            os.write(2, ("pty-drive: cannot run %s: %s\n" % (command[0], e)).encode())
        finally:
            os._exit(127)

    raw = bytearray()
    eof = False

    def pump(timeout):
        """Read what is available (waiting up to timeout seconds); return False at EOF."""
        nonlocal eof
        if eof:
            return False
        ready, _, _ = select.select([fd], [], [], max(0.0, timeout))
        if not ready:
            return True
        try:
            chunk = os.read(fd, 65536)
        except OSError as e:
            if e.errno != errno.EIO:  # Linux: EIO once the child side is closed
                raise
            chunk = b""
        if not chunk:
            eof = True
            return False
        raw.extend(chunk)
        return True

    def text():
        return strip_ansi(raw.decode("utf-8", "replace"))

    def give_up(message):
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass
        sys.stderr.write("pty-drive: %s\n--- output so far (ANSI stripped) ---\n%s\n--- end ---\n" % (message, text()))
        sys.stdout.write(raw.decode("utf-8", "replace"))
        sys.stdout.flush()
        sys.exit(124)

    cursor = 0  # position in the stripped output after the previous match
    for i, (pattern, reply) in enumerate(script):
        deadline = time.monotonic() + step_timeout
        while True:
            seen = text()
            m = pattern.search(seen, cursor)
            if m:
                cursor = m.end()
                break
            if eof:
                give_up("step %d: the command ended before /%s/ appeared" % (i + 1, pattern.pattern))
            left = deadline - time.monotonic()
            if left <= 0:
                give_up("step %d: timed out after %gs waiting for /%s/" % (i + 1, step_timeout, pattern.pattern))
            pump(min(left, 0.5))
        data = reply.encode("utf-8")
        while data:
            n = os.write(fd, data)
            data = data[n:]

    deadline = time.monotonic() + exit_timeout
    while pump(min(max(deadline - time.monotonic(), 0.0), 0.5)):
        if time.monotonic() > deadline:
            give_up("timed out after %gs waiting for the command to end" % exit_timeout)

    _, status = os.waitpid(pid, 0)
    os.close(fd)
    sys.stdout.write(raw.decode("utf-8", "replace"))
    sys.stdout.flush()
    if os.WIFSIGNALED(status):
        sys.exit(128 + os.WTERMSIG(status))
    sys.exit(os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()
