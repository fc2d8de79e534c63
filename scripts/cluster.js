#!/usr/bin/env node
'use strict';
// `npm run cluster`: the cluster topology on one machine without Docker. Starts PostgreSQL
// (embedded, data in .data/cluster-postgres), redis-server from PATH, one feed, two gateways
// and, when haproxy is on PATH, HAProxy in front of them on PORT (default 3000) with
// deploy/haproxy.cfg, as docker-compose.yml does. Needs `npm run build` first (the npm script
// does it). Ctrl-C stops everything.
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const gateways = 2; // deploy/haproxy.cfg balances two
const publicPort = Number(process.env.PORT ?? 3000);
const redisPort = Number(process.env.CLUSTER_REDIS_PORT ?? 6379 + 100);
const firstGatewayPort = Number(process.env.CLUSTER_GATEWAY_PORT ?? 3101);
const children = [];

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function run(name, command, args, env = {}) {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (line) => line && console.log(`[${name}] ${line}`);
  child.stdout.on('data', (chunk) => chunk.toString().split('\n').forEach(prefix));
  child.stderr.on('data', (chunk) => chunk.toString().split('\n').forEach(prefix));
  child.on('exit', (code, signal) => console.log(`[${name}] exited (${signal ?? code})`));
  children.push(child);
  return child;
}

async function main() {
  if (!has('redis-server')) {
    console.error('redis-server not found: install it (Debian: apt-get install redis-server)');
    process.exit(69);
  }
  const { startEmbeddedPostgres } = require(path.join(root, 'dist/src/database/embedded-postgres.js'));
  const database = process.env.DATABASE_URL
    ? { url: process.env.DATABASE_URL, stop: async () => undefined }
    : await startEmbeddedPostgres({ dataDir: path.join(root, '.data/cluster-postgres'), port: 54339, persistent: true });
  run('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  const common = {
    DATABASE_URL: database.url,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    HOST: '127.0.0.1',
    TRUSTED_PROXIES: '127.0.0.1',
  };
  const main = path.join(root, 'dist/src/main.js');
  // The feed first: it runs the migrations before gateways connect.
  run('feed', process.execPath, [main], { ...common, CLUSTER_ROLE: 'feed', NODE_ID: 'feed-1', PORT: String(firstGatewayPort - 1) });
  await new Promise((r) => setTimeout(r, 3000));
  for (let i = 0; i < gateways; i++) {
    const port = firstGatewayPort + i;
    run(`gateway-${i + 1}`, process.execPath, [main], { ...common, CLUSTER_ROLE: 'gateway', NODE_ID: `gateway-${i + 1}`, PORT: String(port) });
  }
  if (has('haproxy')) {
    run('haproxy', 'haproxy', ['-db', '-f', path.join(root, 'deploy/haproxy.cfg')], {
      BIDTAPE_LB_BIND: `127.0.0.1:${publicPort}`,
      BIDTAPE_GATEWAY_1: `127.0.0.1:${firstGatewayPort}`,
      BIDTAPE_GATEWAY_2: `127.0.0.1:${firstGatewayPort + 1}`,
    });
    console.log(`cluster: http://127.0.0.1:${publicPort} (HAProxy) → ${gateways} gateways on ${firstGatewayPort}…`);
  } else {
    console.log(`cluster: haproxy not on PATH; gateways on 127.0.0.1:${firstGatewayPort}…${firstGatewayPort + gateways - 1}`);
  }
  const stop = async () => {
    for (const child of children.reverse()) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 3000));
    await database.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
