/**
 * Training progress: a cli-progress bar (loss, held-out loss, steps/s, ETA) on a terminal; plain
 * lines when stdout is not a terminal (CI logs, pipes), where a redrawn bar would be noise.
 * Training is synchronous, so cli-progress's redraw timer never gets to run: we redraw by hand.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';

export interface ProgressFields {
  loss: string;
  heldOut: string;
  rate: string;
}

export class Progress {
  private readonly bars?: MultiBar;
  private readonly bar?: SingleBar;
  private lastDraw = 0;

  constructor(total: number, start: number, fields: ProgressFields) {
    if (!process.stdout.isTTY) return;
    this.bars = new MultiBar(
      {
        format: ' {bar} {value}/{total} | loss {loss} | held-out {heldOut} | {rate} steps/s | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
      },
      Presets.shades_classic,
    );
    this.bar = this.bars.create(total, start, fields);
  }

  update(step: number, fields: Partial<ProgressFields>): void {
    if (!this.bars || !this.bar) return;
    this.bar.update(step, fields);
    if (performance.now() - this.lastDraw > 100) this.redraw();
  }

  /** A line printed above the bar (or plainly without one). */
  log(line: string): void {
    if (!this.bars) {
      console.log(line);
      return;
    }
    this.bars.log(`${line}\n`);
    this.redraw();
  }

  private redraw(): void {
    this.bars!.update();
    this.lastDraw = performance.now();
  }

  stop(): void {
    this.bars?.stop();
  }
}
