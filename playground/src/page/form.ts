/**
 * The settings form: read into a SessionConfig, and pre-filled from the URL's query
 * (?backend=webgl&units=32...) so a configuration can be linked to.
 */
import type { BackendName, SessionConfig } from './session.js';

const FIELDS = ['backend', 'layers', 'units', 'batch', 'lr', 'seed'] as const;

export function fillFromQuery(form: HTMLFormElement, query: string): void {
  const params = new URLSearchParams(query);
  for (const name of FIELDS) {
    const v = params.get(name);
    if (v !== null) (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value = v;
  }
}

export function readConfig(form: HTMLFormElement): SessionConfig {
  const field = (name: (typeof FIELDS)[number]): HTMLInputElement => form.elements.namedItem(name) as HTMLInputElement;
  const int = (name: (typeof FIELDS)[number]): number => {
    const el = field(name);
    const v = Number(el.value);
    if (!Number.isInteger(v) || !el.checkValidity())
      throw new Error(`${name} must be an integer in ${el.min}..${el.max || '∞'}, got '${el.value}'`);
    return v;
  };
  const lr = Number(field('lr').value);
  if (!(lr > 0 && lr <= 1)) throw new Error(`learning rate must be in (0, 1], got '${field('lr').value}'`);
  return {
    backend: field('backend').value as BackendName,
    layers: int('layers'),
    units: int('units'),
    batchSize: int('batch'),
    learningRate: lr,
    seed: int('seed'),
  };
}
