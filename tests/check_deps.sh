#!/bin/sh
# Enforces the module dependency direction of STYLE.md over `#include "…"` lines.
# A module may include only itself and the modules listed for it.
set -u
allowed() {
  case "$1" in
    base) echo "base" ;;
    json|host|auth) echo "$1 base" ;;
    config) echo "config auth base" ;;
    net) echo "net base" ;;
    http) echo "http net base" ;;
    mcp) echo "mcp json base" ;;
    metrics) echo "metrics host base" ;;
    tools) echo "tools mcp json host base" ;;
    control) echo "control http net json base" ;;
    daemon) echo "daemon net base" ;;
    *) echo "*" ;;
  esac
}
bad=0
for f in $(find src -mindepth 2 -name '*.h' -o -mindepth 2 -name '*.cpp' | sort); do
  module=$(echo "$f" | cut -d/ -f2)
  ok=$(allowed "$module")
  [ "$ok" = "*" ] && continue
  for inc in $(grep -hoE '^#include "[a-z_]+/' "$f" | sed -E 's/#include "([a-z_]+)\//\1/'); do
    case " $ok " in
      *" $inc "*) ;;
      *) echo "$f includes $inc/ (allowed: $ok)"; bad=1 ;;
    esac
  done
done
# http/parser is pure: base only.
if grep -hE '^#include "(net|mcp|json)/' src/http/parser.* 2>/dev/null; then
  echo "src/http/parser must include base/ only"; bad=1
fi
exit $bad
