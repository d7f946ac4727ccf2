// Benchmark peer: the same two MCP tools served by the official MCP TypeScript
// SDK, in the SDK's stateless Streamable HTTP pattern (a new McpServer and
// StreamableHTTPServerTransport per request, sessionIdGenerator undefined,
// JSON responses instead of SSE), on the Express app the SDK ships.
//
// Owns: nothing of the product. It exists so that `make bench` can report
// sigma-agent's throughput and memory as a ratio to the reference stack.
// Must not: listen anywhere but 127.0.0.1; stub a tool (both tools do the
// real work, as simply as the SDK allows).
//
// Usage: node sdk-server.mjs --port PORT [--tools-from FILE]
//   --tools-from FILE  a JSON-RPC tools/list reply (sigma-agent's): titles,
//                      descriptions and annotations are taken from it so both
//                      servers list the same text; the schemas are always the
//                      zod ones below (the SDK validates against them).
// Prints "sdk-server listening 127.0.0.1:PORT" on stdout when ready.
//
// The SDK is the one pinned in tests/interop/package-lock.json; it is loaded
// by path because ESM resolves bare specifiers from this file's folder only.

import { readFileSync } from 'node:fs';
import { readFile, statfs } from 'node:fs/promises';
import { createServer as createTcpServer } from 'node:net';
import { createSocket } from 'node:dgram';

const sdkRoot = new URL('../interop/node_modules/@modelcontextprotocol/sdk/dist/esm/', import.meta.url);
const { McpServer } = await import(new URL('server/mcp.js', sdkRoot));
const { StreamableHTTPServerTransport } = await import(new URL('server/streamableHttp.js', sdkRoot));
const { createMcpExpressApp } = await import(new URL('server/express.js', sdkRoot));
const z = await import(new URL('../interop/node_modules/zod/v4/index.js', import.meta.url));

const kHost = '127.0.0.1';
const kAgentVersion = '0.1.0';
const kPortRange = { start: 10000, end: 30000 };
const kReserveSeconds = 30;
const kPortScanOffNote = 'port scan is off; set AGENT_PORT_SCAN=true to include it';

function parseArgs(argv) {
  const args = { port: 0, toolsFrom: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') {
      args.port = Number(argv[++i]);
    } else if (argv[i] === '--tools-from') {
      args.toolsFrom = argv[++i];
    } else {
      throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));

// Titles, descriptions and annotations, so tools/list carries the same text.
const toolText = {
  query_metrics: { title: 'Query node metrics', description: 'Returns a snapshot of this node\'s capacity and health.' },
  allocate_ports: { title: 'Allocate free ports', description: 'Finds `count` free ports on this node and reserves them briefly.' },
};
if (args.toolsFrom) {
  const reply = JSON.parse(readFileSync(args.toolsFrom, 'utf8'));
  for (const tool of reply.result.tools) {
    if (toolText[tool.name]) {
      toolText[tool.name] = { title: tool.title, description: tool.description, annotations: tool.annotations };
    }
  }
}

const nonNegInt = () => z.number().int().min(0);

const portScanSchema = z.object({
  total: nonNegInt(),
  available: nonNegInt(),
  in_use: nonNegInt(),
  by_source: z.object({
    envoy: nonNegInt(), sshd: nonNegInt(), nginx: nonNegInt(), node_exporter: nonNegInt(),
    xray: nonNegInt(), other: nonNegInt(), unknown: nonNegInt(),
  }).strict(),
  scan_duration_seconds: z.number().min(0),
}).strict();

const queryMetricsOutput = z.object({
  hostname: z.string().nullable().describe('Node hostname (AGENT_HOSTNAME when set).'),
  agent_version: z.string(),
  cpu_cores: z.number().int().min(1).nullable().describe('Online CPUs.'),
  ram_mb: nonNegInt().nullable().describe('Total RAM, MiB.'),
  ram_available_mb: nonNegInt().nullable()
    .describe('RAM available for new work without swapping (MemAvailable), MiB.'),
  disk_total_gb: z.number().min(0).nullable().describe('Filesystem size, GiB.'),
  disk_used_gb: z.number().min(0).nullable().describe('Filesystem space used, GiB.'),
  uptime_seconds: nonNegInt().nullable(),
  load_avg: z.array(z.number().min(0)).length(3).nullable().describe('Load averages over 1, 5 and 15 minutes.'),
  public_ip: z.string().nullable().describe('Public IP address when known, else null.'),
  port_scan: portScanSchema.nullable()
    .describe('Last scan of AGENT_PORT_SCAN_RANGE; null when the scan is off or has not run yet.'),
  notes: z.array(z.string()).describe('Why any null field could not be read.'),
}).strict();

const allocatePortsInput = z.object({
  count: z.number().int().min(1).max(1000).describe('How many ports to allocate (1-1000).'),
  protocol: z.enum(['tcp', 'udp']).default('tcp')
    .describe('Which port space to test and reserve: tcp (default) or udp.'),
}).strict();

