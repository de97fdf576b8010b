# shellcheck shell=bash
# The real audio stack for the playback tests, meant to be SOURCED (by .ci/run): a private
# PulseAudio server with a null sink `vsink` (48 kHz float stereo). The exported variables make
# every child (cargo test, the iemsim binary, parecord) use it:
#   PULSE_SERVER, PULSE_COOKIE  where libpulse clients connect;
#   ALSA_CONFIG_PATH            the system config plus ours, which routes ALSA `default` to the
#                               server (alsa-plugins "pulse"), because cpal's default host is ALSA;
#   IEMSIM_AUDIO_DIR            the stack's folder (log, socket); tests reuse a running stack.
# A null sink is paced by the clock like a sound card, unlike ALSA's file/null plugins: pacing,
# latency and the played samples (via its monitor, parecord) can be measured.
# Pitfalls learned the hard way: `norewinds=1` is needed (a rewinding null sink rewrites audio
# already captured); an idle null sink renders up to 2 s ahead, so a capture must be running and
# delivering data before a player starts (tests/common/pulse.rs does that).
# Fails loudly (non-zero status, log tail) when the server cannot start; sourcing it twice reuses
# the running server; the server is stopped when the sourcing shell exits.

_iemsim_audio_fail() {
  echo "ci: audio stack: $*" >&2
  return 1
}

_iemsim_audio_up() {
  [ -n "${PULSE_SERVER:-}" ] && pactl info >/dev/null 2>&1
}

_iemsim_audio_stop() {
  if [ -n "${IEMSIM_AUDIO_WATCHDOG:-}" ]; then
    kill "$IEMSIM_AUDIO_WATCHDOG" 2>/dev/null || true
  fi
  if [ -n "${IEMSIM_AUDIO_PID:-}" ]; then
    kill "$IEMSIM_AUDIO_PID" 2>/dev/null || true
    wait "$IEMSIM_AUDIO_PID" 2>/dev/null || true
    echo "ci: audio stack stopped"
  fi
  if [ -n "${IEMSIM_AUDIO_DIR:-}" ] && [ -d "$IEMSIM_AUDIO_DIR" ]; then
    rm -rf "$IEMSIM_AUDIO_DIR"
  fi
  IEMSIM_AUDIO_PID="" IEMSIM_AUDIO_WATCHDOG=""
}

_iemsim_audio_start() {
  if [ -n "${IEMSIM_AUDIO_DIR:-}" ] && _iemsim_audio_up; then
    echo "ci: audio stack already running ($PULSE_SERVER)"
    return 0
  fi
  local c
  for c in pulseaudio pactl parecord; do
    command -v "$c" >/dev/null 2>&1 ||
      { _iemsim_audio_fail "'$c' is missing (apt-get install pulseaudio pulseaudio-utils)"; return 1; }
  done
  [ -f /usr/share/alsa/alsa.conf ] ||
    { _iemsim_audio_fail "/usr/share/alsa/alsa.conf is missing (libasound2)"; return 1; }

  # Short path: a unix socket path must fit in 108 bytes.
  local aud
  aud=$(mktemp -d /tmp/aud.XXXX) || { _iemsim_audio_fail "mktemp failed"; return 1; }
  mkdir -p "$aud/run" "$aud/home"
  chmod 700 "$aud/run"
  printf 'pcm.!default { type pulse }\nctl.!default { type pulse }\n' >"$aud/asound.conf"
  export IEMSIM_AUDIO_DIR="$aud"
  export PULSE_SERVER="unix:$aud/run/pa.sock" PULSE_COOKIE="$aud/home/cookie"
  export ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$aud/asound.conf"
  unset PULSE_SINK

  # HOME/XDG_RUNTIME_DIR only for the server (its state and lock files), never for cargo.
  HOME="$aud/home" XDG_RUNTIME_DIR="$aud/run" pulseaudio --daemonize=no -n \
    --exit-idle-time=-1 --disallow-exit --use-pid-file=no --disable-shm=yes \
    --log-target="file:$aud/pa.log" \
    -L "module-native-protocol-unix auth-anonymous=1 socket=$aud/run/pa.sock" \
    -L "module-null-sink sink_name=vsink rate=48000 channels=2 format=float32le norewinds=1" \
    </dev/null >/dev/null 2>&1 &
  IEMSIM_AUDIO_PID=$!

  # Stop the server on any exit of this shell; the watchdog covers a SIGKILLed shell too.
  trap _iemsim_audio_stop EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  local shell_pid=$$
  (
    trap - EXIT INT TERM
    while kill -0 "$shell_pid" 2>/dev/null; do sleep 2; done
    kill "$IEMSIM_AUDIO_PID" 2>/dev/null
    rm -rf "$aud"
  ) </dev/null >/dev/null 2>&1 &
  IEMSIM_AUDIO_WATCHDOG=$!

  local i
  for i in $(seq 50); do
    _iemsim_audio_up && break
    kill -0 "$IEMSIM_AUDIO_PID" 2>/dev/null || break
    sleep 0.1
  done
  if ! _iemsim_audio_up || ! pactl list short sinks 2>/dev/null | grep -q '^[0-9]*[[:space:]]vsink[[:space:]]'; then
    echo "---- $aud/pa.log (tail)" >&2
    tail -n 20 "$aud/pa.log" >&2 2>/dev/null || true
    _iemsim_audio_stop
    unset PULSE_SERVER PULSE_COOKIE ALSA_CONFIG_PATH IEMSIM_AUDIO_DIR
    _iemsim_audio_fail "PulseAudio did not start (log above)"
    return 1
  fi
  echo "ci: audio stack up: PulseAudio $(pactl info 2>/dev/null | sed -n 's/^Server Version: //p'), null sink vsink at $PULSE_SERVER"
}

_iemsim_audio_start
