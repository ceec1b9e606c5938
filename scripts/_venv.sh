# Sourced by scripts/run and scripts/test: create or reuse .venv and install meshcert into it.
# Reinstalls only when pyproject.toml changed since the last install.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MESHCERT_VENV:-$root/.venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
stamp="$venv/.meshcert-installed"
want="$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)-${MESHCERT_EXTRAS:-dev}"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root[${MESHCERT_EXTRAS:-dev}]"
  echo "$want" >"$stamp"
fi
export PATH="$venv/bin:$PATH"
