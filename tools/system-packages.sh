#!/usr/bin/env bash
# Debian packages the test suite uses beyond Python wheels: Xvfb (a real X
# display for the start-up tests) and the X11 libraries PySide6's xcb plugin
# loads. Installs only what is missing, only as root with apt-get; elsewhere it
# says what is missing and the tests that need it skip with that reason.
set -u
packages=(xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
          libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1
          libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3
          poppler-utils)  # pdftotext, pdffonts, pdfimages: the report tests read PDFs back
command -v dpkg-query >/dev/null 2>&1 || { echo "system-packages: not Debian; skipped"; exit 0; }
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-packages: missing ${missing[*]} (sudo apt-get install ${missing[*]}); tests that need them skip"
  exit 0
fi
echo "system-packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/sdsim-apt.log 2>&1; then
  echo "system-packages: apt-get failed (see /tmp/sdsim-apt.log); tests that need them skip"
fi
exit 0
