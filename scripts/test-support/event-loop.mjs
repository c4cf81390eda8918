// How the repository's tests show that work runs off the JS thread: count the event loop's turns
// (setImmediate callbacks) while it is pending. A call that blocks the thread until it is done
// allows none; one that waits on another thread lets the loop turn meanwhile.

/** Runs `work` and counts the event loop's turns until its promise settles. */
export async function turnsDuring(work) {
  let turns = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  try {
    return { value: await work(), turns };
  } finally {
    running = false;
  }
}
