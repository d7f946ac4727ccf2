-- wrk script: every request is one MCP JSON-RPC POST to the URL's path.
--
-- The body is read once from the file named by BENCH_BODY_FILE; the headers
-- are those a Streamable HTTP client sends (MCP 2025-11-25 transport §2.1):
-- the SDK peer answers 406 without both media types in Accept.

local path = os.getenv("BENCH_BODY_FILE")
if not path then
  error("post.lua: set BENCH_BODY_FILE to the request body file")
end
local file = assert(io.open(path, "rb"))
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"

-- BENCH_HEADERS: "Name: value" lines that add to or replace the headers
-- above (the stateless-era workloads send MCP-Protocol-Version 2026-07-28
-- and Mcp-Method).
local extra = os.getenv("BENCH_HEADERS") or ""
for line in extra:gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then
    wrk.headers[name] = value
  end
end
