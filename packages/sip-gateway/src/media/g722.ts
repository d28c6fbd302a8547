// ITU-T G.722 (11/88) 64 kbit/s sub-band ADPCM, written from the Recommendation's block
// descriptions (§3 encoder, §4 decoder, block names in comments). 16 kHz linear PCM in and out;
// each octet carries one 6-bit lower-band and one 2-bit higher-band code for two input samples.
// RFC 3551 §4.5.2: the RTP clock rate is 8000 although the audio is sampled at 16 kHz.
// Input is 16-bit PCM (the Recommendation's 14-bit samples scaled by 4); the QMF shifts absorb it.

// §3.1 / §4.4: transmit and receive QMF coefficients (half of the symmetric 24-tap filter).
const QMF = Int32Array.of(3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11);

// Table 6/G.722: lower-band quantizer decision levels and the 6-bit codes for each interval.
const Q6 = Int32Array.of(0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714,
  786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0);
const ILN = Int32Array.of(0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15,
  14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0);
const ILP = Int32Array.of(0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43,
  42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0);
// Table 7: 4-bit inverse quantizer (lower-band feedback path).
const QM4 = Int32Array.of(0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
  20456, 12896, 8968, 6288, 4240, 2584, 1200, 0);
// Table 8: 6-bit inverse quantizer (lower-band output at 64 kbit/s, mode 1).
const QM6 = Int32Array.of(-136, -136, -136, -136, -24808, -21904, -19008, -16704,
  -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
  -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
  -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
  24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
  10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
  4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
  1688, 1360, 1040, 728, 432, 136, -432, -136);
// LOGSCL: lower-band log scale factor multipliers, indexed through the 4-bit code's magnitude.
const RL42 = Int32Array.of(0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0);
const WL = Int32Array.of(-60, -30, 58, 172, 334, 538, 1198, 3042);
// SCALEL/SCALEH: the antilog table.
const ILB = Int32Array.of(2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599,
  2656, 2714, 2774, 2834, 2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676,
  3756, 3838, 3922, 4008);
// Tables 9/10: higher-band 2-bit quantizer and inverse quantizer, LOGSCH multipliers.
const IHN = Int32Array.of(0, 1, 0);
const IHP = Int32Array.of(0, 3, 2);
const QM2 = Int32Array.of(-7408, -1616, 7408, 1616);
const RH2 = Int32Array.of(2, 1, 2, 1);
const WH = Int32Array.of(0, -214, 798);

const sat16 = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);

/** The adaptive predictor of one sub-band (blocks RECONS … PREDIC), shared by encoder and decoder. */
class BandPredictor {
  /** Predicted signal value (sL / sH). */
  s = 0;
  /** Zero-section output (szL / szH). */
  sz = 0;
  #sp = 0;
  readonly #r = new Int32Array(3); // reconstructed signal, r[0] current
  readonly #p = new Int32Array(3); // partially reconstructed signal
  readonly #a = new Int32Array(3); // pole coefficients a1, a2
  readonly #b = new Int32Array(7); // zero coefficients b1..b6
  readonly #d = new Int32Array(7); // quantized difference signal history
  readonly #ap = new Int32Array(3);
  readonly #bp = new Int32Array(7);
  readonly #sg = new Int32Array(7);

