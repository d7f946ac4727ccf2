// MCP 2026-07-28 (the stateless era) against sigma-agent, over HTTP or stdio,
// with every response validated against the official 2026-07-28 schema.
// No SDK serves or speaks this revision yet, so the requests are written by
// hand, the way the specification's examples send them.
//
// Usage:
//   node modern-client.mjs http URL [TOKEN]     POST /mcp with the Standard Request Headers
//   node modern-client.mjs stdio BINARY [ARGS]  BINARY --stdio ARGS, one message per line
//
// Prints one line per check, "PASS name" or "FAIL name: what was seen", then
// "modern: N passed, M failed"; exits 1 when any check failed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
const schemaPath = resolve(here, 'mcp-schema', '2026-07-28', 'schema.json');
const kVersion = '2026-07-28';
// The tools this client calls; the full list is sdk-client.mjs's business.
const kCalledTools = ['query_metrics', 'allocate_ports'];

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`PASS ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ''}`);
  }
  return ok;
}
function short(value, limit = 600) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > limit ? `${text.slice(0, limit)}...` : text;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(JSON.parse(readFileSync(schemaPath, 'utf8')), 'mcp');
function definition(name) {
  const validate = ajv.getSchema(`mcp#/$defs/${name}`);
  if (!validate) {
    throw new Error(`${schemaPath}: no definition ${name}`);
  }
  return validate;
}
function validates(label, name, value) {
  const v = definition(name);
  const ok = v(value);
  const errors = (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
  return check(`${label}: matches ${name}`, ok, `${errors}; value ${short(value)}`);
}

function meta(version = kVersion) {
  return {
    'io.modelcontextprotocol/protocolVersion': version,
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 'sigma-agent-interop', version: '1.0.0' },
  };
}

// --- transports ------------------------------------------------------------------

// send(message, headers) → { status, body (parsed), contentType }; headers
// override the Standard Request Headers (null drops one). stdio ignores them.
function httpTransport(url, token) {
  return {
    name: 'http',
    async send(message, overrides = {}) {
      const headers = {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'MCP-Protocol-Version': message.params?._meta?.['io.modelcontextprotocol/protocolVersion'] ?? kVersion,
        'Mcp-Method': message.method,
      };
      if (message.method === 'tools/call') {
        headers['Mcp-Name'] = message.params.name;
      }
      if (token) {
        headers.Authorization = `Bearer ${token}`;
      }
      for (const [k, v] of Object.entries(overrides)) {
        if (v === null) {
          delete headers[k];
        } else {
          headers[k] = v;
        }
      }
      const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(message) });
      const text = await response.text();
      let body = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      return { status: response.status, body, contentType: response.headers.get('content-type') ?? '' };
    },
    async close() {},
  };
}

