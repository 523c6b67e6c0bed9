;; float32 GEMM over packed panels, WebAssembly SIMD (128-bit, no FMA: mul then add).
;;
;; The operands are packed into this module's memory ($pack below, or the host's loops):
;;   A as row panels of MR = 2 rows:      panel i holds A[2i + r][p] at a + ((i*k + p)*2 + r)*4 bytes
;;   B as column panels of NR = 16 cols:  panel j holds B[p][16j + s] at b + ((j*k + p)*16 + s)*4 bytes
;; Rows and columns past the matrix edge are packed as zeros, so every tile is a full 2 x 16.
;; C is row-major with a leading dimension of ldc floats (a whole number of panels wide).
;;
;; $gemm computes the tiles of row panels [i0, i1) x column panels [j0, j1): workers of the
;; thread pool call it on disjoint ranges of the same product. Given the product's n (its real
;; columns; 0 means every panel is full), a last panel with at most 8 of them runs $tileNarrow.
(module
  (import "env" "memory" (memory 1 16384 shared))

  ;; c[2 x 16 tile] (+)= A-panel(kc x 2)^T * B-panel(kc x 16). The tile is 8 f32x4 accumulators
  ;; (row r, quarter q: $crq); each step of p loads one row of the B panel (4 vectors) and
  ;; broadcasts the 2 values of the A panel: 4 + 2 loads feed 8 multiplies and 8 adds (or 8
  ;; FMAs). V8 (TurboFan) schedules every load of a step before its arithmetic, so all of them
  ;; are live at once: 8 accumulators + 4 B vectors + 2 broadcasts + 1 product = 15 registers,
  ;; what x64 leaves to wasm (xmm15 is V8's scratch); a 6 x 8 or 4 x 12 tile (12 accumulators)
  ;; spills and runs at half speed. Fewer broadcasts per multiply-add than the 4 x 8 tile this
  ;; replaced (2 vs 4 per 8), which is what the plain kernel gains on (Zen 5, 1 thread, by CPU
  ;; time: ~+15% at 512-1024; the FMA flavour within noise of a 3 x 12 tile, the best one for it).
  (func $tile (param $a i32) (param $b i32) (param $c i32) (param $kc i32) (param $ldc i32) (param $add i32)
    (local $c00 v128) (local $c01 v128) (local $c02 v128) (local $c03 v128)
    (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c13 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $x v128)
    (loop $k
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $b2 (v128.load offset=32 (local.get $b)))
      (local.set $b3 (v128.load offset=48 (local.get $b)))
      (local.set $x (v128.load32_splat (local.get $a)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $c02 (f32x4.add (local.get $c02) (f32x4.mul (local.get $x) (local.get $b2))))
      (local.set $c03 (f32x4.add (local.get $c03) (f32x4.mul (local.get $x) (local.get $b3))))
      (local.set $x (v128.load32_splat offset=4 (local.get $a)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $c12 (f32x4.add (local.get $c12) (f32x4.mul (local.get $x) (local.get $b2))))
      (local.set $c13 (f32x4.add (local.get $c13) (f32x4.mul (local.get $x) (local.get $b3))))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $b (i32.add (local.get $b) (i32.const 64)))
      (br_if $k (local.tee $kc (i32.sub (local.get $kc) (i32.const 1)))))
    ;; Blocks of k after the first add to what the earlier ones stored.
    (if (local.get $add)
      (then
        (local.set $c00 (f32x4.add (local.get $c00) (v128.load (local.get $c))))
        (local.set $c01 (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $c))))
        (local.set $c02 (f32x4.add (local.get $c02) (v128.load offset=32 (local.get $c))))
        (local.set $c03 (f32x4.add (local.get $c03) (v128.load offset=48 (local.get $c))))
        (local.set $c10 (f32x4.add (local.get $c10) (v128.load (i32.add (local.get $c) (local.get $ldc)))))
        (local.set $c11 (f32x4.add (local.get $c11) (v128.load offset=16 (i32.add (local.get $c) (local.get $ldc)))))
        (local.set $c12 (f32x4.add (local.get $c12) (v128.load offset=32 (i32.add (local.get $c) (local.get $ldc)))))
        (local.set $c13 (f32x4.add (local.get $c13) (v128.load offset=48 (i32.add (local.get $c) (local.get $ldc)))))))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (v128.store offset=32 (local.get $c) (local.get $c02))
    (v128.store offset=48 (local.get $c) (local.get $c03))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c10))
    (v128.store offset=16 (local.get $c) (local.get $c11))
    (v128.store offset=32 (local.get $c) (local.get $c12))
    (v128.store offset=48 (local.get $c) (local.get $c13)))

  ;; The narrow edge: c[4 x 8] (+)= two A panels (rows 0-1 from $a0, 2-3 from $a1) times the
  ;; first 8 columns of a B panel, for a last column panel with at most 8 real columns (n = 8
  ;; would otherwise compute twice its flops; n = 24, a third more). Two row panels keep 8
  ;; accumulators (what the FMA latency needs) with 2 B vectors + 4 broadcasts + 1 product.
  (func $tileNarrow (param $a0 i32) (param $a1 i32) (param $b i32) (param $c i32) (param $kc i32) (param $ldc i32) (param $add i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (loop $k
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $x (v128.load32_splat (local.get $a0)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=4 (local.get $a0)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat (local.get $a1)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=4 (local.get $a1)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $a0 (i32.add (local.get $a0) (i32.const 8)))
      (local.set $a1 (i32.add (local.get $a1) (i32.const 8)))
      (local.set $b (i32.add (local.get $b) (i32.const 64)))
      (br_if $k (local.tee $kc (i32.sub (local.get $kc) (i32.const 1)))))
    (if (local.get $add)
      (then
        (local.set $c00 (f32x4.add (local.get $c00) (v128.load (local.get $c))))
        (local.set $c01 (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $c))))
        (local.set $c10 (f32x4.add (local.get $c10) (v128.load (i32.add (local.get $c) (local.get $ldc)))))
        (local.set $c11 (f32x4.add (local.get $c11) (v128.load offset=16 (i32.add (local.get $c) (local.get $ldc)))))
        (local.set $c20 (f32x4.add (local.get $c20) (v128.load (i32.add (local.get $c) (i32.shl (local.get $ldc) (i32.const 1))))))
        (local.set $c21 (f32x4.add (local.get $c21) (v128.load offset=16 (i32.add (local.get $c) (i32.shl (local.get $ldc) (i32.const 1))))))
        (local.set $c30 (f32x4.add (local.get $c30) (v128.load (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))))))
        (local.set $c31 (f32x4.add (local.get $c31) (v128.load offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))))))))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c10))
    (v128.store offset=16 (local.get $c) (local.get $c11))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c20))
    (v128.store offset=16 (local.get $c) (local.get $c21))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c30))
    (v128.store offset=16 (local.get $c) (local.get $c31)))

  ;; Packing, from a copy of the operand's elements (placed in memory by the host with one bulk
  ;; copy): dst[((l0 / w) * depth + p) * w + q] = element (line l0 + q, step p), zero past `lines`.
  ;; Element (l, p) is at src + l * ls + p * ds bytes (strides in bytes, any sign). A packs with
  ;; lines = rows, w = MR = 2; B with lines = columns, w = NR = 16. $byLine picks the loop order the
  ;; host found cache-friendly: one line at a time (reads along a row of A) or one step at a time
  ;; (reads across the lines of the panel; where w is a multiple of 4, w adjacent floats move as
  ;; whole vectors).
  (func (export "pack") (param $src i32) (param $ls i32) (param $ds i32) (param $lines i32) (param $depth i32)
    (param $w i32) (param $dst i32) (param $byLine i32)
    (local $l0 i32) (local $n i32) (local $q i32) (local $p i32) (local $s i32) (local $o i32) (local $wBytes i32)
    (local $v0 v128) (local $v1 v128)
    (local.set $wBytes (i32.shl (local.get $w) (i32.const 2)))
    (block $done (loop $panel
      (br_if $done (i32.ge_u (local.get $l0) (local.get $lines)))
      ;; lines of this panel that exist
      (local.set $n (select (local.get $w) (i32.sub (local.get $lines) (local.get $l0))
        (i32.le_u (local.get $w) (i32.sub (local.get $lines) (local.get $l0)))))
      (if (i32.and (i32.and (local.get $byLine) (i32.eq (local.get $ds) (i32.const 4)))
                   (i32.and (i32.eq (local.get $w) (i32.const 2)) (i32.eq (local.get $n) (i32.const 2))))
        (then
          ;; two whole rows of adjacent floats (an A panel of row-major A): 4 steps of both rows
          ;; at a time, interleaved by two shuffles, instead of a float at a time
          (local.set $o (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $l0) (local.get $depth)) (i32.const 2))))
          (local.set $s (i32.add (local.get $src) (i32.mul (local.get $l0) (local.get $ls))))
          (local.set $p (local.get $depth))
          (block $tail (loop $quad
            (br_if $tail (i32.lt_u (local.get $p) (i32.const 4)))
            (local.set $v0 (v128.load (local.get $s)))
            (local.set $v1 (v128.load (i32.add (local.get $s) (local.get $ls))))
            (v128.store (local.get $o)
              (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
            (v128.store offset=16 (local.get $o)
              (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
            (local.set $o (i32.add (local.get $o) (i32.const 32)))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (local.set $p (i32.sub (local.get $p) (i32.const 4)))
            (br $quad)))
          (block $rest (loop $one
            (br_if $rest (i32.eqz (local.get $p)))
            (f32.store (local.get $o) (f32.load (local.get $s)))
            (f32.store offset=4 (local.get $o) (f32.load (i32.add (local.get $s) (local.get $ls))))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))
            (local.set $s (i32.add (local.get $s) (i32.const 4)))
            (local.set $p (i32.sub (local.get $p) (i32.const 1)))
            (br $one))))
      (else (if (local.get $byLine)
        (then
          (local.set $q (i32.const 0))
          (loop $line
            (local.set $o (i32.add (local.get $dst)
              (i32.shl (i32.add (i32.mul (local.get $l0) (local.get $depth)) (local.get $q)) (i32.const 2))))
            (local.set $p (local.get $depth))
            (if (i32.lt_u (local.get $q) (local.get $n))
              (then
                (local.set $s (i32.add (local.get $src) (i32.mul (i32.add (local.get $l0) (local.get $q)) (local.get $ls))))
                (loop $copy
                  (f32.store (local.get $o) (f32.load (local.get $s)))
                  (local.set $o (i32.add (local.get $o) (local.get $wBytes)))
                  (local.set $s (i32.add (local.get $s) (local.get $ds)))
                  (br_if $copy (local.tee $p (i32.sub (local.get $p) (i32.const 1))))))
              (else
                (loop $zero
                  (f32.store (local.get $o) (f32.const 0))
                  (local.set $o (i32.add (local.get $o) (local.get $wBytes)))
                  (br_if $zero (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))))
            (br_if $line (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 1))) (local.get $w)))))
        (else
          (local.set $o (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $l0) (local.get $depth)) (i32.const 2))))
          (local.set $s (i32.add (local.get $src) (i32.mul (local.get $l0) (local.get $ls))))
          (local.set $p (local.get $depth))
          (if (i32.and (i32.and (i32.eq (local.get $ls) (i32.const 4)) (i32.eq (local.get $n) (local.get $w)))
                (i32.eqz (i32.and (local.get $w) (i32.const 3))))
            (then
              ;; a full panel of adjacent floats: w / 4 vectors per step
              (loop $vec
                (local.set $q (i32.const 0))
                (loop $vecs
                  (v128.store (i32.add (local.get $o) (local.get $q)) (v128.load (i32.add (local.get $s) (local.get $q))))
                  (br_if $vecs (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 16))) (local.get $wBytes))))
                (local.set $o (i32.add (local.get $o) (local.get $wBytes)))
                (local.set $s (i32.add (local.get $s) (local.get $ds)))
                (br_if $vec (local.tee $p (i32.sub (local.get $p) (i32.const 1))))))
            (else
              (loop $step
                (local.set $q (i32.const 0))
                (loop $across
                  (if (i32.lt_u (local.get $q) (local.get $n))
                    (then (f32.store (i32.add (local.get $o) (i32.shl (local.get $q) (i32.const 2)))
                      (f32.load (i32.add (local.get $s) (i32.mul (local.get $q) (local.get $ls))))))
                    (else (f32.store (i32.add (local.get $o) (i32.shl (local.get $q) (i32.const 2))) (f32.const 0))))
                  (br_if $across (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 1))) (local.get $w))))
                (local.set $o (i32.add (local.get $o) (local.get $wBytes)))
                (local.set $s (i32.add (local.get $s) (local.get $ds)))
                (br_if $step (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))))))))
      (local.set $l0 (i32.add (local.get $l0) (local.get $w)))
      (br $panel))))

  ;; Cache blocking in the order of BLIS: for each block of nc column panels, for each block of
  ;; kc steps of k, for each block of mc row panels, every tile. The kc x 8 sliver of B that one
  ;; run over the row panels reuses stays in L1; the mc x kc block of A stays in L2. k >= 1.
  ;; Panel strides: an A panel step is MR * 4 = 8 bytes (shl 3), a B panel step NR * 4 = 64 (shl 6);
  ;; tile (i, j) of C starts MR = 2 rows (shl 1 of a row) and NR * 4 = 64 bytes (shl 6) per panel in.
  (func (export "gemm") (param $a i32) (param $b i32) (param $c i32) (param $k i32) (param $ldc i32)
    (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32)
    (param $kcBlock i32) (param $mcPanels i32) (param $ncPanels i32) (param $n i32)
    (local $jc i32) (local $jcEnd i32) (local $p0 i32) (local $kc i32) (local $ic i32) (local $icEnd i32)
    (local $i i32) (local $j i32) (local $ldcBytes i32) (local $narrow i32) (local $aAt i32) (local $bAt i32) (local $cAt i32)
    (local.set $ldcBytes (i32.shl (local.get $ldc) (i32.const 2)))
    ;; the column panel with at most 8 real columns, if the last one is (n = 0: none)
    (local.set $narrow (select (i32.shr_u (i32.sub (local.get $n) (i32.const 1)) (i32.const 4)) (i32.const -1)
      (i32.and (i32.ne (local.get $n) (i32.const 0))
               (i32.lt_u (i32.and (i32.sub (local.get $n) (i32.const 1)) (i32.const 15)) (i32.const 8)))))
    (local.set $jc (local.get $j0))
    (block $jcDone (loop $jcLoop
      (br_if $jcDone (i32.ge_u (local.get $jc) (local.get $j1)))
      (local.set $jcEnd (select (local.get $j1) (i32.add (local.get $jc) (local.get $ncPanels))
        (i32.lt_u (local.get $j1) (i32.add (local.get $jc) (local.get $ncPanels)))))
      (local.set $p0 (i32.const 0))
      (block $pDone (loop $pLoop
        (br_if $pDone (i32.ge_u (local.get $p0) (local.get $k)))
        (local.set $kc (select (i32.sub (local.get $k) (local.get $p0)) (local.get $kcBlock)
          (i32.lt_u (i32.sub (local.get $k) (local.get $p0)) (local.get $kcBlock))))
        (local.set $ic (local.get $i0))
        (block $icDone (loop $icLoop
          (br_if $icDone (i32.ge_u (local.get $ic) (local.get $i1)))
          (local.set $icEnd (select (local.get $i1) (i32.add (local.get $ic) (local.get $mcPanels))
            (i32.lt_u (local.get $i1) (i32.add (local.get $ic) (local.get $mcPanels)))))
          (local.set $j (local.get $jc))
          (block $jDone (loop $jLoop
            (br_if $jDone (i32.ge_u (local.get $j) (local.get $jcEnd)))
            (local.set $i (local.get $ic))
            (block $iDone (loop $iLoop
              (br_if $iDone (i32.ge_u (local.get $i) (local.get $icEnd)))
              ;; A panel i from step p0, B panel j from step p0, C tile (i, j)
              (local.set $aAt (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $p0)) (i32.const 3))))
              (local.set $bAt (i32.add (local.get $b) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (local.get $p0)) (i32.const 6))))
              (local.set $cAt (i32.add (local.get $c) (i32.add (i32.mul (local.get $i) (i32.shl (local.get $ldcBytes) (i32.const 1)))
                                                              (i32.shl (local.get $j) (i32.const 6)))))
              (if (i32.and (i32.eq (local.get $j) (local.get $narrow)) (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $icEnd)))
                (then
                  ;; row panels i and i + 1 over the narrow panel's first 8 columns
                  (call $tileNarrow (local.get $aAt) (i32.add (local.get $aAt) (i32.shl (local.get $k) (i32.const 3)))
                    (local.get $bAt) (local.get $cAt) (local.get $kc) (local.get $ldcBytes) (local.get $p0))
                  (local.set $i (i32.add (local.get $i) (i32.const 2))))
                (else
                  (call $tile (local.get $aAt) (local.get $bAt) (local.get $cAt) (local.get $kc) (local.get $ldcBytes) (local.get $p0))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))))
              (br $iLoop)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jLoop)))
          (local.set $ic (local.get $icEnd))
          (br $icLoop)))
        (local.set $p0 (i32.add (local.get $p0) (local.get $kc)))
        (br $pLoop)))
      (local.set $jc (local.get $jcEnd))
      (br $jcLoop))))
)
