#!/bin/sh
# Enforces the module dependency direction of STYLE.md over `#include "…"` lines.
# A module may include only itself and the modules listed for it.
set -u
allowed() {
  case "$1" in
    base) echo "base" ;;
    json|host|auth) echo "$1 base" ;;
    config) echo "config auth net http mcp base" ;;
    net) echo "net base" ;;
    http) echo "http net base" ;;
    mcp) echo "mcp json base" ;;
    metrics) echo "metrics host base" ;;
    tools) echo "tools mcp json host control base" ;;
    control) echo "control http net json base" ;;
    daemon) echo "daemon net base" ;;
    priv) echo "priv host json base" ;;
    # app is the glue between transports and modules; only main.cpp sees more.
    app) echo "app daemon config control http net mcp metrics tools host auth json base" ;;
    *) echo "" ;;
  esac
}
bad=0
for f in $(find src -mindepth 2 -name '*.h' -o -mindepth 2 -name '*.cpp' | sort); do
  module=$(echo "$f" | cut -d/ -f2)
  ok=$(allowed "$module")
  if [ -z "$ok" ]; then
    echo "$f: module $module/ has no rule in tests/check_deps.sh; add one (STYLE.md, dependency direction)"
    bad=1
    continue
  fi
  for inc in $(grep -hoE '^#include "[a-z_]+/' "$f" | sed -E 's/#include "([a-z_]+)\//\1/'); do
    case " $ok " in
      *" $inc "*) ;;
      *) echo "$f includes $inc/ (allowed: $ok)"; bad=1 ;;
    esac
  done
done
# config takes from http/ and mcp/ only the constants of their limits.h (the
# defaults of its AGENT_HTTP_* and AGENT_MCP_MAX_BATCH settings), never the
# server, the parser or the dispatcher.
if grep -nE '^#include "(http|mcp)/' src/config/* 2>/dev/null | grep -vE '"(http|mcp)/limits.h"'; then
  echo "src/config may include only http/limits.h and mcp/limits.h from http/ and mcp/"; bad=1
fi
# The limits headers are constants only: they include nothing of the project.
if grep -nE '^#include "' src/mcp/limits.h 2>/dev/null; then
  echo "src/mcp/limits.h must include no project header"; bad=1
fi
# http/limits.h is constants only: it includes nothing of the project.
if grep -nE '^#include "' src/http/limits.h 2>/dev/null; then
  echo "src/http/limits.h must include no project header"; bad=1
fi
# http/parser is pure: base only (and the constants of http/limits.h).
if grep -hE '^#include "(net|mcp|json)/' src/http/parser.* 2>/dev/null; then
  echo "src/http/parser must include base/ only"; bad=1
fi
exit $bad
