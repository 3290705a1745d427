#!/usr/bin/env bash
# Refresh and compile the zh_Hans catalog of each app (or of the apps named as arguments).
# Every app keeps its own catalog in src/voxloop/<app>/locale; Django merges them at run time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
admin="$root/.venv/bin/django-admin"
export DJANGO_SETTINGS_MODULE=voxloop.settings VOXLOOP_DATA_DIR="${TMPDIR:-/tmp}/voxloop-messages"
apps=("$@")
[ ${#apps[@]} -gt 0 ] || apps=(accounts customers feedback insights notify web)
for app in "${apps[@]}"; do
  dir="$root/src/voxloop/$app"
  mkdir -p "$dir/locale"
  (cd "$dir" && "$admin" makemessages -l zh_Hans --no-obsolete --no-location -i "migrations/*" >/dev/null \
    && "$admin" compilemessages -l zh_Hans >/dev/null)
  echo "messages: $app"
done
