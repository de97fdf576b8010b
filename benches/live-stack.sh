# shellcheck shell=bash
# Sourced by benches/live-soak.sh and benches/live-latency.sh: a private PulseAudio server (the
# desktop's is never touched) with the modules given, and ALSA's `default` routed to it (cpal's
# default host is ALSA), as .ci/audio-stack.sh does for the tests.
#   live_stack_start NAME "MODULE ARGS" ...   sets LIVE_STACK_DIR; PULSE_SERVER etc. exported
# Stopped, with the players in LIVE_STACK_PIDS, when the shell exits; SOAK_VERBOSE=1 logs at -vvv
# and SOAK_KEEP=1 keeps the folder (pa.log and what the script put there).
live_stack_start() {
  local name=$1 m
  shift
  for m in pulseaudio pactl pacat; do
    command -v "$m" >/dev/null 2>&1 || { echo "$name: '$m' is missing" >&2; return 2; }
  done
  LIVE_STACK_DIR=$(mktemp -d "/tmp/$name.XXXX")
  local dir=$LIVE_STACK_DIR
  mkdir -p "$dir/run" "$dir/home"
  chmod 700 "$dir/run"
  printf 'pcm.!default { type pulse }\nctl.!default { type pulse }\n' >"$dir/asound.conf"
  export PULSE_SERVER="unix:$dir/run/pa.sock" PULSE_COOKIE="$dir/home/cookie"
  export ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$dir/asound.conf"
  unset PULSE_SINK PULSE_SOURCE
  local args=(--daemonize=no -n --exit-idle-time=-1 --disallow-exit --use-pid-file=no
    --disable-shm=yes --log-target="file:$dir/pa.log" --log-time=yes
    -L "module-native-protocol-unix auth-anonymous=1 socket=$dir/run/pa.sock")
  [ "${SOAK_VERBOSE:-}" = 1 ] && args+=(-vvv)
  for m in "$@"; do args+=(-L "$m"); done
  HOME="$dir/home" XDG_RUNTIME_DIR="$dir/run" pulseaudio "${args[@]}" </dev/null >/dev/null 2>&1 &
  LIVE_STACK_SERVER=$!
  LIVE_STACK_PIDS=""
  trap live_stack_stop EXIT
  trap 'exit 130' INT TERM
  for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
  if ! pactl info >/dev/null 2>&1; then
    echo "$name: PulseAudio did not start" >&2
    tail "$dir/pa.log" >&2
    return 1
  fi
}

live_stack_stop() {
  local p
  for p in $LIVE_STACK_PIDS; do kill "$p" 2>/dev/null; done
  kill "$LIVE_STACK_SERVER" 2>/dev/null
  wait 2>/dev/null
  if [ "${SOAK_KEEP:-}" = 1 ]; then
    echo "kept $LIVE_STACK_DIR"
  else
    rm -rf "$LIVE_STACK_DIR"
  fi
}
