#!/usr/bin/env python3
"""Launch benchmark of `iemsim play`: time to first audio, cold and warm loudness cache.

Measures the wall time from spawning `iemsim play FILE --no-tui --duration 0.3` to its start line
on stdout, which `play` prints once the device's first callback has run (the ring is prefilled
before the device starts, so that first callback already writes music, not silence).

    source .ci/audio-stack.sh          # the private PulseAudio server with its null sink
    # long test material (not committed):
    sox $(yes samples/music.wav | head -75) -r 96000 -b 24 /tmp/long96.wav   # 30 min, 96 kHz/24-bit
    sox $(yes samples/music.wav | head -150) -b 16 /tmp/long60.flac          # 60 min FLAC
    benches/play-launch.py target/release/iemsim /tmp/long96.wav cold 5
    benches/play-launch.py target/release/iemsim /tmp/long96.wav warm 5

cold: the cache folder is emptied before each run; warm: one run plays until the exact gains
arrive (filling the cache), then the timed runs. The cache lives in a temporary XDG_CACHE_HOME.
"""
import os, shutil, statistics, subprocess, sys, tempfile, time

exe, path, mode, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
cache = tempfile.mkdtemp(prefix="iemsim-bench-cache-")
env = dict(os.environ, XDG_CACHE_HOME=cache)


def play(duration):
    return subprocess.Popen([exe, "play", path, "--no-tui", "--duration", duration],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)


if mode == "warm":
    p = play("600")
    for line in p.stdout:
        if "exact loudness gains" in line:
            break
    p.kill()
    p.wait()
times = []
for _ in range(n):
    if mode == "cold":
        shutil.rmtree(os.path.join(cache, "iemsim"), ignore_errors=True)
    t = time.monotonic()
    p = play("0.3")
    line = p.stdout.readline()
    times.append(time.monotonic() - t)
    p.wait()
    print(f"{times[-1] * 1e3:6.0f} ms  {line.strip()[-80:]}", flush=True)
shutil.rmtree(cache, ignore_errors=True)
print(f"{os.path.basename(path)} {mode}: median {statistics.median(times) * 1e3:.0f} ms of {n}: "
      f"{[round(t * 1e3) for t in times]}")
