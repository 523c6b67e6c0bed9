"""One native peer of `pnpm bench native`: a TF1-style LSTM or GRU trained with Adam on
loss mean(outputs^2), in TensorFlow (Keras layer under tf.function), PyTorch (nn.LSTM/nn.GRU)
or JAX (lax.scan under jit). Started by native/main.ts with the thread count fixed before the
framework is imported; it loads the weights and inputs main.ts wrote (TF1 layouts) and then
answers one line per request on stdin:

  step   -> {"ms": wall ms, "cpuMs": process CPU ms, "loss": loss before the update}
  quit   -> exits

Weights file: float32 arrays back to back, described by a JSON manifest {name: [offset, shape]}.
TF1 layouts: LSTM kernel [D+H, 4H] with gate blocks (i, j, f, o), bias [4H], forget bias 1 added
to f; GRU gates/kernel [D+H, 2H] (r, u), gates/bias [2H], candidate/kernel [D+H, H],
candidate/bias [H]; h' = u h + (1 - u) c with c = tanh([x, r h] Wc + bc).
"""
import argparse
import json
import os
import sys
import time

p = argparse.ArgumentParser()
p.add_argument('--framework', choices=['tf', 'torch', 'jax'], required=True)
p.add_argument('--model', choices=['lstm', 'gru'], required=True)
p.add_argument('--threads', type=int, required=True)
p.add_argument('--data', required=True, help='directory with manifest.json and data.f32')
p.add_argument('--lr', type=float, default=1e-3)
args = p.parse_args()
n = args.threads

# Thread counts are fixed before any framework is imported (XLA and TF read them once).
for v in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):
    os.environ[v] = str(n)
os.environ['TF_CPP_MIN_LOG_LEVEL'] = '2'
os.environ['XLA_FLAGS'] = (f'--xla_cpu_multi_thread_eigen={"true" if n > 1 else "false"} '
                           f'intra_op_parallelism_threads={n}')
os.environ['JAX_PLATFORMS'] = 'cpu'

import numpy as np  # noqa: E402

manifest = json.load(open(os.path.join(args.data, 'manifest.json')))
raw = np.fromfile(os.path.join(args.data, 'data.f32'), dtype=np.float32)
B, T, D, H = (manifest['sizes'][k] for k in 'BTDH')


def arr(name):
    off, shape = manifest['arrays'][name]
    return raw[off:off + int(np.prod(shape))].reshape(shape).copy()


x = arr('x')  # [B, T, D], batch-major


def blocks(w, order, size):
    """Columns of w as gate blocks of `size`, in `order` (indices into w's own blocks)."""
    return np.concatenate([w[..., g * size:(g + 1) * size] for g in order], axis=-1)


if args.model == 'lstm':
    kernel, bias = arr('kernel'), arr('bias')
    # TF1 blocks (i, j, f, o) -> Keras/PyTorch (i, f, c|g, o); forget bias folded into the bias.
    k4 = blocks(kernel, [0, 2, 1, 3], H)
    b4 = blocks(bias, [0, 2, 1, 3], H).copy()
    b4[H:2 * H] += 1.0
else:
    gk, gb, ck, cb = arr('gates/kernel'), arr('gates/bias'), arr('candidate/kernel'), arr('candidate/bias')
    # TF1 (r, u) + candidate -> Keras reset_after=False (z, r, h), z being TF1's u.
    k3 = np.concatenate([gk[:, H:], gk[:, :H], ck], axis=1)
    b3 = np.concatenate([gb[H:], gb[:H], cb])

note = ''


def setup_tf():
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(n)
    tf.config.threading.set_inter_op_parallelism_threads(n)
    import keras
    if args.model == 'lstm':
        layer = keras.layers.LSTM(H, return_sequences=True)
        w = [k4[:D], k4[D:], b4]
    else:
        layer = keras.layers.GRU(H, return_sequences=True, reset_after=False)
        w = [k3[:D], k3[D:], b3]
    layer.build((B, T, D))
    layer.set_weights(w)
    opt = keras.optimizers.Adam(learning_rate=args.lr, epsilon=1e-8)
    xs = tf.constant(x)

    @tf.function
    def train(xs):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(layer(xs)))
        grads = tape.gradient(loss, layer.trainable_variables)
        opt.apply_gradients(zip(grads, layer.trainable_variables))
        return loss

    return lambda: float(train(xs).numpy()), f'tensorflow {tf.__version__}, keras {keras.__version__}'


