;; The WebAssembly SIMD ceiling the matmul is held to: a loop of nothing but independent f32x4
;; multiply-adds, shaped like the matmul's inner loop. Each step loads 4 vectors (from the same
;; 64 bytes, so from L1) and adds ACCUMULATORS distinct products of pairs of them into as many
;; accumulators: acc_i += v_x * v_y (plain: a mul then an add; FMA: one f32x4.relaxed_madd).
;; - The products are distinct and read loaded values, so V8 can neither fold nor share them:
;;   every step does ACCUMULATORS real multiplies and adds. (A loop that multiplies constants,
;;   acc += m * c, gets m * c hoisted and measures adds alone; acc = acc * m + c puts the
;;   multiply on each accumulator's dependency chain and measures its latency, ~10% below.)
;; - Only the add (or the FMA) is on an accumulator's chain; bench/src/simd_ceiling.ts picks
;;   enough accumulators to hide its latency and few enough to stay in registers.
;; The memory is zeros, so nothing overflows or goes subnormal. Each step is ACCUMULATORS x 8 flops.
(module
  (memory 1)
  (func (export "peak") (param $steps i32) (result f32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    LOCALS
    (loop $k
      (local.set $v0 (v128.load (i32.const 0)))
      (local.set $v1 (v128.load (i32.const 16)))
      (local.set $v2 (v128.load (i32.const 32)))
      (local.set $v3 (v128.load (i32.const 48)))
      MULADDS
      (br_if $k (local.tee $steps (i32.sub (local.get $steps) (i32.const 1)))))
    ;; one lane of the sum, so no accumulator is dead code
    (f32x4.extract_lane 0 SUM)))
