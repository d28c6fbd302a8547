#!/bin/sh
# Makes the spoken prompts the gateway plays to callers, with espeak-ng and ffmpeg. The results are
# committed under prompts/ (G.722, 16 kHz wideband at 8 kB/s: small, and decoded by the gateway's
# own G.722 decoder), so the gateway runs without espeak-ng. Re-run after changing a text:
#   sh packages/sip-gateway/scripts/make-prompts.sh
set -eu
cd "$(dirname "$0")/../prompts"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make() {
  name=$1
  text=$2
  espeak-ng -v en-us -s 150 -w "$tmp/$name.wav" "$text"
  # Peak-normalise to -3 dBFS (loudnorm misjudges clips this short), pad a little silence, 16 kHz mono.
  peak=$(ffmpeg -hide_banner -i "$tmp/$name.wav" -af volumedetect -f null - 2>&1 | sed -n 's/.*max_volume: \(-*[0-9.]*\) dB.*/\1/p')
  gain=$(awk -v p="$peak" 'BEGIN { printf "%.1f", -3 - p }')
  ffmpeg -hide_banner -loglevel error -y -i "$tmp/$name.wav" \
    -af "volume=${gain}dB,adelay=150,apad=pad_dur=0.3" -ar 16000 -ac 1 -f g722 "$name.g722"
  printf '%s\t%s\n' "$name.g722" "$text" >> "$tmp/texts.tsv"
}

make welcome 'Welcome to Plenum. Please enter the meeting PIN, followed by the hash key.'
make pin-retry 'That PIN is not valid. Please try again.'
make pin-goodbye 'Sorry, that PIN is not valid. Goodbye.'
make joining 'You are joining the meeting.'
make muted 'You are muted.'
make unmuted 'You are unmuted.'
make locked 'This meeting is locked.'
make unavailable 'The meeting cannot be reached right now. Please try again later.'

{
  printf '# Spoken prompts, made by scripts/make-prompts.sh (espeak-ng en-us, G.722 at 16 kHz).\n'
  cat "$tmp/texts.tsv"
} > texts.tsv
