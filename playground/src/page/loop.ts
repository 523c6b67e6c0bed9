/**
 * Runs training steps until paused, yielding to the event loop after every step so the page
 * stays responsive (clicks, chart redraws) while it trains on the main thread.
 */
import type { Session } from './session.js';

export interface StepReport {
  step: number;
  loss: number;
  stepsPerSecond: number;
}

/** A macrotask boundary: lets the browser handle input and paint before the next step. */
const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Steps/s is measured over the last RATE_WINDOW steps, so it follows changes (e.g. a busy tab). */
const RATE_WINDOW = 20;

export class TrainingLoop {
  private running = false;
  /** A step is in flight (it may still hold tensors, e.g. a loss being read back). */
  private busy = false;
  private finished: Promise<void> = Promise.resolve();

  constructor(
    private readonly session: Session,
    private readonly onStep: (r: StepReport) => void,
    private readonly onError: (e: unknown) => void,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }
  /** True while the loop is still inside a step, also after pause() until that step ends. */
  get isBusy(): boolean {
    return this.busy;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // A pause followed quickly by a start waits for the previous run to leave its loop.
    this.finished = this.finished.then(() => this.run());
  }

  /** Stops after the current step; resolves once no step is in flight. */
  pause(): Promise<void> {
    this.running = false;
    return this.finished;
  }

  private async run(): Promise<void> {
    const times = [performance.now()];
    this.busy = true;
    try {
      while (this.running) {
        const loss = await this.session.trainStep();
        times.push(performance.now());
        if (times.length > RATE_WINDOW + 1) times.shift();
        const stepsPerSecond = (times.length - 1) / ((times[times.length - 1] - times[0]) / 1000);
        this.onStep({ step: this.session.step, loss, stepsPerSecond });
        await nextTask();
      }
    } catch (e) {
      this.running = false;
      this.onError(e);
    } finally {
      this.busy = false;
    }
  }
}
