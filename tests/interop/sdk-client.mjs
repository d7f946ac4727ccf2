// The official MCP TypeScript SDK client against a running sigma-agent.
//
// Usage:
//   node sdk-client.mjs tools URL          tools, results, and every response vs the schema
//   node sdk-client.mjs auth URL TOKEN     the bearer-token contract of SPEC §4
//
// Prints one line per check, "PASS name" or "FAIL name: what was seen", then
// "sdk: N passed, M failed"; exits 1 when any check failed.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
// The official schema, kept with its licence under tests/interop/mcp-schema.
const schemaPath = resolve(here, 'mcp-schema', '2025-11-25', 'schema.json');
const kProtocolVersion = '2025-11-25';
const kExpectedTools = ['agent_check_update', 'allocate_ports', 'query_envoy_routes', 'query_metrics', 'query_traffic'];

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

function makeAjv() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv;
}

function loadMcpSchema(ajv) {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  // The 2025-11-25 schema keeps its definitions under $defs (draft 2020-12).
  const defs = schema.$defs ? '$defs' : 'definitions';
  ajv.addSchema(schema, 'mcp');
  return (name) => {
    const validate = ajv.getSchema(`mcp#/${defs}/${name}`);
    if (!validate) {
      throw new Error(`${schemaPath}: no definition ${name}`);
    }
    return validate;
  };
}

function ajvErrors(validate) {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
}

// A fetch that records every HTTP exchange the SDK makes, so each raw
// response can be checked, not only what the SDK chose to surface.
function recordingFetch(exchanges) {
  return async (url, init = {}) => {
    const response = await fetch(url, init);
    const entry = {
      method: init.method ?? 'GET',
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      request: null,
      text: null,
    };
    if (typeof init.body === 'string') {
      try {
        entry.request = JSON.parse(init.body);
      } catch {
        entry.request = init.body;
      }
    }
    // A GET may open an endless SSE stream: only POST bodies are read.
    if (entry.method === 'POST') {
      entry.text = response.clone().text();
    }
    exchanges.push(entry);
    return response;
  };
}

// JSON-RPC messages in a response body: a JSON object or array, or the data
// lines of an SSE stream.
function messagesOf(contentType, text) {
  if (!text) {
    return [];
  }
  if (contentType.includes('text/event-stream')) {
    const out = [];
    for (const block of text.split(/\r?\n\r?\n/)) {
      const data = block
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data) {
        out.push(JSON.parse(data));
      }
    }
    return out;
  }
  const parsed = JSON.parse(text);
  return Array.isArray(parsed) ? parsed : [parsed];
}

const kResultDefinition = {
  initialize: 'InitializeResult',
  ping: 'EmptyResult',
  'tools/list': 'ListToolsResult',
  'tools/call': 'CallToolResult',
};

async function validateExchanges(exchanges, definition) {
  for (const [i, ex] of exchanges.entries()) {
    if (ex.method !== 'POST') {
      continue;
    }
    const request = ex.request ?? {};
    const label = `response ${i + 1} (${request.method ?? '?'}${request.params?.name ? ` ${request.params.name}` : ''})`;
    const text = await ex.text;
    if (request.id === undefined) {
      // A notification: 202 and no body (Streamable HTTP, "Sending Messages").
      check(`${label}: notification accepted with 202 and an empty body`, ex.status === 202 && text === '',
        `HTTP ${ex.status} body ${short(text)}`);
      continue;
    }
    let messages;
    try {
      messages = messagesOf(ex.contentType, text);
    } catch (e) {
      check(`${label}: body is JSON`, false, `${e.message}; content-type ${ex.contentType}; body ${short(text)}`);
      continue;
    }
    if (!check(`${label}: HTTP 200 with exactly one JSON-RPC message`, ex.status === 200 && messages.length === 1,
      `HTTP ${ex.status}, ${messages.length} messages, body ${short(text)}`)) {
      continue;
    }
    const message = messages[0];
    check(`${label}: id echoes the request id`, message.id === request.id,
      `request id ${short(request.id)}, response id ${short(message.id)}`);
    if (message.error !== undefined) {
      const v = definition('JSONRPCErrorResponse');
      check(`${label}: matches JSONRPCErrorResponse`, v(message), `${ajvErrors(v)}; message ${short(message)}`);
      continue;
    }
    const envelope = definition('JSONRPCResultResponse');
    check(`${label}: matches JSONRPCResultResponse`, envelope(message), `${ajvErrors(envelope)}; message ${short(message)}`);
    const name = kResultDefinition[request.method];
    if (name) {
      const v = definition(name);
      check(`${label}: result matches ${name}`, v(message.result), `${ajvErrors(v)}; result ${short(message.result)}`);
    }
  }
}

function connectTransport(url, exchanges, headers) {
  const opts = { fetch: recordingFetch(exchanges) };
  if (headers) {
    opts.requestInit = { headers };
  }
  return new StreamableHTTPClientTransport(new URL(url), opts);
}

