/** The software device, for tests that need an NVENC to talk to. */
import { softwareDeviceState } from '../../src/software-device.js';

const state = softwareDeviceState();

/** Why software-device tests skip, or undefined when the device is built. */
export const softwareSkipReason: string | undefined = state.available ? undefined : state.reason;
export const hasSoftwareDevice = state.available;
export const softwareLibraries = state.available ? state.libraries : undefined;

if (softwareSkipReason) {
  // Printed once per test file so a skipped run says why.
  console.warn(`[nvenc tests] skipping software-device tests: ${softwareSkipReason}`);
}
