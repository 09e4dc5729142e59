import { fmix32 } from '../../text/local-text.js';

const EMPTY_FEATURE = fmix32(0x5bd1e995);

/** Open-addressing table of (feature → weight, term frequency), reused across texts. */
export class FeatureBag {
  private keys = new Int32Array(4096);
  private weights = new Float32Array(4096);
  private counts = new Float32Array(4096);
  private stamps = new Uint32Array(4096);
  private used = new Int32Array(4096);
  private gen = 1;
  size = 0;

  reset(): void {
    this.size = 0;
    this.gen = this.gen === 0xffffffff ? 1 : this.gen + 1;
    if (this.gen === 1) this.stamps.fill(0);
  }

  /** `key` must already be well mixed (fmix32): its low bits pick the slot. */
  add(key: number, weight: number): void {
    if (this.size * 2 >= this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    let i = key & mask;
    while (this.stamps[i] === this.gen) {
      if (this.keys[i] === key) {
        this.counts[i]! += 1;
        return;
      }
      i = (i + 1) & mask;
    }
    this.stamps[i] = this.gen;
    this.keys[i] = key;
    this.weights[i] = weight;
    this.counts[i] = 1;
    this.used[this.size++] = i;
  }

  /** Signed hashing with sublinear tf (1 + ln tf), then L2 normalisation. */
  toVector(dims: number): number[] {
    const vec = new Float32Array(dims);
    for (let j = 0; j < this.size; j++) {
      const slot = this.used[j]!;
      const key = this.keys[slot]!;
      const value = this.weights[slot]! * (1 + Math.log(this.counts[slot]!));
      vec[(key >>> 1) % dims]! += key & 1 ? -value : value;
    }
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += vec[d]! * vec[d]!;
    // Empty text (or features that cancelled out) still gets a unit vector: no NaN downstream.
    if (norm === 0) {
      vec[(EMPTY_FEATURE >>> 1) % dims] = 1;
      norm = 1;
    }
    const inv = 1 / Math.sqrt(norm);
    const out = new Array<number>(dims);
    for (let d = 0; d < dims; d++) out[d] = vec[d]! * inv;
    return out;
  }

  private grow(): void {
    const old = {
      keys: this.keys,
      weights: this.weights,
      counts: this.counts,
      used: this.used,
      size: this.size,
    };
    const cap = this.keys.length * 2;
    this.keys = new Int32Array(cap);
    this.weights = new Float32Array(cap);
    this.counts = new Float32Array(cap);
    this.stamps = new Uint32Array(cap);
    this.used = new Int32Array(cap);
    this.gen = 1;
    this.size = 0;
    for (let j = 0; j < old.size; j++) {
      const slot = old.used[j]!;
      this.add(old.keys[slot]!, old.weights[slot]!);
      this.counts[this.used[this.size - 1]!] = old.counts[slot]!;
    }
  }
}