function newClient() {
  return new Client({ name: 'sigma-agent-interop', version: '1.0.0' }, { capabilities: {} });
}

// Checks a successful tool result: structuredContent present, valid against
// the tool's outputSchema, and the same data as JSON text in content (SPEC §6).
function checkToolResult(ajv, tool, result) {
  const name = `tools/call ${tool.name}`;
  check(`${name}: not an error`, result.isError !== true, short(result));
  const sc = result.structuredContent;
  if (!check(`${name}: structuredContent is an object`, sc !== null && typeof sc === 'object' && !Array.isArray(sc), short(result))) {
    return undefined;
  }
  if (tool.outputSchema) {
    const validate = ajv.compile(tool.outputSchema);
    check(`${name}: structuredContent matches the tool's outputSchema`, validate(sc),
      `${ajvErrors(validate)}; structuredContent ${short(sc)}`);
  }
  const texts = (result.content ?? []).filter((c) => c.type === 'text');
  let same = false;
  let detail = `content ${short(result.content)}`;
  try {
    same = texts.length >= 1 && JSON.stringify(JSON.parse(texts[0].text)) === JSON.stringify(sc);
  } catch (e) {
    detail = `${e.message}; ${detail}`;
  }
  check(`${name}: content carries the same data as JSON text`, same, detail);
  return sc;
}

async function runTools(url) {
  const ajv = makeAjv();
  const definition = loadMcpSchema(ajv);
  const exchanges = [];
  const client = newClient();
  const transport = connectTransport(url, exchanges);
  try {
    await client.connect(transport);
    check('initialize: the SDK client connects', true);
  } catch (e) {
    check('initialize: the SDK client connects', false, e.message);
    await validateExchanges(exchanges, definition);
    return;
  }
  check(`initialize: negotiated protocol version is ${kProtocolVersion}`,
    transport.protocolVersion === kProtocolVersion, `got ${transport.protocolVersion}`);
  const caps = client.getServerCapabilities() ?? {};
  check('initialize: server declares the tools capability', typeof caps.tools === 'object', short(caps));
  const info = client.getServerVersion() ?? {};
  check('initialize: serverInfo names sigma-agent with a version', typeof info.name === 'string' && info.name.length > 0 &&
    typeof info.version === 'string' && info.version.length > 0, short(info));

  try {
    await client.ping();
    check('ping: answered', true);
  } catch (e) {
    check('ping: answered', false, e.message);
  }

  let tools = [];
  try {
    tools = (await client.listTools()).tools;
    check('tools/list: answered', true);
  } catch (e) {
    check('tools/list: answered', false, e.message);
  }
  const names = tools.map((t) => t.name).sort();
  check(`tools/list: exactly ${kExpectedTools.join(', ')}`, JSON.stringify(names) === JSON.stringify(kExpectedTools),
    `got ${short(names)}`);
  for (const tool of tools) {
    const ok = typeof tool.title === 'string' && typeof tool.description === 'string' && tool.description.length > 0 &&
      tool.inputSchema?.type === 'object' && tool.outputSchema?.type === 'object' && typeof tool.annotations === 'object';
    check(`tools/list: ${tool.name} declares title, description, input/output schemas and annotations`, ok, short(tool));
    if (tool.outputSchema) {
      let compiles = true;
      let detail = '';
      try {
        ajv.compile(tool.outputSchema);
        ajv.compile(tool.inputSchema);
      } catch (e) {
        compiles = false;
        detail = e.message;
      }
      check(`tools/list: ${tool.name} schemas compile as JSON Schema 2020-12`, compiles, detail);
    }
  }
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));

  if (byName.query_metrics) {
    try {
      const result = await client.callTool({ name: 'query_metrics', arguments: {} });
      checkToolResult(ajv, byName.query_metrics, result);
    } catch (e) {
      check('tools/call query_metrics: answered', false, e.message);
    }
  }

  if (byName.query_traffic) {
    try {
      const result = await client.callTool({ name: 'query_traffic', arguments: { limit: 5 } });
      const sc = checkToolResult(ajv, byName.query_traffic, result);
      // The SDK's own connection to the agent is at least one live socket.
      check('tools/call query_traffic: sees the client\'s connection', Number.isInteger(sc?.sockets_seen) &&
        sc.sockets_seen >= 1, `structuredContent ${short(sc)}`);
    } catch (e) {
      check('tools/call query_traffic: answered', false, e.message);
    }
  }

  if (byName.allocate_ports) {
    try {
      const result = await client.callTool({ name: 'allocate_ports', arguments: { count: 3 } });
      const sc = checkToolResult(ajv, byName.allocate_ports, result);
      const ports = sc?.ports;
      const valid = Array.isArray(ports) && ports.length === 3 && new Set(ports).size === 3 &&
        ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535);
      check('tools/call allocate_ports: 3 distinct ports', valid, `structuredContent ${short(sc)}`);
    } catch (e) {
      check('tools/call allocate_ports: answered', false, e.message);
    }

    // 2025-11-25 (SEP-1303): argument validation failures are tool execution
    // errors, with a message naming the argument.
    try {
      const result = await client.callTool({ name: 'allocate_ports', arguments: { count: 0 } });
      const text = (result.content ?? []).map((c) => c.text ?? '').join(' ');
      check('tools/call allocate_ports {count: 0}: isError result naming "count"',
        result.isError === true && text.includes('count'), short(result));
    } catch (e) {
      check('tools/call allocate_ports {count: 0}: isError result naming "count"', false, `threw ${e.message}`);
    }
  }

  // The interop daemon has no release manifest configured: the tool answers
  // with an isError result naming the settings, which is a valid result; a
  // configured one must match its outputSchema.
  if (byName.agent_check_update) {
    check('tools/list: agent_check_update is read-only and not destructive',
      byName.agent_check_update.annotations?.readOnlyHint === true &&
      byName.agent_check_update.annotations?.destructiveHint === false, short(byName.agent_check_update.annotations));
    try {
      const result = await client.callTool({ name: 'agent_check_update', arguments: { force: true } });
      if (result.isError === true) {
        const text = (result.content ?? []).map((c) => c.text ?? '').join(' ');
        check('tools/call agent_check_update: isError naming AGENT_UPDATE_URL and SIGMA_API_URL',
          text.includes('AGENT_UPDATE_URL') && text.includes('SIGMA_API_URL'), short(result));
      } else {
        checkToolResult(ajv, byName.agent_check_update, result);
      }
    } catch (e) {
      check('tools/call agent_check_update: answered', false, e.message);
    }
  }

  try {
    const result = await client.callTool({ name: 'no_such_tool', arguments: {} });
    check('tools/call no_such_tool: JSON-RPC error -32602', false, `got a result ${short(result)}`);
  } catch (e) {
    check('tools/call no_such_tool: JSON-RPC error -32602', e.code === -32602, `code ${e.code}: ${e.message}`);
  }

  await client.close();
  await validateExchanges(exchanges, definition);
}