const allocatePortsOutput = z.object({
  ports: z.array(z.number().int().min(1).max(65535)).min(1).max(1000).describe('The allocated ports, ascending.'),
  protocol: z.enum(['tcp', 'udp']),
  reserved_for_seconds: nonNegInt()
    .describe('How long other callers of this tool will not be given these ports.'),
  range: z.object({ start: z.number().int().min(1).max(65535), end: z.number().int().min(1).max(65535) }).strict()
    .describe('AGENT_PORT_SCAN_RANGE, inclusive.'),
}).strict();

function round1(x) {
  return Math.round(x * 10) / 10;
}

async function readOr(path, notes) {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    notes.push(`${path}: ${err.message}`);
    return null;
  }
}

async function queryMetrics() {
  const notes = [];
  const [hostname, meminfo, uptime, loadavg, stat] = await Promise.all([
    readOr('/proc/sys/kernel/hostname', notes), readOr('/proc/meminfo', notes), readOr('/proc/uptime', notes),
    readOr('/proc/loadavg', notes), readOr('/proc/stat', notes),
  ]);
  const memKib = (key) => {
    const m = meminfo && meminfo.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
    return m ? Math.floor(Number(m[1]) / 1024) : null;
  };
  let cores = stat ? (stat.match(/^cpu\d+ /gm) || []).length : 0;
  let diskTotal = null;
  let diskUsed = null;
  try {
    const fs = await statfs('/');
    const gib = 1024 * 1024 * 1024;
    diskTotal = round1((fs.blocks * fs.bsize) / gib);
    diskUsed = round1(((fs.blocks - fs.bfree) * fs.bsize) / gib);
  } catch (err) {
    notes.push(`statfs /: ${err.message}`);
  }
  const load = loadavg ? loadavg.split(' ').slice(0, 3).map(Number) : null;
  notes.push(kPortScanOffNote);
  return {
    hostname: hostname ? hostname.trim() : null,
    agent_version: kAgentVersion,
    cpu_cores: cores > 0 ? cores : null,
    ram_mb: memKib('MemTotal'),
    ram_available_mb: memKib('MemAvailable'),
    disk_total_gb: diskTotal,
    disk_used_gb: diskUsed,
    uptime_seconds: uptime ? Math.floor(Number(uptime.split(' ')[0])) : null,
    load_avg: load,
    public_ip: null,
    port_scan: null,
    notes,
  };
}

// Ports handed out recently, shared by every per-request server: port -> expiry (ms).
const reserved = { tcp: new Map(), udp: new Map() };

function canBindTcp(port, host, ipv6Only) {
  return new Promise((resolve) => {
    const server = createTcpServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true, ipv6Only }, () => server.close(() => resolve(true)));
  });
}

function canBindUdp(port, type, address) {
  return new Promise((resolve) => {
    const socket = createSocket({ type, ipv6Only: type === 'udp6' });
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ port, address, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

async function isFree(port, protocol) {
  if (protocol === 'tcp') {
    return (await canBindTcp(port, '0.0.0.0', false)) && (await canBindTcp(port, '::', true));
  }
  return (await canBindUdp(port, 'udp4', '0.0.0.0')) && (await canBindUdp(port, 'udp6', '::'));
}

async function allocatePorts({ count, protocol }) {
  const now = Date.now();
  const table = reserved[protocol];
  for (const [port, expiry] of table) {
    if (expiry <= now) {
      table.delete(port);
    }
  }
  const ports = [];
  for (let port = kPortRange.start; port <= kPortRange.end && ports.length < count; port++) {
    if (!table.has(port) && (await isFree(port, protocol))) {
      ports.push(port);
    }
  }
  if (ports.length < count) {
    return {
      isError: true,
      content: [{ type: 'text', text: `only ${ports.length} of ${count} ${protocol} ports are free` }],
    };
  }
  for (const port of ports) {
    table.set(port, now + kReserveSeconds * 1000);
  }
  const result = { ports, protocol, reserved_for_seconds: kReserveSeconds, range: { ...kPortRange } };
  return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
}

function getServer() {
  const server = new McpServer({ name: 'sdk-bench-peer', version: kAgentVersion }, { capabilities: { tools: {} } });
  server.registerTool('query_metrics', {
    ...toolText.query_metrics,
    inputSchema: z.object({}).strict(),
    outputSchema: queryMetricsOutput,
  }, async () => {
    const result = await queryMetrics();
    return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
  });
  server.registerTool('allocate_ports', {
    ...toolText.allocate_ports,
    inputSchema: allocatePortsInput,
    outputSchema: allocatePortsOutput,
  }, allocatePorts);
  return server;
}

const app = createMcpExpressApp({ host: kHost });

app.post('/mcp', async (req, res) => {
  const server = getServer();
  try {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  } catch (error) {
    if (!res.headersSent) {
      res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    }
  }
});

const listener = app.listen(args.port, kHost, () => {
  console.log(`sdk-server listening ${kHost}:${listener.address().port}`);
});
// The idle keep-alive timeout of sigma-agent's default (60 s), not node's 5 s.
listener.keepAliveTimeout = 60_000;

// Exit at once on a signal (keep-alive connections would hold a graceful
// close open); process.exit still runs node's exit hooks, e.g. --cpu-prof.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
