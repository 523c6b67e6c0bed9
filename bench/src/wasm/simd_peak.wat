;; The WebAssembly SIMD ceiling the matmul is held to: a loop of nothing but f32x4 multiply-adds
;; on 12 independent accumulators (enough to hide the latency of the 4-cycle mul and add, few
;; enough to stay in the 16 SIMD registers), no memory traffic. acc = acc * m + c converges to
;; c / (1 - m), so no value overflows or goes subnormal. Each step of the loop is 12 x 8 flops.
;; $fma is the same loop with relaxed SIMD's fused f32x4.relaxed_madd (bench/src/simd_ceiling.ts
;; assembles it only where the runtime validates relaxed SIMD).
(module
  (func (export "plain") (param $steps i32) (result f32)
    (local $m v128) (local $c v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128)
    (local $a6 v128) (local $a7 v128) (local $a8 v128) (local $a9 v128) (local $a10 v128) (local $a11 v128)
    (local.set $m (f32x4.splat (f32.const 0.999)))
    (local.set $c (f32x4.splat (f32.const 0.001)))
    (loop $k
      MULADDS
      (br_if $k (local.tee $steps (i32.sub (local.get $steps) (i32.const 1)))))
    ;; one lane of the sum, so no accumulator is dead code
    (f32x4.extract_lane 0 (f32x4.add (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))
      (f32x4.add (f32x4.add (f32x4.add (local.get $a4) (local.get $a5)) (f32x4.add (local.get $a6) (local.get $a7)))
        (f32x4.add (f32x4.add (local.get $a8) (local.get $a9)) (f32x4.add (local.get $a10) (local.get $a11)))))))
)
