// Behind the operator's TLS proxy every connection comes from the proxy; X-Forwarded-For is
// believed only from proxies listed in TOLLBRIDGE_TRUSTED_PROXIES (before, the proxy's address
// was every client's, so one attacker's sign-in backoff locked every owner out).
import { expect } from 'chai';
import { clientAddress, TrustedProxies } from '../../api/client-address.js';
import { ConfigError, loadConfig } from '../../config/config.js';

describe('the client address behind trusted proxies', () => {
  const proxies = new TrustedProxies(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);

  it('from a listed proxy: the nearest hop that is not a proxy of ours, read from the right', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.7', proxies)).to.equal('203.0.113.7');
    expect(clientAddress('::ffff:127.0.0.1', '203.0.113.7', proxies), 'a dual-stack socket').to.equal('203.0.113.7');
    // The client wrote its own X-Forwarded-For (left); our proxies appended the real one and themselves.
    expect(clientAddress('10.1.2.3', '198.51.100.1, 203.0.113.7, 10.9.9.9', proxies)).to.equal('203.0.113.7');
    expect(clientAddress('fd00::1', '2001:db8::5', proxies)).to.equal('2001:db8::5');
    expect(clientAddress('127.0.0.1', ['203.0.113.7', '10.0.0.2'], proxies), 'the header repeated').to.equal('203.0.113.7');
  });

  it('from anyone else, or with no proxies listed: the socket\'s address, whatever the header says', () => {
    expect(clientAddress('203.0.113.9', '127.0.0.1', proxies)).to.equal('203.0.113.9');
    expect(clientAddress('127.0.0.1', '203.0.113.7', new TrustedProxies([]))).to.equal('127.0.0.1');
    expect(clientAddress('127.0.0.1', undefined, proxies)).to.equal('127.0.0.1');
  });

  it('a hop that is no address stops the walk at the proxy; only proxies in the header: the farthest', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.7, not-an-ip', proxies)).to.equal('127.0.0.1');
    expect(clientAddress('127.0.0.1', '10.0.0.7, 10.0.0.8', proxies)).to.equal('10.0.0.7');
  });

  it('TOLLBRIDGE_TRUSTED_PROXIES: a list of addresses and CIDR blocks; anything else is a configuration error naming the variable', () => {
    expect(loadConfig({ TOLLBRIDGE_TRUSTED_PROXIES: ' 127.0.0.1, 10.0.0.0/8 ,::1' }).api.trustedProxies).to.deep.equal(['127.0.0.1', '10.0.0.0/8', '::1']);
    expect(loadConfig({}).api.trustedProxies).to.deep.equal([]);
    for (const bad of ['10.0.0.0/33', 'proxy.example', '10.0.0.1/8/1', '::1/129', '10.0.0.0/x']) {
      expect(() => loadConfig({ TOLLBRIDGE_TRUSTED_PROXIES: bad }), bad).to.throw(ConfigError, /TOLLBRIDGE_TRUSTED_PROXIES/);
    }
    expect(() => new TrustedProxies(['10.0.0.0/33'])).to.throw(/not an IP address or a CIDR block/);
  });
});