function stdioTransport(binary, args) {
  const child = spawn(binary, [...args, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => {
    const next = waiting.shift();
    if (next) {
      next(line);
    }
  });
  return {
    name: 'stdio',
    send(message) {
      return new Promise((resolvePromise) => {
        waiting.push((line) => {
          let body;
          try {
            body = JSON.parse(line);
          } catch {
            body = line;
          }
          resolvePromise({ status: null, body, contentType: 'application/json' });
        });
        child.stdin.write(`${JSON.stringify(message)}\n`);
      });
    },
    async close() {
      child.stdin.end();
      await new Promise((r) => child.on('exit', r));
    },
  };
}

// --- checks ----------------------------------------------------------------------

let nextId = 1;
function request(method, params = {}, version = kVersion) {
  return { jsonrpc: '2.0', id: nextId++, method, params: { ...params, _meta: meta(version) } };
}

async function expectResult(t, label, message, resultDefinition) {
  const r = await t.send(message);
  if (t.name === 'http') {
    check(`${label}: HTTP 200 application/json`, r.status === 200 && r.contentType.startsWith('application/json'),
      `HTTP ${r.status} ${r.contentType}`);
  }
  if (!validates(label, 'JSONRPCResultResponse', r.body)) {
    return null;
  }
  check(`${label}: id echoed`, r.body.id === message.id, short(r.body.id));
  validates(label, resultDefinition, r.body.result);
  const result = r.body.result;
  check(`${label}: resultType is "complete"`, result.resultType === 'complete', short(result.resultType));
  const info = result._meta?.['io.modelcontextprotocol/serverInfo'];
  check(`${label}: _meta carries serverInfo`, info?.name === 'sigma-agent' && typeof info?.version === 'string',
    short(result._meta));
  return result;
}

async function expectError(t, label, message, { status, code, errorDefinition, responseDefinition, headers }) {
  const r = await t.send(message, headers);
  if (t.name === 'http' && status !== undefined) {
    check(`${label}: HTTP ${status}`, r.status === status, `HTTP ${r.status} body ${short(r.body)}`);
  }
  validates(label, 'JSONRPCErrorResponse', r.body);
  check(`${label}: code ${code}`, r.body?.error?.code === code, short(r.body));
  if (errorDefinition) {
    validates(label, errorDefinition, r.body?.error);
  }
  if (responseDefinition) {
    validates(label, responseDefinition, r.body);
  }
  return r.body;
}

async function run(t) {
  const p = t.name;
  const discover = await expectResult(t, `${p} server/discover`, request('server/discover'), 'DiscoverResult');
  if (discover) {
    check(`${p} server/discover: supportedVersions lists ${kVersion}`, discover.supportedVersions.includes(kVersion),
      short(discover.supportedVersions));
    check(`${p} server/discover: declares tools`, typeof discover.capabilities.tools === 'object',
      short(discover.capabilities));
  }
  const list = await expectResult(t, `${p} tools/list`, request('tools/list'), 'ListToolsResult');
  const tools = new Map((list?.tools ?? []).map((tool) => [tool.name, tool]));
  for (const name of kCalledTools) {
    check(`${p} tools/list: lists ${name}`, tools.has(name), short([...tools.keys()]));
  }
  for (const name of kCalledTools) {
    const args = name === 'allocate_ports' ? { count: 2 } : {};
    const result = await expectResult(t, `${p} tools/call ${name}`, request('tools/call', { name, arguments: args }),
      'CallToolResult');
    const tool = tools.get(name);
    if (result && tool?.outputSchema && !result.isError) {
      const v = ajv.compile(tool.outputSchema);
      check(`${p} tools/call ${name}: structuredContent matches the tool's outputSchema`, v(result.structuredContent),
        short(v.errors));
    }
  }

  await expectError(t, `${p} unsupported version`, request('server/discover', {}, '2099-01-01'),
    { status: 400, code: -32022, responseDefinition: 'UnsupportedProtocolVersionError' });
  await expectError(t, `${p} ping is not a 2026-07-28 method`, request('ping'),
    { status: 404, code: -32601, errorDefinition: 'MethodNotFoundError' });
  const noClientCapabilities = request('tools/list');
  delete noClientCapabilities.params._meta['io.modelcontextprotocol/clientCapabilities'];
  await expectError(t, `${p} _meta without clientCapabilities`, noClientCapabilities,
    { status: 400, code: -32602, errorDefinition: 'InvalidParamsError' });
  await expectError(t, `${p} unknown tool`, request('tools/call', { name: 'no_such_tool' }),
    { status: 200, code: -32602, errorDefinition: 'InvalidParamsError' });
  if (t.name === 'http') {
    // Over HTTP the 2026-07-28 header makes a body without _meta a malformed
    // stateless request; over stdio that body is simply the handshake era.
    const noMeta = { jsonrpc: '2.0', id: nextId++, method: 'tools/list', params: {} };
    await expectError(t, 'http missing _meta', noMeta,
      { status: 400, code: -32602, errorDefinition: 'InvalidParamsError' });
    await expectError(t, 'http Mcp-Method differs from the body', request('tools/list'),
      { status: 400, code: -32020, responseDefinition: 'HeaderMismatchError', headers: { 'Mcp-Method': 'tools/call' } });
    await expectError(t, 'http Mcp-Name missing', request('tools/call', { name: 'query_metrics' }),
      { status: 400, code: -32020, responseDefinition: 'HeaderMismatchError', headers: { 'Mcp-Name': null } });
    await expectError(t, 'http MCP-Protocol-Version missing', request('tools/list'),
      { status: 400, code: -32020, responseDefinition: 'HeaderMismatchError', headers: { 'MCP-Protocol-Version': null } });
  }
}

const [mode, target, ...rest] = process.argv.slice(2);
let transport;
if (mode === 'http' && target) {
  transport = httpTransport(target, rest[0]);
} else if (mode === 'stdio' && target) {
  transport = stdioTransport(target, rest);
} else {
  console.error('usage: modern-client.mjs http URL [TOKEN] | stdio BINARY [ARGS...]');
  process.exit(2);
}
try {
  await run(transport);
} catch (e) {
  check(`${mode}: ran to the end`, false, e.stack ?? String(e));
} finally {
  await transport.close();
}
console.log(`modern: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
