// The `./demo` subpath: the noVNC demo server and its moving test scene. Kept out of the library
// entry so an application that only serves RFB does not load them.
export { TestPattern, type TestPatternOptions, TEST_PATTERN_PATCHES } from './test-pattern.js';
export { startNoVncDemo, findNoVnc, type NoVncDemo, type NoVncDemoOptions } from './novnc-demo.js';
