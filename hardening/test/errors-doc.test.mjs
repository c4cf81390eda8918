// docs/errors.md must name every error code the packages can produce: the codes of
// @nvenc-ts/nvenc (errorDocs and fromNative's mapping), the native binding's own codes and the RFB
// package's codes. A new code without documentation fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './support.mjs';

const doc = readFileSync(join(repoRoot, 'docs', 'errors.md'), 'utf8');
const documented = (code) => doc.includes(`\`${code}\``);

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|cc|h)$/.test(name) ? [readFileSync(p, 'utf8')] : [];
  });
}
const matches = (texts, re) => [...new Set(texts.flatMap((t) => [...t.matchAll(re)].map((m) => m[1])))];

test('every @nvenc-ts/nvenc code (errorDocs, typed-class defaults, fromNative mapping) is documented', () => {
  const src = readFileSync(join(repoRoot, 'packages', 'nvenc', 'src', 'errors.ts'), 'utf8');
  const codes = [
    ...matches([src], /^ {2}([A-Z][A-Z0-9_]+): \{/gm), // errorDocs keys
    ...matches([src], /case '([A-Z][A-Z0-9_]+)':/g), // fromNative
    ...matches([src], /withCode\(options, '([A-Z][A-Z0-9_]+)'\)/g), // class defaults
    ...matches(sources(join(repoRoot, 'packages', 'nvenc', 'src')), /code: '([A-Z][A-Z0-9_]+)'/g),
  ];
  assert.ok(codes.length > 20);
  assert.deepEqual(
    [...new Set(codes)].filter((c) => !documented(c)),
    [],
  );
});

test('every code the native binding throws itself is documented', () => {
  const codes = matches(
    sources(join(repoRoot, 'packages', 'nvenc-native', 'src')),
    /NativeError\("([A-Z][A-Z0-9_]+)"/g,
  );
  assert.ok(codes.includes('INVALID_FRAME'));
  assert.deepEqual(
    codes.filter((c) => !documented(c)),
    [],
  );
});

test('every @nvenc-ts/rfb-encoder-backend code is documented', () => {
  const src = readFileSync(join(repoRoot, 'packages', 'rfb-encoder-backend', 'src', 'errors.ts'), 'utf8');
  const codes = matches([src], /\| '([A-Z][A-Z0-9_]+)'/g);
  assert.ok(codes.includes('RFB_BAD_VERSION') && codes.includes('ENCODER_FAILED'));
  assert.deepEqual(
    codes.filter((c) => !documented(c)),
    [],
  );
});
