import { BlockList, isIP } from 'node:net';

export type TrustedProxies = (address: string) => boolean;

/** TRUSTED_PROXIES entries (addresses or CIDR ranges, IPv4 or IPv6) as one matcher. */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/** Whether a TRUSTED_PROXIES entry is an address or a CIDR range (checked at start-up). */
export function isProxyEntry(entry: string): boolean {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
}

/**
 * The client's address as the per-address limit should see it. Behind a load balancer the
 * socket's peer is the proxy; only when that peer is a trusted proxy is `X-Forwarded-For`
 * believed, read from the right: the first address that is not itself a trusted proxy is the
 * client. A client cannot spoof its way past the limit by sending the header itself (an
 * untrusted peer's header is ignored; a forged left-hand entry is never reached).
 */
export function clientAddress(socketAddress: string, forwardedFor: string | string[] | undefined, isTrusted: TrustedProxies): string {
  const peer = normalize(socketAddress);
  if (!forwardedFor || !isTrusted(peer)) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((hop) => normalize(hop.trim()))
    .filter((hop) => isIP(hop) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) if (!isTrusted(hops[i])) return hops[i];
  return hops[0] ?? peer;
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) and `10.0.0.1` are one address. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
