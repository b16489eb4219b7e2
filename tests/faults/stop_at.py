"""Runs a command and freezes it (SIGSTOP) the moment it creates a file whose name starts with
STEM in DIR (inotify IN_CREATE), i.e. while an output is being written at its temporary name;
prints the pid and that file's name, and leaves the process stopped for the caller to inspect
and SIGKILL. Prints "ended" (and the exit status) when the command ends without creating one.
  stop_at.py DIR STEM LOG CMD..."""
import ctypes, os, select, signal, struct, subprocess, sys

d, stem, log, cmd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
os.makedirs(d, exist_ok=True)
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK)
IN_CREATE = 0x100
assert fd >= 0 and libc.inotify_add_watch(fd, d.encode(), IN_CREATE) >= 0, "inotify failed"
with open(log, "w") as f:
    p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT)
while True:
    ready = select.select([fd], [], [], 0.05)[0]
    if not ready:
        if p.poll() is not None:
            print(f"ended {p.returncode}")
            sys.exit(0)
        continue
    buf = os.read(fd, 65536)
    while buf:
        _, _, _, n = struct.unpack_from("iIII", buf)
        name = buf[16:16 + n].rstrip(b"\0").decode()
        buf = buf[16 + n:]
        if name.startswith(stem):
            os.kill(p.pid, signal.SIGSTOP)
            print(f"stopped {p.pid} {name}")
            sys.exit(0)
