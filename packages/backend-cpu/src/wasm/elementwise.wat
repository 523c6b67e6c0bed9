;; float32 elementwise kernels, WebAssembly SIMD: add, mul (same shape, or by a row repeated over
;; the rows), exp, sigmoid, tanh, and the Adam update. They read and write this module's memory (shared with the
;; matmul module): the host copies operands in and the result out (src/kernels/elementwise_wasm.ts).
;; Pointers are in bytes, 16-byte aligned; n counts floats and every buffer is padded to a
;; multiple of 4 floats, so each loop moves whole f32x4 vectors (the padding lanes are ignored).
;;
;; exp, sigmoid and tanh compute in f64x2, two lanes at a time, to the accuracy of
;; src/kernels/fast_math.ts (their TypeScript reference; no tables here, which SIMD cannot index):
;; e^z = 2^k e^r with k = nearest(z / ln2), r = z - k ln2 (ln2 in two parts, as fdlibm splits it),
;; |r| <= ln2/2, and e^r - 1 from its Taylor polynomial of degree 11 (truncation r^12/12! <= 6.6e-15
;; relative). 2^k is built from its exponent bits. z is clamped to [-105, 105] as fast_math does.
(module
  (import "env" "memory" (memory 1 16384 shared))

  ;; y[i] = act(x[i]) for the three activations in one loop, no branch inside it: with
  ;; z = s x and e = t (e^r - 1) + (t - c), where t = 2^k,
  ;;   exp      s = 1,  c = 0 (e = e^x):      y = (1 e + 0) / (0 e + 1)
  ;;   sigmoid  s = -1, c = 0 (e = e^-x):     y = (0 e + 1) / (1 e + 1)
  ;;   tanh     s = 2,  c = 1 (e = e^2x - 1): y = (1 e + 0) / (1 e + 2), and x where x = +-0 (keeps -0)
  ;; Each form is exactly fast_math's (multiplying by 0, 1, -1 or 2 and adding 0 are exact; e is
  ;; finite). e^x - 1 as t (e^r - 1) + (t - 1) stays exact near 0, where k = 0.
  (func $unary (param $x i32) (param $y i32) (param $n i32)
    (param $s f64) (param $c f64) (param $a1 f64) (param $a0 f64) (param $b1 f64) (param $b0 f64) (param $keepZero i32)
    (local $end i32) (local $rational i32) (local $v v128) (local $z v128) (local $k v128) (local $r v128) (local $r2 v128) (local $r4 v128)
    (local $t v128) (local $p v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $rational (i32.eqz (i32.and (f64.eq (local.get $a1) (f64.const 1)) (f64.eq (local.get $b1) (f64.const 0)))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $v (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $x))))
      ;; clamp; pmin/pmax (one instruction each) keep a NaN z, which is their first operand
      (local.set $z (f64x2.pmax (f64x2.pmin (f64x2.mul (local.get $v) (f64x2.splat (local.get $s)))
        (f64x2.splat (f64.const 105))) (f64x2.splat (f64.const -105))))
      ;; k = nearest(z / ln2) by adding 1.5 * 2^52 (ties to even); $t keeps the sum, whose low bits are k
      (local.set $t (f64x2.add (f64x2.mul (local.get $z) (f64x2.splat (f64.const 1.4426950408889634))) (f64x2.splat (f64.const 6755399441055744))))
      (local.set $k (f64x2.sub (local.get $t) (f64x2.splat (f64.const 6755399441055744))))
      (local.set $r (f64x2.sub
        (f64x2.sub (local.get $z) (f64x2.mul (local.get $k) (f64x2.splat (f64.const 6.93147180369123816490e-1))))
        (f64x2.mul (local.get $k) (f64x2.splat (f64.const 1.90821492927058770002e-10)))))
      ;; t = 2^k: (k + 1023) << 52 as the bits of a double (|k| <= 152: a normal double); the sum's
      ;; bits are those of 1.5 * 2^52 (0x4338000000000000) plus k
      (local.set $t (i64x2.shl (i64x2.sub (local.get $t) (i64x2.splat (i64.const 0x4337fffffffffc01))) (i32.const 52)))
      ;; e^r - 1 = r P(r), P(r) = sum of r^i / (i + 1)! for i <= 10, by Estrin's scheme (a short
      ;; dependency chain, where Horner's would be 10 multiply-adds long)
      (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
      (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
      (local.set $p (f64x2.add
        (f64x2.add
          (f64x2.add (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 0.5))))
            (f64x2.mul (local.get $r2) (f64x2.add (f64x2.splat (f64.const 0.16666666666666666)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 4.1666666666666664e-2))))))
          (f64x2.mul (local.get $r4)
            (f64x2.add (f64x2.add (f64x2.splat (f64.const 8.333333333333333e-3)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 1.388888888888889e-3))))
              (f64x2.mul (local.get $r2) (f64x2.add (f64x2.splat (f64.const 1.984126984126984e-4)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 2.48015873015873e-5))))))))
        (f64x2.mul (f64x2.mul (local.get $r4) (local.get $r4))
          (f64x2.add (f64x2.add (f64x2.splat (f64.const 2.7557319223985893e-6)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 2.755731922398589e-7))))
            (f64x2.mul (local.get $r2) (f64x2.splat (f64.const 2.505210838544172e-8)))))))
      (local.set $p (f64x2.mul (local.get $p) (local.get $r)))
      ;; e, then the op's rational form of it
      (local.set $p (f64x2.add (f64x2.mul (local.get $t) (local.get $p)) (f64x2.sub (local.get $t) (f64x2.splat (local.get $c)))))
      ;; (exp skips the division by 1: a branch the same way every time costs less than a divide)
      (if (local.get $rational) (then (local.set $p (f64x2.div
        (f64x2.add (f64x2.mul (local.get $p) (f64x2.splat (local.get $a1))) (f64x2.splat (local.get $a0)))
        (f64x2.add (f64x2.mul (local.get $p) (f64x2.splat (local.get $b1))) (f64x2.splat (local.get $b0)))))))
      (local.set $p (v128.bitselect (local.get $v) (local.get $p)
        (v128.and (f64x2.eq (local.get $v) (f64x2.splat (f64.const 0))) (i64x2.splat (i64.extend_i32_s (local.get $keepZero))))))
      (v128.store64_lane 0 (local.get $y) (f32x4.demote_f64x2_zero (local.get $p)))
      (local.set $x (i32.add (local.get $x) (i32.const 8)))
      (local.set $y (i32.add (local.get $y) (i32.const 8)))
      (br $next))))

  (func (export "exp") (param $x i32) (param $y i32) (param $n i32)
    (call $unary (local.get $x) (local.get $y) (local.get $n)
      (f64.const 1) (f64.const 0) (f64.const 1) (f64.const 0) (f64.const 0) (f64.const 1) (i32.const 0)))
  (func (export "sigmoid") (param $x i32) (param $y i32) (param $n i32)
    (call $unary (local.get $x) (local.get $y) (local.get $n)
      (f64.const -1) (f64.const 0) (f64.const 0) (f64.const 1) (f64.const 1) (f64.const 1) (i32.const 0)))
  (func (export "tanh") (param $x i32) (param $y i32) (param $n i32)
    (call $unary (local.get $x) (local.get $y) (local.get $n)
      (f64.const 2) (f64.const 1) (f64.const 1) (f64.const 0) (f64.const 1) (f64.const 2) (i32.const -1)))

  ;; y[i] = a[i] + b[i] or a[i] * b[i] (exact float32 results, the same as the TypeScript loops)
  (func (export "add") (param $a i32) (param $b i32) (param $y i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      (v128.store (local.get $y) (f32x4.add (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br $next))))
  (func (export "mul") (param $a i32) (param $b i32) (param $y i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      (v128.store (local.get $y) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br $next))))

  ;; y[r][c] = a[r][c] (+ or *) row[c] for `rows` rows of `cols` floats, cols a multiple of 4
  (func $byRow (param $a i32) (param $row i32) (param $y i32) (param $rows i32) (param $cols i32) (param $mul i32)
    (local $rowEnd i32) (local $c i32) (local $end i32) (local $u v128) (local $w v128)
    (local.set $rowEnd (i32.add (local.get $row) (i32.shl (local.get $cols) (i32.const 2))))
    (local.set $end (i32.add (local.get $a) (i32.mul (local.get $rows) (i32.shl (local.get $cols) (i32.const 2)))))
    (block $done (loop $nextRow
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      (local.set $c (local.get $row))
      (loop $next
        (local.set $u (v128.load (local.get $a)))
        (local.set $w (v128.load (local.get $c)))
        (v128.store (local.get $y) (select (result v128) (f32x4.mul (local.get $u) (local.get $w))
          (f32x4.add (local.get $u) (local.get $w)) (local.get $mul)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br_if $next (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 16))) (local.get $rowEnd))))
      (br $nextRow))))
  (func (export "addRow") (param $a i32) (param $row i32) (param $y i32) (param $rows i32) (param $cols i32)
    (call $byRow (local.get $a) (local.get $row) (local.get $y) (local.get $rows) (local.get $cols) (i32.const 0)))
  (func (export "mulRow") (param $a i32) (param $row i32) (param $y i32) (param $rows i32) (param $cols i32)
    (call $byRow (local.get $a) (local.get $row) (local.get $y) (local.get $rows) (local.get $cols) (i32.const 1)))

  ;; One Adam step of n floats (src/kernels/adam.ts): m' = m b1 + g c1, v' = v b2 + (g g) c2,
  ;; p' = p - (m' / (sqrt(v') + eps)) lr, with c1 = 1 - b1 and c2 = 1 - b2 rounded to float32 by
  ;; the host. Every f32x4 operation rounds once, in the order the composed float32 ops round.
  (func (export "adam") (param $p i32) (param $m i32) (param $v i32) (param $g i32)
    (param $pOut i32) (param $mOut i32) (param $vOut i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $lr f32) (param $eps f32)
    (local $i i32) (local $end i32) (local $gv v128) (local $mv v128) (local $vv v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
      (local.set $mv (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (f32x4.splat (local.get $b1)))
        (f32x4.mul (local.get $gv) (f32x4.splat (local.get $c1)))))
      (local.set $vv (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (f32x4.splat (local.get $b2)))
        (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (local.get $c2)))))
      (v128.store (i32.add (local.get $mOut) (local.get $i)) (local.get $mv))
      (v128.store (i32.add (local.get $vOut) (local.get $i)) (local.get $vv))
      (v128.store (i32.add (local.get $pOut) (local.get $i)) (f32x4.sub
        (v128.load (i32.add (local.get $p) (local.get $i)))
        (f32x4.mul
          (f32x4.div (local.get $mv) (f32x4.add (f32x4.sqrt (local.get $vv)) (f32x4.splat (local.get $eps))))
          (f32x4.splat (local.get $lr)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next))))
)
