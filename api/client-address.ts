// Who a request comes from. Behind a TLS proxy every connection comes from the proxy: the
// client's address is in X-Forwarded-For, which is believed only from the proxies the operator
// lists (TOLLBRIDGE_TRUSTED_PROXIES), read from the right: each trusted hop is skipped and the
// first address not trusted is the client (an address the client wrote itself sits further
// left and is never reached). Sign-in backoff and the audit log count by this address.
import net from 'node:net';
import { TrustedProxies, unmapped } from '../config/trusted-proxies.js';

export { TrustedProxies };

/** The client's address: the socket's, or, from a trusted proxy, the nearest untrusted hop it forwarded for. */
export function clientAddress(socketAddress: string, forwardedFor: string | string[] | undefined, proxies: TrustedProxies): string {
  if (proxies.empty || forwardedFor === undefined || !proxies.trusts(socketAddress)) return socketAddress;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((h) => unmapped(h.trim())).filter((h) => h !== '');
  for (const hop of [...hops].reverse()) {
    // A hop that is no address: what lies left of it is not to be believed.
    if (net.isIP(hop) === 0) return socketAddress;
    if (!proxies.trusts(hop)) return hop;
  }
  // Every hop a proxy of ours: the farthest one is the client.
  return hops[0] ?? socketAddress;
}