  /** Runs the predictor update for the quantized difference `d`. */
  update(d: number): void {
    const r = this.#r, p = this.#p, a = this.#a, b = this.#b, dl = this.#d, ap = this.#ap, bp = this.#bp, sg = this.#sg;
    dl[0] = d;
    r[0] = sat16(this.s + d); // RECONS
    p[0] = sat16(this.sz + d); // PARREC

    // UPPOL2: second pole coefficient.
    sg[0] = p[0] >> 15;
    sg[1] = p[1]! >> 15;
    sg[2] = p[2]! >> 15;
    let wd1 = sat16(a[1]! << 2);
    let wd2 = sg[0] === sg[1] ? -wd1 : wd1;
    if (wd2 > 32767) wd2 = 32767;
    let wd3 = (sg[0] === sg[2] ? 128 : -128) + (wd2 >> 7) + ((a[2]! * 32512) >> 15);
    if (wd3 > 12288) wd3 = 12288;
    else if (wd3 < -12288) wd3 = -12288;
    ap[2] = wd3;

    // UPPOL1: first pole coefficient, limited by the second.
    wd1 = sg[0] === sg[1] ? 192 : -192;
    wd2 = (a[1]! * 32640) >> 15;
    ap[1] = sat16(wd1 + wd2);
    wd3 = sat16(15360 - ap[2]);
    if (ap[1]! > wd3) ap[1] = wd3;
    else if (ap[1]! < -wd3) ap[1] = -wd3;

    // UPZERO: sixth-order zero section.
    wd1 = d === 0 ? 0 : 128;
    sg[0] = d >> 15;
    for (let i = 1; i < 7; i++) {
      sg[i] = dl[i]! >> 15;
      wd2 = sg[i] === sg[0] ? wd1 : -wd1;
      bp[i] = sat16(wd2 + ((b[i]! * 32640) >> 15));
    }

    // DELAYA: shift the delay lines.
    for (let i = 6; i > 0; i--) {
      dl[i] = dl[i - 1]!;
      b[i] = bp[i]!;
    }
    for (let i = 2; i > 0; i--) {
      r[i] = r[i - 1]!;
      p[i] = p[i - 1]!;
      a[i] = ap[i]!;
    }

    // FILTEP, FILTEZ, PREDIC.
    wd1 = (a[1]! * sat16(r[1]! + r[1]!)) >> 15;
    wd2 = (a[2]! * sat16(r[2]! + r[2]!)) >> 15;
    this.#sp = sat16(wd1 + wd2);
    let sz = 0;
    for (let i = 6; i > 0; i--) sz += (b[i]! * sat16(dl[i]! + dl[i]!)) >> 15;
    this.sz = sat16(sz);
    this.s = sat16(this.#sp + this.sz);
  }
}

/** LOGSCL + SCALEL: next lower-band log scale factor and step size. */
function scaleLow(nbl: number, code4: number): number {
  const next = ((nbl * 127) >> 7) + WL[RL42[code4]!]!;
  return next < 0 ? 0 : next > 18432 ? 18432 : next;
}

/** LOGSCH: next higher-band log scale factor. */
function scaleHigh(nbh: number, code2: number): number {
  const next = ((nbh * 127) >> 7) + WH[RH2[code2]!]!;
  return next < 0 ? 0 : next > 22528 ? 22528 : next;
}

/** SCALEL/SCALEH: step size from the log scale factor (`bias` 8 for the lower band, 10 for higher). */
function stepSize(logScale: number, bias: number): number {
  const mantissa = ILB[(logScale >> 6) & 31]!;
  const shift = bias - (logScale >> 11);
  return (shift < 0 ? mantissa << -shift : mantissa >> shift) << 2;
}

/** Mutable per-direction codec state (one encoder or one decoder per call leg). */
class SubBandState {
  readonly low = new BandPredictor();
  readonly high = new BandPredictor();
  nbl = 0;
  detl = 32;
  nbh = 0;
  deth = 8;
  readonly qmf = new Int32Array(24);
}

/** G.722 encoder: 16 kHz PCM → octets (one per two samples). */
export class G722Encoder {
  readonly #s = new SubBandState();

