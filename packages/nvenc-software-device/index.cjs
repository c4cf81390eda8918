'use strict';
// Absolute paths of the software device's libraries, for clients that load them by path
// (the native addon's cudaLibrary/nvencLibrary options, or LD_LIBRARY_PATH for other programs).
const fs = require('node:fs');
const path = require('node:path');

const candidates = [
  path.join(__dirname, 'build', 'lib'),
  path.join(__dirname, 'prebuilds', `${process.platform}-${process.arch}`),
];
const libraryDir =
  candidates.find((d) => fs.existsSync(path.join(d, 'libnvidia-encode.so.1'))) ?? candidates[0];

module.exports = {
  libraryDir,
  cudaLibrary: path.join(libraryDir, 'libcuda.so.1'),
  nvencLibrary: path.join(libraryDir, 'libnvidia-encode.so.1'),
  isBuilt() {
    return fs.existsSync(path.join(libraryDir, 'libcuda.so.1')) && fs.existsSync(path.join(libraryDir, 'libnvidia-encode.so.1'));
  },
};