def setup_torch():
    global note
    import torch
    torch.set_num_threads(n)
    torch.set_num_interop_threads(n)
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    if args.model == 'lstm':
        net = torch.nn.LSTM(D, H, batch_first=True)
        w = [t(k4[:D].T), t(k4[D:].T), t(b4), torch.zeros(4 * H)]
    else:
        # PyTorch's GRU applies r after the recurrent matmul (Keras reset_after=True), so it is
        # not TF1's GRU: same sizes and mapped weights, but its loss is a different function.
        net = torch.nn.GRU(D, H, batch_first=True)
        kt = np.concatenate([k3[:, H:2 * H], k3[:, :H], k3[:, 2 * H:]], axis=1)  # (r, z, n)
        bt = np.concatenate([b3[H:2 * H], b3[:H], b3[2 * H:]])
        w = [t(kt[:D].T), t(kt[D:].T), t(bt), torch.zeros(3 * H)]
        note = 'nn.GRU resets after the recurrent matmul (not TF1 GRU)'
    with torch.no_grad():
        for param, v in zip([net.weight_ih_l0, net.weight_hh_l0, net.bias_ih_l0, net.bias_hh_l0], w):
            param.copy_(v)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr, eps=1e-8)
    xs = t(x)

    def train():
        opt.zero_grad(set_to_none=True)
        y, _ = net(xs)
        loss = (y * y).mean()
        loss.backward()
        opt.step()
        return float(loss.item())

    return train, f'torch {torch.__version__}'


def setup_jax():
    import jax
    import jax.numpy as jnp

    if args.model == 'lstm':
        params = {'kernel': jnp.asarray(arr('kernel')), 'bias': jnp.asarray(arr('bias'))}

        def run(ps, xs):
            k = ps['kernel']
            proj = jnp.einsum('btd,dk->tbk', xs, k[:D]) + ps['bias']  # every step's x W + b at once

            def cell(carry, p):
                c, h = carry
                i, j, f, o = jnp.split(p + h @ k[D:], 4, axis=1)
                c = c * jax.nn.sigmoid(f + 1.0) + jax.nn.sigmoid(i) * jnp.tanh(j)
                h = jnp.tanh(c) * jax.nn.sigmoid(o)
                return (c, h), h

            z = jnp.zeros((B, H), xs.dtype)
            return jax.lax.scan(cell, (z, z), proj)[1]
    else:
        params = {k: jnp.asarray(arr(k)) for k in ('gates/kernel', 'gates/bias', 'candidate/kernel', 'candidate/bias')}

        def run(ps, xs):
            gk, ck = ps['gates/kernel'], ps['candidate/kernel']
            pg = jnp.einsum('btd,dk->tbk', xs, gk[:D]) + ps['gates/bias']
            pc = jnp.einsum('btd,dk->tbk', xs, ck[:D]) + ps['candidate/bias']

            def cell(h, p):
                g, c0 = p
                r, u = jnp.split(jax.nn.sigmoid(g + h @ gk[D:]), 2, axis=1)
                c = jnp.tanh(c0 + (r * h) @ ck[D:])
                h = u * h + (1 - u) * c
                return h, h

            return jax.lax.scan(cell, jnp.zeros((B, H), xs.dtype), (pg, pc))[1]

    loss_fn = lambda ps, xs: jnp.mean(jnp.square(run(ps, xs)))  # noqa: E731
    b1, b2, eps = 0.9, 0.999, 1e-8

    @jax.jit
    def train(ps, m, v, t, xs):
        loss, g = jax.value_and_grad(loss_fn)(ps, xs)
        t = t + 1
        lr_t = args.lr * jnp.sqrt(1 - b2 ** t) / (1 - b1 ** t)  # TF1's Adam, as tapeflow's
        m = jax.tree_util.tree_map(lambda a, b: b1 * a + (1 - b1) * b, m, g)
        v = jax.tree_util.tree_map(lambda a, b: b2 * a + (1 - b2) * b * b, v, g)
        ps = jax.tree_util.tree_map(lambda p_, a, b: p_ - lr_t * a / (jnp.sqrt(b) + eps), ps, m, v)
        return ps, m, v, t, loss

    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = [params, zeros, zeros, jnp.float32(0)]
    xs = jnp.asarray(x)

    def step():
        *state[:], loss = train(*state, xs)  # params, m, v, t replaced in place
        return float(jax.block_until_ready(loss))

    return step, f'jax {jax.__version__}'


def main():
    try:
        step, version = {'tf': setup_tf, 'torch': setup_torch, 'jax': setup_jax}[args.framework]()
    except Exception as e:  # reported as the peer's row instead of its numbers
        print(json.dumps({'error': f'{type(e).__name__}: {e}'}), flush=True)
        return
    print(json.dumps({'ready': True, 'version': version, 'note': note}), flush=True)
    for line in sys.stdin:
        if line.strip() != 'step':
            break
        c0, t0 = time.process_time(), time.perf_counter()
        loss = step()
        ms = (time.perf_counter() - t0) * 1000
        print(json.dumps({'ms': ms, 'cpuMs': (time.process_time() - c0) * 1000, 'loss': loss}), flush=True)


main()
