/**
 * Adam's step count from TF1's beta1_power and beta2_power (beta^(t+1) after t steps, stored as
 * float32 and, in TensorFlow, accumulated by float32 multiplications): t = log(power)/log(beta) - 1,
 * from beta1 while its power is a normal float32, else from beta2. Once both powers are below
 * 1e-30 the bias corrections are exactly 1 in float64, so any later step gives the same updates.
 */
const TINY = 1e-30;

function estimate(power: number, beta: number): number | undefined {
  if (!(beta > 0 && beta < 1) || !(power >= TINY)) return undefined;
  return Math.log(power) / Math.log(beta) - 1;
}

/** The step, or a message saying why the powers cannot come from this Adam. */
export function stepFromPowers(p1: number, p2: number, beta1: number, beta2: number): number | string {
  const e1 = estimate(p1, beta1);
  const e2 = estimate(p2, beta2);
  const from = e1 ?? e2;
  if (from === undefined) {
    const far = [beta1, beta2].filter((b) => b > 0 && b < 1).map((b) => Math.ceil(Math.log(TINY) / Math.log(b)));
    return Math.max(0, ...far);
  }
  const t = Math.round(from);
  const what = `beta1_power ${p1} and beta2_power ${p2} are not beta1^(t+1), beta2^(t+1) of one step t for beta1 = ${beta1}, beta2 = ${beta2}`;
  // float32 storage and TF's float32 products leave t within ~1e-6 t (beta1) or ~1e-5 t (beta2) of an integer.
  if (t < 0 || (e1 !== undefined && Math.abs(e1 - t) > 0.05 + 1e-5 * t))
    return `${what} (was the checkpoint written with other Adam hyperparameters?)`;
  if (e1 !== undefined && e2 !== undefined && Math.abs(e2 - t) > 0.5 + 5e-5 * t)
    return `${what} (was the checkpoint written with other Adam hyperparameters?)`;
  return t;
}
