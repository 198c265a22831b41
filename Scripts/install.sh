#!/usr/bin/env bash
# Builds trialdiff in release mode and installs it under PREFIX (default /usr/local):
#   PREFIX/bin/trialdiff                          the one file trialdiff needs (templates built in)
#   PREFIX/share/man/man1/trialdiff.1             man page (swift-argument-parser's generate-manual)
#   PREFIX/share/bash-completion/completions/trialdiff, zsh and fish completions
# Usage: Scripts/install.sh [PREFIX]
# Each file is copied to a temporary name beside its target and renamed over it, so a scheduled
# run never starts a half-copied executable.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:-/usr/local}"

swift build -c release --product trialdiff
exe="$(swift build -c release --show-bin-path)/trialdiff"

place() {  # place SOURCE TARGET MODE
  mkdir -p "$(dirname "$2")"
  local tmp
  tmp="$(dirname "$2")/.$(basename "$2").install-$$"
  cp "$1" "$tmp"
  chmod "$3" "$tmp"
  mv -f "$tmp" "$2"
  echo "installed $2"
}

place "$exe" "$prefix/bin/trialdiff" 755

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$prefix/bin/trialdiff" --generate-completion-script bash >"$work/trialdiff.bash"
"$prefix/bin/trialdiff" --generate-completion-script zsh >"$work/_trialdiff"
"$prefix/bin/trialdiff" --generate-completion-script fish >"$work/trialdiff.fish"
place "$work/trialdiff.bash" "$prefix/share/bash-completion/completions/trialdiff" 644
place "$work/_trialdiff" "$prefix/share/zsh/site-functions/_trialdiff" 644
place "$work/trialdiff.fish" "$prefix/share/fish/vendor_completions.d/trialdiff.fish" 644

mkdir -p "$work/man"
if swift package --allow-writing-to-directory "$work/man" generate-manual --output-directory "$work/man" >/dev/null 2>&1 \
  && [ -f "$work/man/trialdiff.1" ]; then
  place "$work/man/trialdiff.1" "$prefix/share/man/man1/trialdiff.1" 644
else
  echo "note: man page not generated (swift package generate-manual failed); trialdiff --help has the same text" >&2
fi
