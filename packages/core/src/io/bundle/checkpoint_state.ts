/**
 * The `checkpoint` file next to a TF1 checkpoint: a CheckpointState protocol buffer in text form
 * (tensorflow/python/training/checkpoint_state.proto), naming the latest prefix and the kept ones:
 *
 *   model_checkpoint_path: "model.ckpt-1000"
 *   all_model_checkpoint_paths: "model.ckpt-500"
 *   all_model_checkpoint_paths: "model.ckpt-1000"
 *
 * Paths are relative to the file's directory or absolute. Other fields (timestamps) are ignored.
 */
import { ValueError } from '../../errors.js';

export interface CheckpointState {
  modelCheckpointPath: string;
  allModelCheckpointPaths: string[];
}

export const CHECKPOINT_STATE_FILE = 'checkpoint';

/** Text-format string escapes: \n \t \r \" \' \\ , octal \NNN and hex \xHH. */
function unescape(s: string, bytes: number[]): void {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      for (const b of new TextEncoder().encode(c)) bytes.push(b);
      continue;
    }
    const n = s[++i];
    const simple: Record<string, number> = {
      n: 10,
      t: 9,
      r: 13,
      '"': 34,
      "'": 39,
      '\\': 92,
      a: 7,
      b: 8,
      f: 12,
      v: 11,
      '?': 63,
    };
    if (n in simple) bytes.push(simple[n]);
    else if (n === 'x' && /^[0-9a-fA-F]{1,2}/.test(s.slice(i + 1))) {
      const h = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1))![0];
      bytes.push(parseInt(h, 16));
      i += h.length;
    } else if (/[0-7]/.test(n)) {
      const o = /^[0-7]{1,3}/.exec(s.slice(i))![0];
      bytes.push(parseInt(o, 8) & 0xff);
      i += o.length - 1;
    } else throw new ValueError(`unknown escape \\${n}`);
  }
}

export function parseCheckpointState(text: string, fileName = CHECKPOINT_STATE_FILE): CheckpointState {
  const state: CheckpointState = { modelCheckpointPath: '', allModelCheckpointPaths: [] };
  text.split(/\r?\n/).forEach((line, i) => {
    const m = /^\s*(\w+)\s*:\s*(.*?)\s*$/.exec(line);
    if (!m) {
      if (line.trim() && !line.trim().startsWith('#'))
        throw new ValueError(`${fileName}: line ${i + 1} is not 'field: value': ${JSON.stringify(line)}`);
      return;
    }
    const [, field, raw] = m;
    if (field !== 'model_checkpoint_path' && field !== 'all_model_checkpoint_paths') return;
    const q = /^"((?:[^"\\]|\\.)*)"$/.exec(raw) ?? /^'((?:[^'\\]|\\.)*)'$/.exec(raw);
    if (!q) throw new ValueError(`${fileName}: line ${i + 1}: ${field} must be a quoted string, got ${raw}`);
    const bytes: number[] = [];
    try {
      unescape(q[1], bytes);
    } catch (e) {
      throw new ValueError(`${fileName}: line ${i + 1}: ${(e as Error).message}`);
    }
    const value = new TextDecoder().decode(new Uint8Array(bytes));
    if (field === 'model_checkpoint_path') state.modelCheckpointPath = value;
    else state.allModelCheckpointPaths.push(value);
  });
  if (!state.modelCheckpointPath) throw new ValueError(`${fileName} names no model_checkpoint_path`);
  return state;
}

const quote = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;

export function formatCheckpointState(state: CheckpointState): string {
  return (
    [
      `model_checkpoint_path: ${quote(state.modelCheckpointPath)}`,
      ...state.allModelCheckpointPaths.map((p) => `all_model_checkpoint_paths: ${quote(p)}`),
    ].join('\n') + '\n'
  );
}
