// src/protocol.ts: the callback message the widget accepts (its shapes, its fields, nothing else).
import { expect } from '@open-wc/testing';
import { parseCallbackMessage } from '../src/protocol.js';

const STATE = 'a'.repeat(43);
const base = { type: 'ce-connect:callback', v: 1, state: STATE };

describe('callback message parsing (docs/security.md B-4, B-10, B-11)', () => {
  it('accepts the three shapes and copies only known fields', () => {
    expect(parseCallbackMessage({ ...base, instanceId: '1', name: 'n' })).to.deep.equal({
      ...base,
      instanceId: '1',
      name: 'n',
    });
    expect(parseCallbackMessage({ ...base, code: 'c' })).to.deep.equal({ ...base, code: 'c' });
    expect(parseCallbackMessage({ ...base, error: 'access_denied', errorDescription: 'd' })).to.deep.equal({
      ...base,
      error: 'access_denied',
      errorDescription: 'd',
    });
  });
  const invalid: unknown[] = [
    null,
    undefined,
    'x',
    42,
    [],
    {},
    new Date(),
    Object.create(null),
    { ...base },
    { ...base, v: 2, instanceId: '1' },
    { ...base, type: 'x', instanceId: '1' },
    { ...base, state: 'short', instanceId: '1' },
    { ...base, instanceId: '1', token: 't' },
    { ...base, instanceId: '1', code: 'c' },
    { ...base, code: 'c', name: 'n' },
    { ...base, code: 123 },
    { ...base, code: '' },
    { ...base, code: 'a\r\nb' },
    { ...base, code: 'a\u0000b' },
    { ...base, code: 'x'.repeat(4097) },
    { ...base, instanceId: 'with space' },
    { ...base, instanceId: 'x'.repeat(129) },
    { ...base, error: 'e', errorDescription: 'x'.repeat(3000) },
    JSON.parse(`{"type":"ce-connect:callback","v":1,"state":"${STATE}","instanceId":"1","__proto__":{"p":1}}`),
    { ...base, instanceId: '1', constructor: 'x' },
  ];
  invalid.forEach((data, index) => {
    it(`refuses invalid message #${index}`, () => {
      expect(parseCallbackMessage(data)).to.equal(null);
    });
  });
  it('survives a hostile object without throwing', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('boom');
        },
        get: () => {
          throw new Error('boom');
        },
      },
    );
    expect(parseCallbackMessage(hostile)).to.equal(null);
    expect(({} as Record<string, unknown>).p).to.equal(undefined);
  });
});
