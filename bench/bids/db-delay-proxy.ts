/**
 * A TCP relay that holds every chunk for a fixed time in each direction: the apps reach
 * PostgreSQL through it to behave as if the database were on another host (BENCH_DB_DELAY_MS,
 * one way, so a round trip costs twice that), which loopback cannot show and this kernel has
 * no netem for. Order is kept: every chunk of a direction waits the same time, and timers of
 * one duration fire in the order they were set. Its own process, so the bench's busy event
 * loop does not add to the delay.
 *
 * Usage (as a child): node -r ts-node/register/transpile-only db-delay-proxy.ts <targetPort> <delayMs>
 * Prints the port it listens on, on 127.0.0.1.
 */
import net from 'node:net';

const [targetPort, delayMs] = process.argv.slice(2).map(Number);

function relay(from: net.Socket, to: net.Socket): void {
  from.on('data', (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
  // An end or error is passed on after the data before it.
  from.on('end', () => setTimeout(() => to.end(), delayMs));
  from.on('error', () => setTimeout(() => to.destroy(), delayMs));
  from.on('close', () => setTimeout(() => to.destroy(), delayMs + 1));
}

const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
  relay(client, upstream);
  relay(upstream, client);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as net.AddressInfo;
  process.stdout.write(`${address.port}\n`);
});
