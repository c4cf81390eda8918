/** Runs `work` and counts the event loop's turns (setImmediate callbacks) until its promise settles. */
export function turnsDuring<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }>;
