import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config/index.js';

/** What Kubernetes injects into every pod of the namespace for a Service named `partnergate` with a port named http. */
const serviceLinks = {
  PARTNERGATE_SERVICE_HOST: '10.0.0.1',
  PARTNERGATE_SERVICE_PORT: '8080',
  PARTNERGATE_SERVICE_PORT_HTTP: '8080',
  PARTNERGATE_PORT: 'tcp://10.0.0.1:8080',
  PARTNERGATE_PORT_8080_TCP: 'tcp://10.0.0.1:8080',
  PARTNERGATE_PORT_8080_TCP_PROTO: 'tcp',
  PARTNERGATE_PORT_8080_TCP_PORT: '8080',
  PARTNERGATE_PORT_8080_TCP_ADDR: '10.0.0.1',
};

describe('config: Kubernetes service links', () => {
  it('starts with every variable a Service named partnergate injects, ignoring them with one note', () => {
    const c = loadConfig(serviceLinks);
    expect(c.port).to.equal(8080);
    expect(c.ignored).to.have.length(1);
    for (const name of Object.keys(serviceLinks)) expect(c.ignored[0]).to.contain(name);
    expect(c.ignored[0]).to.contain('enableServiceLinks');
  });

  it('takes a real PARTNERGATE_PORT next to the links of another Service (partnergate-metrics)', () => {
    const c = loadConfig({ PARTNERGATE_PORT: '9000', PARTNERGATE_METRICS_PORT: 'tcp://10.0.0.2:9100', PARTNERGATE_METRICS_SERVICE_HOST: '10.0.0.2', PARTNERGATE_METRICS_PORT_9100_TCP_ADDR: '10.0.0.2' });
    expect(c.port).to.equal(9000);
    expect(c.ignored[0]).to.contain('PARTNERGATE_METRICS_PORT,').and.to.contain('PARTNERGATE_METRICS_SERVICE_HOST');
  });

  it('notes nothing when no link is present', () => {
    expect(loadConfig({}).ignored).to.deep.equal([]);
  });

  for (const value of ['tcp:10.0.0.1:8080', 'http://10.0.0.1:8080', '80 80']) {
    it(`still stops start-up naming the key for a bad PARTNERGATE_PORT (${value})`, () => {
      expect(() => loadConfig({ PARTNERGATE_PORT: value })).to.throw(ConfigError, /PARTNERGATE_PORT/);
    });
  }

  it('still refuses a misspelt setting that only looks like a link', () => {
    expect(() => loadConfig({ PARTNERGATE_SERVICE_HOSTS: 'x' })).to.throw(ConfigError, /PARTNERGATE_SERVICE_HOSTS: unknown setting/);
  });
});
