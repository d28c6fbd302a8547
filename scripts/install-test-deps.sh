#!/usr/bin/env bash
# Installs the Debian packages the test suite uses, when any is missing. Run by `npm test`.
# Nothing here is ever installed by hand: add a package to PACKAGES and the commands it provides
# to the check below.
set -euo pipefail

PACKAGES=(python3-slixmpp prosody openssl chromium firefox-esr docker-compose ffmpeg redis-server sip-tester baresip espeak-ng fonts-noto-color-emoji coturn)

missing=()
/usr/bin/python3 -c 'import slixmpp' 2>/dev/null || missing+=(python3-slixmpp)
command -v prosody >/dev/null 2>&1 || missing+=(prosody)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
{ command -v ffmpeg && command -v ffprobe; } >/dev/null 2>&1 || missing+=(ffmpeg)
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
command -v baresip >/dev/null 2>&1 || missing+=(baresip)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v turnserver >/dev/null 2>&1 || missing+=(coturn)
# The E2EE verification emoji in the browser tests' screenshots.
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)

if [ ${#missing[@]} -eq 0 ]; then
  echo "test prerequisites present: ${PACKAGES[*]}"
  exit 0
fi

echo "installing test prerequisites: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=sudo
  else
    echo "error: missing Debian packages: ${missing[*]}" >&2
    echo "run as root, or install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The Prosody package starts a system service on 5222/5269; the tests and benchmarks run their own.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now prosody >/dev/null 2>&1 || true; fi
if command -v service >/dev/null 2>&1; then $SUDO service prosody stop >/dev/null 2>&1 || true; fi
# Likewise redis-server's service on 6379: the focus tests start their own on free ports.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
if command -v service >/dev/null 2>&1; then $SUDO service redis-server stop >/dev/null 2>&1 || true; fi
# And coturn's on 3478: the TURN test runs its own on free ports.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now coturn >/dev/null 2>&1 || true; fi
if command -v service >/dev/null 2>&1; then $SUDO service coturn stop >/dev/null 2>&1 || true; fi
echo "test prerequisites installed"
