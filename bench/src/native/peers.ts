/**
 * The Python side of `pnpm bench native`: a virtual environment under bench/ (git-ignored) with
 * tensorflow-cpu, torch and jax installed by pip, and one long-lived peer.py process per
 * (framework, model, thread count) that answers "step" with its timing and loss. A peer that pip
 * cannot install, or that fails to start, is reported with the reason instead of its numbers.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type Framework = 'tf' | 'torch' | 'jax';
export const FRAMEWORKS: { id: Framework; label: string; pkg: string; module: string }[] = [
  { id: 'tf', label: 'TF CPU', pkg: 'tensorflow-cpu', module: 'tensorflow' },
  { id: 'torch', label: 'PyTorch', pkg: 'torch', module: 'torch' },
  { id: 'jax', label: 'JAX', pkg: 'jax', module: 'jax' },
];

const VENV = fileURLToPath(new URL('../../.venv-native/', import.meta.url));
const PEER = fileURLToPath(new URL('./peer.py', import.meta.url));
const python = VENV + 'bin/python';

const lastLine = (s: string): string => s.trim().split('\n').filter(Boolean).pop() ?? '';

/**
 * Makes the venv if needed and installs what is missing; returns, per framework, null (usable)
 * or why not. `NATIVE_PEERS=tf,torch` limits the peers.
 */
export function preparePeers(log: (s: string) => void): Map<Framework, string | null> {
  const wanted = (process.env.NATIVE_PEERS ?? 'tf,torch,jax').split(',');
  const out = new Map<Framework, string | null>();
  if (!existsSync(python)) {
    log(`creating ${VENV}`);
    const r = spawnSync('python3', ['-m', 'venv', VENV], { encoding: 'utf8' });
    if (r.status !== 0) {
      const why = `no virtual environment: python3 -m venv failed (${lastLine(r.stderr ?? '') || r.error?.message})`;
      for (const f of FRAMEWORKS) if (wanted.includes(f.id)) out.set(f.id, why);
      return out;
    }
  }
  for (const f of FRAMEWORKS) {
    if (!wanted.includes(f.id)) continue;
    const has = (): boolean => spawnSync(python, ['-c', `import ${f.module}`], { stdio: 'ignore' }).status === 0;
    if (has()) {
      out.set(f.id, null);
      continue;
    }
    log(`pip install ${f.pkg} (into ${VENV})`);
    // --retries 0: an unreachable index is skipped at once instead of after five back-offs.
    const r = spawnSync(python, ['-m', 'pip', 'install', '--retries', '0', f.pkg], { encoding: 'utf8' });
    const err = (r.stderr ?? '')
      .split('\n')
      .filter((l) => /ERROR/.test(l))
      .pop();
    out.set(
      f.id,
      has() ? null : `pip could not install ${f.pkg}: ${err ?? lastLine(r.stderr ?? '') ?? `exit ${r.status}`}`,
    );
  }
  return out;
}

export interface StepReply {
  ms: number;
  cpuMs: number;
  loss: number;
}

/** One running peer.py; `step()` runs one training step there. */
export class Peer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private stderr = '';
  version = '';
  note = '';

  constructor(
    readonly framework: Framework,
    model: string,
    threads: number,
    dataDir: string,
  ) {
    this.proc = spawn(python, [
      PEER,
      '--framework',
      framework,
      '--model',
      model,
      '--threads',
      String(threads),
      '--data',
      dataDir,
    ]);
    this.proc.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    const rl = createInterface({ input: this.proc.stdout });
    rl.on('line', (l) => this.deliver(l));
    rl.on('close', () => this.deliver(null));
  }

  private deliver(line: string | null): void {
    const w = this.waiting;
    if (w !== null) {
      this.waiting = null;
      w(line);
    } else if (line !== null) this.lines.push(line);
  }

  private next(timeoutMs: number): Promise<Record<string, unknown>> {
    const line = this.lines.shift();
    const got =
      line !== undefined
        ? Promise.resolve<string | null>(line)
        : new Promise<string | null>((resolve) => {
            this.waiting = resolve;
          });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.framework} peer gave no answer in ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    });
    return Promise.race([got, timeout]).then((l) => {
      clearTimeout(timer);
      if (l === null) throw new Error(`${this.framework} peer exited: ${lastLine(this.stderr)}`);
      return JSON.parse(l) as Record<string, unknown>;
    });
  }

  /** Waits for the peer to import its framework and build the model. */
  async ready(): Promise<void> {
    const r = await this.next(600_000);
    if (typeof r.error === 'string') throw new Error(r.error);
    this.version = String(r.version);
    this.note = typeof r.note === 'string' ? r.note : '';
  }

  async step(): Promise<StepReply> {
    this.proc.stdin.write('step\n');
    return (await this.next(600_000)) as unknown as StepReply;
  }

  close(): void {
    this.proc.stdin.end('quit\n');
    this.proc.kill();
  }
}
