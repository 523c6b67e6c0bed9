/**
 * Training progress: a cli-progress bar (loss, held-out loss, steps/s, ETA) on a terminal; plain
 * lines when stdout is not a terminal (CI logs, pipes), where a redrawn bar would be noise.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';

export interface ProgressFields { loss: string; heldOut: string; rate: string }

export class Progress {
  private readonly bars?: MultiBar;
  private readonly bar?: SingleBar;

  constructor(total: number, start: number, fields: ProgressFields) {
    if (!process.stdout.isTTY) return;
    this.bars = new MultiBar({
      format: ' {bar} {value}/{total} | loss {loss} | held-out {heldOut} | {rate} steps/s | ETA {eta_formatted}',
      hideCursor: true, clearOnComplete: false, etaBuffer: 50,
    }, Presets.shades_classic);
    this.bar = this.bars.create(total, start, fields);
  }

  update(step: number, fields: Partial<ProgressFields>): void { this.bar?.update(step, fields); }

  /** A line printed above the bar (or plainly without one). */
  log(line: string): void {
    if (this.bars) this.bars.log(`${line}\n`);
    else console.log(line);
  }

  stop(): void { this.bars?.stop(); }
}
