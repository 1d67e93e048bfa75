/**
 * Weight initialization, like `torch.nn.init`. Every function fills a tensor in place without
 * recording gradients and returns it. Random draws use the given `generator` or the default one
 * (seed it with `manualSeed`).
 */
import { Tensor, defaultGenerator, formatShape, tensor, type Generator } from "@trek/tensor";
import { noGrad } from "@trek/autograd";

/** Options shared by the random initializers. */
export interface InitOptions {
  generator?: Generator;
}

/** The nonlinearities `calculateGain` knows (PyTorch's names, plus camelCase spellings). */
export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "leakyRelu"
  | "selu";

/** Fan mode of the Kaiming initializers. */
export type FanMode = "fanIn" | "fanOut" | "fan_in" | "fan_out";

/** The recommended gain for a nonlinearity (`param` is leaky ReLU's negative slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "conv_transpose1d":
    case "conv_transpose2d":
    case "conv_transpose3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu":
    case "leakyRelu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      throw new Error(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/**
 * Fan-in and fan-out of a weight: dim 1 and dim 0 times the receptive field (the product of the
 * remaining dims), as PyTorch computes them.
 */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) {
    throw new Error(`init: fan in and fan out need a tensor with at least 2 dims, got ${formatShape(t.shape)}`);
  }
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i]!;
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

function fanFor(t: Tensor, mode: FanMode): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  if (mode === "fanIn" || mode === "fan_in") return fanIn;
  if (mode === "fanOut" || mode === "fan_out") return fanOut;
  throw new Error(`init: mode must be "fanIn" or "fanOut", got ${JSON.stringify(mode)}`);
}

/** Fills with samples from U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, options: InitOptions = {}): Tensor {
  noGrad(() => t.uniform_(a, b, { generator: options.generator }));
  return t;
}

/** Fills with samples from N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  noGrad(() => t.normal_(mean, std, { generator: options.generator }));
  return t;
}

/** Fills with `value`. */
export function constant_(t: Tensor, value: number): Tensor {
  noGrad(() => t.fill_(value));
  return t;
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fills a 2-d tensor with the identity matrix (ones on the diagonal). */
export function eye_(t: Tensor): Tensor {
  if (t.ndim !== 2) throw new Error(`eye_: expected a 2-d tensor, got ${formatShape(t.shape)}`);
  const [rows, cols] = t.shape as [number, number];
  const values = new Float64Array(rows * cols);
  for (let i = 0; i < Math.min(rows, cols); i++) values[i * cols + i] = 1;
  return copyHost(t, values);
}

/** Glorot uniform: U(−a, a) with a = gain·√(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, options);
}

/** Glorot normal: N(0, std²) with std = gain·√(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}

/** Options of the Kaiming (He) initializers. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU that follows (0 for ReLU). */
  a?: number;
  /** "fanIn" (default) preserves the forward variance, "fanOut" the backward one. */
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

/** He uniform: U(−b, b) with b = gain·√(3 / fan). */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const gain = calculateGain(options.nonlinearity ?? "leaky_relu", options.a ?? 0);
  const bound = gain * Math.sqrt(3 / fanFor(t, options.mode ?? "fanIn"));
  return uniform_(t, -bound, bound, options);
}

/** He normal: N(0, std²) with std = gain / √fan. */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const gain = calculateGain(options.nonlinearity ?? "leaky_relu", options.a ?? 0);
  return normal_(t, 0, gain / Math.sqrt(fanFor(t, options.mode ?? "fanIn")), options);
}

/**
 * A (semi-)orthogonal matrix scaled by `gain`, from the QR decomposition of a Gaussian matrix
 * (Saxe et al. 2013). Dims after the first are flattened, as in PyTorch.
 */
export function orthogonal_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  if (t.ndim < 2) throw new Error(`orthogonal_: expected a tensor with at least 2 dims, got ${formatShape(t.shape)}`);
  const rows = t.shape[0]!;
  const cols = t.numel() / rows;
  const generator = options.generator ?? defaultGenerator;
  // Orthonormalize the columns of a tall Gaussian matrix (transposing a wide one).
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  const a = new Float64Array(m * n); // column-major: column j at a[j*m … j*m + m)
  for (let i = 0; i < a.length; i++) a[i] = generator.nextNormal();
  // Modified Gram–Schmidt, run twice for orthogonality to rounding error. The diagonal of R is
  // positive, which is PyTorch's sign convention (q · sign(diag(r))).
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < n; j++) {
      const cj = j * m;
      for (let k = 0; k < j; k++) {
        const ck = k * m;
        let dot = 0;
        for (let i = 0; i < m; i++) dot += a[ck + i]! * a[cj + i]!;
        for (let i = 0; i < m; i++) a[cj + i] -= dot * a[ck + i]!;
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += a[cj + i]! * a[cj + i]!;
      norm = Math.sqrt(norm);
      if (norm === 0) throw new Error("orthogonal_: degenerate random matrix; try again");
      for (let i = 0; i < m; i++) a[cj + i] /= norm;
    }
  }
  const values = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // Row-major output Q (tall) or Qᵀ (wide).
      values[r * cols + c] = gain * (tall ? a[c * m + r]! : a[r * m + c]!);
    }
  }
  return copyHost(t, values);
}

function copyHost(t: Tensor, values: Float64Array): Tensor {
  const source = tensor(values, { dtype: t.dtype, device: t.device, shape: t.shape });
  noGrad(() => t.copy_(source));
  source.dispose();
  return t;
}
