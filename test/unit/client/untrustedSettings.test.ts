// In an untrusted workspace the server never learns a pooltag.txt path to read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withoutPooltagFile } from '../../../client/src/untrustedSettings';

test('the pooltagFile setting reads as unset; every other setting passes through', () => {
  assert.equal(withoutPooltagFile('poolscope.pooltagFile', '/etc/pooltag.txt'), null);
  assert.deepEqual(withoutPooltagFile('poolscope', { pooltagFile: 'C:\\\\pooltag.txt', rules: { 'shared-tag': 'off' }, simulation: { seed: 3 } }), {
    rules: { 'shared-tag': 'off' },
    simulation: { seed: 3 },
  });
  assert.equal(withoutPooltagFile('poolscope.simulation.seed', 3), 3);
  assert.deepEqual(withoutPooltagFile('poolscope.rules', { 'shared-tag': 'error' }), { 'shared-tag': 'error' });
  assert.equal(withoutPooltagFile('poolscope', null), null);
});