function is401(e) {
  return e?.code === 401 || /\b401\b/.test(String(e?.message));
}

async function runAuth(url, token) {
  const ajv = makeAjv();
  const definition = loadMcpSchema(ajv);

  {
    const exchanges = [];
    const client = newClient();
    try {
      await client.connect(connectTransport(url, exchanges, { Authorization: `Bearer ${token}` }));
      const { tools } = await client.listTools();
      check('token: the SDK client with the right bearer token connects and lists tools', tools.length > 0, short(tools));
      await client.close();
    } catch (e) {
      check('token: the SDK client with the right bearer token connects and lists tools', false, e.message);
    }
    await validateExchanges(exchanges, definition);
  }

  for (const [label, headers] of [
    ['without a token', undefined],
    ['with a wrong token', { Authorization: `Bearer ${token}x` }],
    ['with an empty bearer', { Authorization: 'Bearer ' }],
  ]) {
    const client = newClient();
    try {
      await client.connect(connectTransport(url, [], headers));
      check(`token: the SDK client ${label} is refused with 401`, false, 'connected');
      await client.close();
    } catch (e) {
      check(`token: the SDK client ${label} is refused with 401`, is401(e), `code ${e.code}: ${e.message}`);
    }
  }

  // The raw refusal (SPEC §4): 401, WWW-Authenticate Bearer realm, a JSON-RPC
  // error body without id, and the token never echoed.
  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: kProtocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  };
  const post = (headers) => fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(initialize),
  });
  {
    const res = await post({ authorization: `Bearer wrong-${token}` });
    const text = await res.text();
    check('token: raw wrong token gets HTTP 401', res.status === 401, `HTTP ${res.status}`);
    const challenge = res.headers.get('www-authenticate') ?? '';
    check('token: 401 carries WWW-Authenticate: Bearer realm="sigma-agent"', /^Bearer\b/i.test(challenge) &&
      challenge.includes('realm="sigma-agent"'), `WWW-Authenticate: ${challenge}`);
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const v = definition('JSONRPCErrorResponse');
    check('token: 401 body is a JSON-RPC error without id', body !== undefined && v(body) && !('id' in body),
      `${body ? ajvErrors(v) : 'not JSON'}; body ${short(text)}`);
    check('token: 401 body does not echo the token', !text.includes(token), 'token found in body');
  }
  {
    const res = await post({ authorization: `bEaReR ${token}` });
    await res.text();
    check('token: the auth-scheme is case-insensitive ("bEaReR")', res.status === 200, `HTTP ${res.status}`);
  }
}

async function main() {
  const [mode, url, token] = process.argv.slice(2);
  if (!url || (mode !== 'tools' && mode !== 'auth') || (mode === 'auth' && !token)) {
    console.error('usage: sdk-client.mjs tools URL | auth URL TOKEN');
    process.exit(2);
  }
  try {
    if (mode === 'tools') {
      await runTools(url);
    } else {
      await runAuth(url, token);
    }
  } catch (e) {
    check(`${mode}: ran to the end`, false, e.stack ?? String(e));
  }
  console.log(`sdk: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

await main();
