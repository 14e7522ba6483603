/** Standard normal CDF, by the Abramowitz–Stegun 7.1.26 erf approximation (|error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.327_591_1 * x);
  const poly = t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
  // The tail is computed directly, not as 1 − Φ: far out it is a few ulps of 1.
  const tail = (poly * Math.exp(-x * x)) / 2;
  return z >= 0 ? 1 - tail : tail;
}

const A = [-39.696_830_286_653_76, 220.946_098_424_520_5, -275.928_510_446_968_7, 138.357_751_867_269, -30.664_798_066_147_16, 2.506_628_277_459_239];
const B = [-54.476_098_798_224_06, 161.585_836_858_040_9, -155.698_979_859_886_6, 66.801_311_887_719_72, -13.280_681_552_885_72];
const C = [-0.007_784_894_002_430_293, -0.322_396_458_041_136_4, -2.400_758_277_161_838, -2.549_732_539_343_734, 4.374_664_141_464_968, 2.938_163_982_698_783];
const D = [0.007_784_695_709_041_462, 0.322_467_129_070_039_8, 2.445_134_137_142_996, 3.754_408_661_907_416];
const P_LOW = 0.024_25;

/** Inverse standard normal CDF (Acklam's algorithm, relative error < 1.2e-9); `p` is clamped into (0, 1). */
export function normalQuantile(p: number): number {
  // The lower tail is exact to tiny p (its formula needs only ln p); the upper one stops where 1 − p rounds.
  const q = Math.min(Math.max(p, 1e-300), 1 - 1e-15);
  if (q < P_LOW) return tail(Math.sqrt(-2 * Math.log(q)));
  if (q > 1 - P_LOW) return -tail(Math.sqrt(-2 * Math.log(1 - q)));
  const r = (q - 0.5) * (q - 0.5);
  const num = (((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * (q - 0.5);
  const den = ((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1;
  return num / den;
}

function tail(s: number): number {
  const num = ((((C[0]! * s + C[1]!) * s + C[2]!) * s + C[3]!) * s + C[4]!) * s + C[5]!;
  const den = (((D[0]! * s + D[1]!) * s + D[2]!) * s + D[3]!) * s + 1;
  return num / den;
}

/** φ(z) / (1 − Φ(z)), the inverse Mills ratio: how far past z a normal variable known to exceed z lies on average. */
export function inverseMills(z: number): number {
  if (z > 8) return z + 1 / z;
  const density = Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
  return density / Math.max(1e-300, normalCdf(-z));
}
