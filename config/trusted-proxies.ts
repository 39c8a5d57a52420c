// TOLLBRIDGE_TRUSTED_PROXIES: the proxies whose X-Forwarded-For the API believes
// (api/client-address.ts), as addresses and CIDR blocks, IPv4 or IPv6.
import net from 'node:net';

/** The operator's proxies: addresses and CIDR blocks, IPv4 or IPv6. */
export class TrustedProxies {
  private readonly list = new net.BlockList();
  readonly empty: boolean;

  /** `entries`: e.g. ['127.0.0.1', '10.0.0.0/8', '::1']; throws on one that is neither. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address = '', bits, ...rest] = entry.split('/');
      const family = net.isIP(address);
      const prefix = bits === undefined ? null : Number(bits);
      const max = family === 6 ? 128 : 32;
      if (family === 0 || rest.length > 0 || (prefix !== null && (!/^\d+$/.test(bits ?? '') || prefix > max))) {
        throw new Error(`"${entry}" is not an IP address or a CIDR block (e.g. 10.0.0.0/8)`);
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (prefix === null) this.list.addAddress(address, type);
      else this.list.addSubnet(address, prefix, type);
    }
    this.empty = entries.length === 0;
  }

  trusts(address: string): boolean {
    const plain = unmapped(address);
    const family = net.isIP(plain);
    return family !== 0 && this.list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** An IPv4 address as a dual-stack socket reports it (::ffff:a.b.c.d), as IPv4. */
export function unmapped(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}
