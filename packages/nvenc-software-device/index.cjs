'use strict';
// Absolute paths of the software device's libraries, for clients that load them by path
// (the native addon's cudaLibrary/nvencLibrary options, or LD_LIBRARY_PATH for other programs).
const fs = require('node:fs');
const path = require('node:path');

const candidates = [
  path.join(__dirname, 'build', 'lib'),
  path.join(__dirname, 'prebuilds', `${process.platform}-${process.arch}`),
];
const libraryDir = candidates.find((d) => fs.existsSync(path.join(d, 'libnvidia-encode.so.1'))) ?? candidates[0];

/**
 * Shared libraries the prebuilt libnvidia-encode.so.1 needs from the system but does not ship
 * (Debian 12's FFmpeg 5.1 runtime: libavcodec.so.59, libavutil.so.57, libswscale.so.6), read from
 * the requirements.json written next to the prebuilt binaries. Empty for a local build (it was
 * linked against this machine's FFmpeg).
 */
function runtimeLibraries() {
  try {
    const report = JSON.parse(fs.readFileSync(path.join(libraryDir, 'requirements.json'), 'utf8'));
    const needed =
      (report.files && report.files['libnvidia-encode.so.1'] && report.files['libnvidia-encode.so.1'].needed) || [];
    return needed.filter((soname) => /^lib(av|sw)[a-z]*\.so\.\d+$/.test(soname));
  } catch {
    return [];
  }
}

/** Debian/Ubuntu package of a soname: libavcodec.so.59 → libavcodec59. */
function debianPackage(soname) {
  const m = /^(lib[a-z]+)\.so\.(\d+)$/.exec(soname);
  return m ? `${m[1]}${m[2]}` : soname;
}

/**
 * The FFmpeg runtime libraries that the dynamic loader will not find (searched like ld.so: the
 * LD_LIBRARY_PATH folders, /etc/ld.so.cache, the default folders). Never throws.
 */
function missingRuntimeLibraries() {
  const needed = runtimeLibraries();
  if (needed.length === 0) return [];
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH || '').split(':').filter(Boolean),
    '/lib/x86_64-linux-gnu',
    '/usr/lib/x86_64-linux-gnu',
    '/lib64',
    '/usr/lib64',
    '/lib',
    '/usr/lib',
  ];
  let cache = '';
  try {
    cache = fs.readFileSync('/etc/ld.so.cache', 'latin1');
  } catch {
    // no cache (some minimal images): the folders decide
  }
  return needed.filter(
    (soname) => !cache.includes(`${soname}\0`) && !dirs.some((d) => fs.existsSync(path.join(d, soname))),
  );
}

/** One sentence for an error message when FFmpeg's runtime is missing, or undefined. */
function runtimeProblem() {
  const missing = missingRuntimeLibraries();
  if (missing.length === 0) return undefined;
  const packages = runtimeLibraries().map(debianPackage).join(' ');
  return (
    'the software device needs the FFmpeg runtime libraries it was built against (Debian 12: FFmpeg 5.1), ' +
    `missing here: ${missing.join(', ')}. Install them: apt-get install ${packages} ` +
    '(other distributions: build the software device from source against their FFmpeg)'
  );
}

module.exports = {
  libraryDir,
  cudaLibrary: path.join(libraryDir, 'libcuda.so.1'),
  nvencLibrary: path.join(libraryDir, 'libnvidia-encode.so.1'),
  isBuilt() {
    return (
      fs.existsSync(path.join(libraryDir, 'libcuda.so.1')) &&
      fs.existsSync(path.join(libraryDir, 'libnvidia-encode.so.1'))
    );
  },
  runtimeLibraries,
  missingRuntimeLibraries,
  runtimeProblem,
};
