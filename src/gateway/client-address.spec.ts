import { clientAddress, isProxyEntry, trustedProxies } from './client-address';

describe(clientAddress.name, () => {
  const proxies = ['10.0.0.2', '10.0.0.3'];
  const none: string[] = [];
  it.each([
    ['no trusted proxies: the socket peer, whatever the header says', '203.0.113.9', '198.51.100.1', none, '203.0.113.9'],
    ['an untrusted peer cannot claim another address', '203.0.113.9', '198.51.100.1', proxies, '203.0.113.9'],
    ['a trusted proxy: the client it forwarded', '10.0.0.2', '198.51.100.1', proxies, '198.51.100.1'],
    ['through two trusted proxies: the first untrusted from the right', '10.0.0.2', '198.51.100.1, 10.0.0.3', proxies, '198.51.100.1'],
    ['a forged left-hand entry is never reached', '10.0.0.2', '1.2.3.4, 198.51.100.1', proxies, '198.51.100.1'],
    ['IPv4-mapped peers match IPv4 entries', '::ffff:10.0.0.2', '198.51.100.1', proxies, '198.51.100.1'],
    ['a trusted proxy without the header: the proxy', '10.0.0.2', undefined, proxies, '10.0.0.2'],
    ['garbage entries are skipped', '10.0.0.2', 'not-an-ip, 198.51.100.7', proxies, '198.51.100.7'],
    ['only proxies listed: the leftmost', '10.0.0.2', '10.0.0.3', proxies, '10.0.0.3'],
    ['a proxy inside a trusted range', '172.28.0.9', '198.51.100.1', ['172.28.0.0/24'], '198.51.100.1'],
    ['an IPv6 proxy range', '2001:db8::5', '198.51.100.1', ['2001:db8::/64'], '198.51.100.1'],
  ] as const)('%s', (_case, peer, header, trusted, expected) => {
    expect(clientAddress(peer, header, trustedProxies(trusted))).toBe(expected);
  });

  it('joins repeated headers', () => {
    expect(clientAddress('10.0.0.2', ['198.51.100.1', '10.0.0.3'], trustedProxies(proxies))).toBe('198.51.100.1');
  });
});

describe(isProxyEntry.name, () => {
  it.each([['10.0.0.1', true], ['10.0.0.0/8', true], ['::1', true], ['fd00::/8', true], ['10.0.0.0/33', false], ['proxy.local', false], ['10.0.0.1/8/1', false]])(
    '%s → %s', (entry, valid) => expect(isProxyEntry(entry)).toBe(valid));
});
