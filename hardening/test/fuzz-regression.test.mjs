// Replays every fuzz corpus input and crash reproducer (hardening/corpus/<target>/) through the
// parsers, compiled from the current sources without coverage counters. Each input may only end
// in the target's typed error (BitstreamParseError, RfbProtocolError, InvalidFrameError) and must
// keep the properties the fuzz target checks. Reproducers of findings that are not fixed yet are
// listed in hardening/corpus/known-issues.json and run as `todo` until they pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildModules, repoRoot } from '../fuzz/instrument.mjs';
import { targets } from '../fuzz/targets.mjs';

const corpusRoot = join(repoRoot, 'hardening', 'corpus');
const knownIssues = JSON.parse(readFileSync(join(corpusRoot, 'known-issues.json'), 'utf8'));

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => !f.endsWith('.txt') && statSync(join(dir, f)).isFile())
    .sort();
}

/** Runs one input; returns null when it ended as the target allows, else what went wrong. */
function replay(target, data) {
  try {
    target.run(data);
    return null;
  } catch (e) {
    return target.isExpected(e) ? null : e;
  }
}

for (const [name, definition] of Object.entries(targets)) {
  const outDir = join(repoRoot, 'hardening', 'build', 'replay', name);
  const loaded = definition.load(buildModules(definition.entries, outDir, { instrument: false }).modules);
  const dir = join(corpusRoot, name);

  test(`${name}: every corpus input ends in a result or the typed error`, async () => {
    const target = await loaded;
    const inputs = [...definition.seeds(), ...files(dir).map((f) => readFileSync(join(dir, f)))];
    assert.ok(inputs.length > 0, `no corpus in ${dir}`);
    const failures = [];
    for (const data of inputs) {
      const err = replay(target, data);
      if (err) failures.push(`${data.toString('hex').slice(0, 64)}: ${err.stack?.split('\n').slice(0, 2).join(' ')}`);
    }
    assert.deepEqual(failures, [], `${failures.length} of ${inputs.length} inputs failed`);
  });

  for (const file of files(join(dir, 'crashes'))) {
    const issue = knownIssues[`${name}/${file}`];
    test(
      `${name}: crash reproducer ${file}${issue ? ' (known, not fixed yet)' : ''}`,
      { todo: issue || undefined },
      async () => {
        const target = await loaded;
        const err = replay(target, readFileSync(join(dir, 'crashes', file)));
        assert.equal(err, null, err?.stack);
      },
    );
  }
}
