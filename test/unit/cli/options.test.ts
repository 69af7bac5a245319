// The option scanner shared by `lint` and `simulate` (server/src/cli/options.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CliError } from '../../../server/src/cli/io';
import { parseLintArguments } from '../../../server/src/cli/lint';
import { scanOptions, type OptionHandlers } from '../../../server/src/cli/options';
import { parseSimulateArguments } from '../../../server/src/cli/simulate';

function scan(args: string[], overrides: Partial<OptionHandlers> = {}): string[] {
  const seen: string[] = [];
  scanOptions(args, {
    usageError: (m) => new CliError(`usage: ${m}`, 2),
    splitShortOptions: true,
    unknownOption: 'argument',
    positional: (a) => void seen.push(`file ${a}`),
    option: (name, value, flag) => {
      if (name === '--x' || name === '-x') seen.push(`${name}=${value()}`);
      else if (name === '--on') {
        flag();
        seen.push('on');
      } else return false;
      return true;
    },
    ...overrides,
  });
  return seen;
}

function misuse(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof CliError);
    assert.equal(e.exitCode, 2);
    return e.message.split('\n')[0];
  }
  assert.fail('expected a CliError');
}

test('positional arguments, - and everything after --; values inline or next; flags', () => {
  assert.deepEqual(scan(['a', '-', '--x', '1', '--x=2', '-x=3', '--on', '--', '--on', '-x']), [
    'file a',
    'file -',
    '--x=1',
    '--x=2',
    '-x=3',
    'on',
    'file --on',
    'file -x',
  ]);
  assert.equal(misuse(() => scan(['--x'])), 'usage: --x needs a value');
  assert.equal(misuse(() => scan(['--on=1'])), 'usage: --on takes no value');
  assert.equal(misuse(() => scan(['--nope=1'])), "usage: unknown option '--nope=1'");
  assert.equal(misuse(() => scan(['--nope=1'], { unknownOption: 'name' })), "usage: unknown option '--nope'");
  assert.equal(misuse(() => scan(['-x=1'], { splitShortOptions: false })), "usage: unknown option '-x=1'");
});

test('lint and simulate keep their own messages through the shared scanner', () => {
  assert.deepEqual(parseLintArguments(['-f=json', 'a.drvm', '--', '-b.drvm']).files, ['a.drvm', '-b.drvm']);
  assert.equal(parseLintArguments(['-f=json', 'a.drvm']).format, 'json');
  assert.equal(misuse(() => parseLintArguments(['a.drvm', '--bogus=1'])), "poolscope lint: unknown option '--bogus=1'");
  assert.equal(misuse(() => parseLintArguments(['a.drvm', '--format'])), 'poolscope lint: --format needs a value');
  const s = parseSimulateArguments(['a.drvm', '--seed=9', '--hit-tag', 'Abc', '--json', '-h']);
  assert.deepEqual([s.file, s.seed, s.hitTag, s.json, s.help], ['a.drvm', 9, 'Abc ', true, true]);
  assert.equal(misuse(() => parseSimulateArguments(['a.drvm', '--bogus=1'])), "poolscope simulate: unknown option '--bogus'");
  assert.equal(misuse(() => parseSimulateArguments(['a.drvm', '-h=1'])), "poolscope simulate: unknown option '-h=1'");
  assert.equal(misuse(() => parseSimulateArguments(['a.drvm', '--json=1'])), 'poolscope simulate: --json takes no value');
  assert.equal(misuse(() => parseSimulateArguments(['a.drvm', 'b.drvm'])), "poolscope simulate: one script at a time ('a.drvm' and 'b.drvm' given)");
});
