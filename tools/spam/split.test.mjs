// node --test tools/spam/
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { assignSplit } from './split.mjs';

const md5 = (s) => createHash('md5').update(s).digest('hex');

test('the collection split trains on the first collections and tests on the second and the hard ham', () => {
  assert.deepEqual(assignSplit('easy-ham-1', md5('a'), 'collection'), { split: 'train', label: 'ham' });
  assert.deepEqual(assignSplit('spam-1', md5('a'), 'collection'), { split: 'train', label: 'spam' });
  assert.deepEqual(assignSplit('easy-ham-2', md5('a'), 'collection'), { split: 'test', label: 'ham' });
  assert.deepEqual(assignSplit('hard-ham-1', md5('a'), 'collection'), { split: 'test', label: 'ham' });
  assert.deepEqual(assignSplit('spam-2', md5('a'), 'collection'), { split: 'test', label: 'spam' });
});

test('the mixed split tests about a fifth of every group, decided by the message alone', () => {
  for (const group of ['easy-ham-1', 'hard-ham-1', 'spam-2']) {
    const splits = Array.from({ length: 2000 }, (_, i) => assignSplit(group, md5(`${group}${i}`), 'mixed').split);
    const tested = splits.filter((s) => s === 'test').length;
    assert.ok(tested > 330 && tested < 470, `${group}: ${tested} of 2000 tested`);
    assert.deepEqual(splits, Array.from({ length: 2000 }, (_, i) => assignSplit(group, md5(`${group}${i}`), 'mixed').split));
  }
  assert.equal(assignSplit('spam-2', '00000005ffffffffffffffffffffffff', 'mixed').split, 'test');
  assert.equal(assignSplit('spam-2', '00000006ffffffffffffffffffffffff', 'mixed').split, 'train');
});

test('unknown groups and splits are refused', () => {
  assert.throws(() => assignSplit('ham-3', md5('a'), 'collection'), /group 'ham-3'/);
  assert.throws(() => assignSplit('spam-1', md5('a'), 'random'), /unknown split 'random'/);
});
