/**
 * Event-loop lag: how late a 1 ms timer fires. Node's monitorEventLoopDelay records each whole
 * interval between timer callbacks (an idle loop shows ~1.0-1.2 ms), so the lag is the recorded
 * value minus the timer's resolution.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface LagSummary {
  /** Lag percentiles and maximum in milliseconds (timer interval minus the 1 ms resolution). */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
}

const RESOLUTION_MS = 1;

export class EventLoopLagMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });

  start(): void {
    this.histogram.reset();
    this.histogram.enable();
  }

  stop(): LagSummary {
    this.histogram.disable();
    const h = this.histogram;
    const lag = (ns: number) => (h.count > 0 ? Math.max(0, ns / 1e6 - RESOLUTION_MS) : NaN);
    return {
      p50Ms: lag(h.percentile(50)),
      p90Ms: lag(h.percentile(90)),
      p99Ms: lag(h.percentile(99)),
      maxMs: lag(h.max),
      samples: h.count,
    };
  }
}
