/** Checking an optimizer state record against the variables it belongs to, before anything is assigned. */
import { ValueError, formatShape, shapesEqual, Tensor, ENGINE, type Variable } from '@tapeflow/core';

export interface SlotPlan {
  slots: { v: Variable; slot: string; value: Tensor }[];
  nonSlot: Record<string, number>;
}

export function slotRecord(
  op: string,
  record: unknown,
  varList: readonly Variable[],
  slotNames: readonly string[],
  nonSlotNames: readonly string[],
): SlotPlan {
  if (record === null || typeof record !== 'object' || record instanceof Tensor) {
    throw new TypeError(`${op}: slots must be a Record<name, Tensor> or a Map, as getSlots returns`);
  }
  const given = new Map<string, unknown>(
    record instanceof Map ? record : Object.entries(record as Record<string, unknown>),
  );
  const problems: string[] = [];
  const plan: SlotPlan = { slots: [], nonSlot: {} };
  const take = (name: string): Tensor | undefined => {
    const t = given.get(name);
    given.delete(name);
    if (t === undefined) {
      problems.push(`'${name}' is missing`);
      return undefined;
    }
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: '${name}' must be a Tensor`);
    ENGINE.assertUsable(t, op, `'${name}'`);
    return t;
  };
  for (const v of varList) {
    for (const slot of slotNames) {
      const name = `${v.name}/${slot}`;
      const t = take(name);
      if (!t) continue;
      if (!shapesEqual(t.shape, v.shape) || t.dtype !== v.dtype) {
        problems.push(
          `'${name}' is ${t.dtype} ${formatShape(t.shape)}, its variable ${v.dtype} ${formatShape(v.shape)}`,
        );
      } else plan.slots.push({ v, slot, value: t });
    }
  }
  for (const name of nonSlotNames) {
    const t = take(name);
    if (!t) continue;
    if (t.size !== 1 || t.dtype === 'bool' || t.dtype === 'int32')
      problems.push(`'${name}' must be a float scalar, got ${t.dtype} ${formatShape(t.shape)}`);
    else plan.nonSlot[name] = t.dataSync()[0];
  }
  for (const name of given.keys()) problems.push(`'${name}' is not state of this optimizer for these variables`);
  if (problems.length) throw new ValueError(`${op}: ${problems.join('; ')} (nothing was changed)`);
  return plan;
}
