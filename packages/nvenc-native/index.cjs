'use strict';
// Where this package's per-ABI binaries are. Choosing one (the newest the driver supports) is
// @nvenc-ts/nvenc's job; this module only lists and loads.
const fs = require('node:fs');
const path = require('node:path');

const searchDirs = [
  path.join(__dirname, 'build', 'Release'),
  path.join(__dirname, 'prebuilds', `${process.platform}-${process.arch}`),
];

/** @returns {{ abi: string, path: string }[]} newest ABI first */
function binaries() {
  const found = new Map();
  for (const dir of searchDirs) {
    let names = [];
    try { names = fs.readdirSync(dir); } catch { continue; }
    for (const name of names) {
      const m = /^nvenc_(\d+)_(\d+)\.node$/.exec(name);
      if (m && !found.has(`${m[1]}.${m[2]}`)) found.set(`${m[1]}.${m[2]}`, path.join(dir, name));
    }
  }
  return [...found.entries()]
    .map(([abi, p]) => ({ abi, path: p }))
    .sort((a, b) => compareAbi(b.abi, a.abi));
}

function compareAbi(a, b) {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}

function load(abi) {
  const entry = binaries().find((b) => b.abi === abi);
  if (!entry) throw new Error(`no nvenc-native binary for NVENC API ${abi} in ${searchDirs.join(', ')}`);
  return require(entry.path);
}

module.exports = { binaries, load, compareAbi, searchDirs };
