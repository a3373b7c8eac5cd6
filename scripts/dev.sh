#!/usr/bin/env bash
# layergrad's one entry point for newcomers, contributors and CI.
#
#   bash scripts/dev.sh demo [args]   set up, then run the demo (python -m nn.demo) in the current folder
#   bash scripts/dev.sh test [args]   set up, then run the whole test suite (pytest)
#   bash scripts/dev.sh bench [args]  set up, then run the benchmarks (python -m benchmarks)
#   bash scripts/dev.sh docs          set up, then build the documentation site (mkdocs --strict)
#   bash scripts/dev.sh lint          set up, then run ruff and mypy
#   bash scripts/dev.sh setup         only set up
#
# Setup is idempotent: a virtual environment in .venv (override with LAYERGRAD_VENV),
# an editable install with the extras each command needs (redone only when
# pyproject.toml changes), and Graphviz's `dot` program via apt-get when run as
# root on Debian/Ubuntu (otherwise a message; everything but rendering works without it);
# `test` also installs Chromium that way, for the explorer page's browser tests.
set -euo pipefail

caller="$PWD"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="${LAYERGRAD_VENV:-$root/.venv}"
py="${PYTHON:-python3}"

say() { printf '[layergrad] %s\n' "$*" >&2; }

apt_install() {
  # apt_install PACKAGE...: install Debian packages when we are root and apt-get exists.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $* with apt-get"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1; then
      apt-get update -qq >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 || return 1
    fi
    return 0
  fi
  return 1
}

ensure_python() {
  if ! command -v "$py" >/dev/null 2>&1; then
    say "python3 not found: install Python 3.10 or newer first"; exit 1
  fi
  if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    say "Python 3.10 or newer is needed; $py is $("$py" --version 2>&1)"; exit 1
  fi
}

ensure_venv() {
  if [ ! -x "$venv/bin/python" ]; then
    say "creating virtual environment $venv"
    if ! "$py" -m venv "$venv" 2>/dev/null; then
      rm -rf "$venv"
      apt_install python3-venv || { say "python3 -m venv failed: install the python3-venv package"; exit 1; }
      "$py" -m venv "$venv"
    fi
  fi
}

ensure_install() {
  # ensure_install EXTRAS: pip install -e .[EXTRAS] unless already done for this pyproject.toml
  local extras="$1"
  local stamp="$venv/.layergrad-$extras"
  local want
  want="$(cat pyproject.toml | cksum)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  # the dev extras hold every other extra: nothing to add when they are installed
  if [ -f "$venv/.layergrad-dev" ] && [ "$(cat "$venv/.layergrad-dev")" = "$want" ]; then return 0; fi
  say "installing layergrad[$extras] into $venv (first run only; takes a minute)"
  # pip's and setuptools' chatter goes to a log, shown only when the install fails
  local log="$venv/pip-install.log"
  if ! { "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip &&
         "$venv/bin/python" -m pip install -q --disable-pip-version-check -e ".[$extras]"; } >"$log" 2>&1; then
    cat "$log" >&2
    say "pip install failed (log above, also in $log)"
    exit 1
  fi
  printf '%s' "$want" > "$stamp"
}

ensure_dot() {
  if command -v dot >/dev/null 2>&1; then return 0; fi
  if apt_install graphviz && command -v dot >/dev/null 2>&1; then return 0; fi
  say "Graphviz's 'dot' program is not installed: graphs are written as .dot text instead of SVG."
  say "Install it with 'apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS)"
  say "or 'winget install graphviz' (Windows); tests that need it are skipped."
}

ensure_chromium() {
  # the explorer page's browser tests drive the system Chromium through playwright; no browser is downloaded
  if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then return 0; fi
  if apt_install chromium && command -v chromium >/dev/null 2>&1; then return 0; fi
  say "Chromium is not installed: the explorer's browser tests are skipped (apt-get install chromium as root)."
}

setup() {
  ensure_python
  ensure_venv
  ensure_install "$1"
  ensure_dot
}

cmd="${1:-help}"
[ $# -gt 0 ] && shift
case "$cmd" in
  demo)  setup "plot,progress"; cd "$caller"; exec "$venv/bin/python" -m nn.demo "$@" ;;  # writes ./layergrad-output
  test)
    setup "dev"
    ensure_chromium
    profile="dev"; [ "${CI:-}" = "true" ] && profile="ci"
    exec "$venv/bin/python" -m pytest -q --hypothesis-profile="$profile" "$@" ;;
  bench) setup "dev"; exec "$venv/bin/python" -m benchmarks "$@" ;;
  docs)  setup "dev"; NO_MKDOCS_2_WARNING=1 exec "$venv/bin/python" -m mkdocs build --strict "$@" ;;
  lint)  setup "dev"; "$venv/bin/python" -m ruff check . && "$venv/bin/python" -m ruff format --check . && exec "$venv/bin/python" -m mypy autograd nn ;;
  setup) setup "dev" ;;
  *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; [ "$cmd" = help ] || exit 2 ;;
esac
