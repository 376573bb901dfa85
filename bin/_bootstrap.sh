# Sourced by bin/demo and bin/test: installs what Carehouse needs on a fresh machine.
#   - uv (from PyPI, into .tools/, when the machine has none that works)
#   - Python 3.13 dependencies from uv.lock (uv uses the machine's own CPython 3.13)
#   - the NHS.UK frontend from npm (package-lock.json), copied into carehouse/static/vendor
#   - Pango and a font from Debian, when missing (WeasyPrint draws the printable plan's PDF with them)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export UV_PYTHON_DOWNLOADS=never
export UV_NO_PROGRESS=1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

find_uv() {
  if [ -x "$ROOT/.tools/bin/uv" ]; then
    UV="$ROOT/.tools/bin/uv"
  elif command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then
    UV="$(command -v uv)"
  else
    say "Installing uv into .tools/ (from PyPI)"
    local python
    python="$(command -v python3.13 || command -v python3)"
    "$python" -m venv "$ROOT/.tools"
    "$ROOT/.tools/bin/python" -m pip install --quiet --disable-pip-version-check uv
    UV="$ROOT/.tools/bin/uv"
  fi
  export UV
}

install_python_deps() {
  say "Installing Python dependencies (uv sync --locked)"
  # Bytecode compiled once at install: imports (statsmodels, pandas, scipy) stay fast even where
  # PYTHONDONTWRITEBYTECODE is set (every test worker would otherwise compile them again).
  "$UV" sync --locked --quiet --compile-bytecode
}

install_assets() {
  if [ ! -f carehouse/static/vendor/nhsuk/nhsuk-frontend.min.css ] || [ package-lock.json -nt carehouse/static/vendor/nhsuk/nhsuk-frontend.min.css ]; then
    if ! command -v npm >/dev/null 2>&1; then
      say "npm is missing: install Node.js and npm (Debian: apt-get install nodejs npm)"
      exit 1
    fi
    say "Installing the NHS.UK frontend (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
    "$UV" run --quiet python scripts/build_assets.py
  fi
}

apt_install() {
  local sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

install_pdf_libraries() {
  if ! ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || ! fc-list 2>/dev/null | grep -q .; then
    say "Installing Pango and fonts for PDFs (Debian packages)"
    apt_install libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-dejavu-core
  fi
}

find_uv
install_pdf_libraries
install_python_deps
install_assets
