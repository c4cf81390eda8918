#!/usr/bin/env node
// Coverage-guided fuzzing of one target:
//   node hardening/fuzz/run.mjs <target> [--runs N] [--seconds S] [--seed N] [--no-minimize] [--summary file.json]
// Targets: codec-string-h264, codec-string-hevc, codec-string-av1, rfb-client-parser, frame-descriptor.
// The corpus lives in hardening/corpus/<target>/ (new inputs are added there, then the directory is
// minimised); crash reproducers go to hardening/corpus/<target>/crashes/. Exit status 1 on a crash.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildModules, repoRoot, COVERAGE_GLOBAL } from './instrument.mjs';
import { Fuzzer } from './engine.mjs';
import { targets } from './targets.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string' },
    seconds: { type: 'string' },
    seed: { type: 'string' },
    'no-minimize': { type: 'boolean', default: false },
    summary: { type: 'string' },
  },
});
const name = positionals[0];
const target = targets[name];
if (!target) {
  console.error(`usage: run.mjs <target> [--runs N] [--seconds S]; targets: ${Object.keys(targets).join(', ')}`);
  process.exit(2);
}

const outDir = join(repoRoot, 'hardening', 'build', 'fuzz', name);
const { modules, points } = buildModules(target.entries, outDir, { instrument: true });
const map = new Uint32Array(points.length);
globalThis[COVERAGE_GLOBAL] = map;
const { run, isExpected } = await target.load(modules);

const corpusDir = join(repoRoot, 'hardening', 'corpus', name);
const fuzzer = new Fuzzer({
  map,
  run,
  isExpected,
  maxLen: target.maxLen,
  dictionary: target.dictionary,
  corpusDir,
  crashDir: join(corpusDir, 'crashes'),
  seed: values.seed ? Number(values.seed) : Date.now() & 0xffffffff,
});
fuzzer.loadCorpus(target.seeds());
const initialCoverage = fuzzer.coveredPoints();
const runs = values.runs ? Number(values.runs) : Infinity;
const seconds = values.seconds ? Number(values.seconds) : runs === Infinity ? 60 : Infinity;
const { execs, seconds: took } = fuzzer.loop({ runs, seconds });
const finalCoverage = fuzzer.coveredPoints();
const minimized = values['no-minimize'] ? null : fuzzer.minimizeCorpusDir();

const summary = {
  target: name,
  execs,
  seconds: Math.round(took * 10) / 10,
  execsPerSecond: Math.round(execs / took),
  counters: points.length,
  coveredAtStart: initialCoverage,
  coveredAtEnd: finalCoverage,
  coverageByFile: Object.fromEntries(
    [...new Set(points.map((p) => p.file))].map((file) => {
      const ids = points.map((p, i) => (p.file === file ? i : -1)).filter((i) => i >= 0);
      return [file, `${ids.filter((i) => fuzzer.virgin[i]).length}/${ids.length}`];
    }),
  ),
  newInputs: fuzzer.newUnits,
  corpus: minimized,
  crashes: [...fuzzer.crashes.values()],
};
console.log(JSON.stringify(summary));
if (values.summary) writeFileSync(values.summary, `${JSON.stringify(summary, null, 2)}\n`);
process.exit(fuzzer.crashes.size > 0 ? 1 : 0);