  /** Encodes `pcm` (even length) into `out`; returns the octet count (pcm.length / 2). */
  encode(pcm: Int16Array, out: Uint8Array): number {
    const s = this.#s;
    const x = s.qmf;
    const pairs = Math.min(pcm.length >> 1, out.length);
    for (let j = 0; j < pairs; j++) {
      // Transmit QMF: split two input samples into one lower- and one higher-band sample.
      x.copyWithin(0, 2, 24);
      x[22] = pcm[2 * j]!;
      x[23] = pcm[2 * j + 1]!;
      let sumOdd = 0;
      let sumEven = 0;
      for (let i = 0; i < 12; i++) {
        sumOdd += x[2 * i]! * QMF[i]!;
        sumEven += x[2 * i + 1]! * QMF[11 - i]!;
      }
      const xl = (sumEven + sumOdd) >> 14;
      const xh = (sumEven - sumOdd) >> 14;

      // Lower band: SUBTRA, QUANTL (6 bits), INVQAL (4-bit feedback), LOGSCL, SCALEL.
      const el = sat16(xl - s.low.s);
      const magnitude = el >= 0 ? el : -(el + 1);
      let i = 1;
      for (; i < 30; i++) {
        if (magnitude < (Q6[i]! * s.detl) >> 12) break;
      }
      const il = el < 0 ? ILN[i]! : ILP[i]!;
      const code4 = il >> 2;
      const dl = (s.detl * QM4[code4]!) >> 15;
      s.nbl = scaleLow(s.nbl, code4);
      s.detl = stepSize(s.nbl, 8);
      s.low.update(dl);

      // Higher band: SUBTRA, QUANTH (2 bits), INVQAH, LOGSCH, SCALEH.
      const eh = sat16(xh - s.high.s);
      const magnitudeH = eh >= 0 ? eh : -(eh + 1);
      const level = magnitudeH >= (564 * s.deth) >> 12 ? 2 : 1;
      const ih = eh < 0 ? IHN[level]! : IHP[level]!;
      const dh = (s.deth * QM2[ih]!) >> 15;
      s.nbh = scaleHigh(s.nbh, ih);
      s.deth = stepSize(s.nbh, 10);
      s.high.update(dh);

      out[j] = (ih << 6) | il;
    }
    return pairs;
  }
}

/** G.722 decoder (mode 1, 64 kbit/s): octets → 16 kHz PCM (two samples per octet). */
export class G722Decoder {
  readonly #s = new SubBandState();

  /** Decodes `octets` into `out`; returns the sample count (2 per octet). */
  decode(octets: Uint8Array, out: Int16Array, length = octets.length, outOffset = 0): number {
    const s = this.#s;
    const x = s.qmf;
    const n = Math.min(length, (out.length - outOffset) >> 1);
    for (let j = 0; j < n; j++) {
      const code = octets[j]!;
      const il = code & 0x3f;
      const ih = (code >> 6) & 0x03;

      // Lower band: INVQBL (6-bit) for the output, INVQAL (4-bit) for adaptation.
      let rl = s.low.s + ((s.detl * QM6[il]!) >> 15);
      rl = rl > 16383 ? 16383 : rl < -16384 ? -16384 : rl;
      const code4 = il >> 2;
      const dl = (s.detl * QM4[code4]!) >> 15;
      s.nbl = scaleLow(s.nbl, code4);
      s.detl = stepSize(s.nbl, 8);
      s.low.update(dl);

      // Higher band.
      const dh = (s.deth * QM2[ih]!) >> 15;
      let rh = dh + s.high.s;
      rh = rh > 16383 ? 16383 : rh < -16384 ? -16384 : rh;
      s.nbh = scaleHigh(s.nbh, ih);
      s.deth = stepSize(s.nbh, 10);
      s.high.update(dh);

      // Receive QMF: recombine the bands into two output samples.
      x.copyWithin(0, 2, 24);
      x[22] = rl + rh;
      x[23] = rl - rh;
      let out1 = 0;
      let out2 = 0;
      for (let i = 0; i < 12; i++) {
        out2 += x[2 * i]! * QMF[i]!;
        out1 += x[2 * i + 1]! * QMF[11 - i]!;
      }
      out[outOffset + 2 * j] = sat16(out1 >> 11);
      out[outOffset + 2 * j + 1] = sat16(out2 >> 11);
    }
    return 2 * n;
  }
}
