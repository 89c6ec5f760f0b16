/** Exact (float32, base64) encoding of the network's weights in its JSON state, and the shape check on load. */
import { ConfigError } from '../errors.ts';
import type { EncodedTensor, NeuralParams, NeuralState } from './neural.ts';
import { tf } from './tf.ts';
export function encodeTensor(t: tf.Tensor): EncodedTensor {
  return { shape: [...t.shape], float32: encodeFloat32(t.dataSync() as Float32Array) };
}

/** Float32 values -> base64 of their little-endian bytes (explicit, so artifacts move between machines). */
export function encodeFloat32(values: Float32Array): string {
  const bytes = new DataView(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) bytes.setFloat32(i * 4, values[i], true);
  return Buffer.from(bytes.buffer).toString('base64');
}

/** Inverse of encodeFloat32. */
export function decodeFloat32(tensor: EncodedTensor): Float32Array {
  const buf = Buffer.from(tensor.float32, 'base64');
  const expected = tensor.shape.reduce((a, b) => a * b, 1);
  if (buf.length !== expected * 4) {
    throw new ConfigError(
      `neural weights of shape [${tensor.shape.join(', ')}] hold ${buf.length} bytes, expected ${expected * 4}`,
      'the model file is damaged: retrain or restore it',
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Float32Array(expected);
  for (let i = 0; i < expected; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Layer shapes must chain: columns -> hidden... -> 1, matching the params. */
export function checkStateShapes(state: NeuralState, params: NeuralParams): void {
  const sizes = [state.columns.length, ...params.hidden, 1];
  if (state.layers.length !== sizes.length - 1) {
    throw new ConfigError(
      `neural state has ${state.layers.length} layers but params.hidden implies ${sizes.length - 1}`,
      'the model file is damaged: retrain or restore it',
    );
  }
  if (state.mean.length !== state.columns.length || state.scale.length !== state.columns.length) {
    throw new ConfigError(
      'neural state standardization does not match its column count',
      'the model file is damaged: retrain or restore it',
    );
  }
  state.layers.forEach((layer, i) => {
    const [rows, cols] = layer.kernel.shape;
    if (
      layer.kernel.shape.length !== 2 ||
      rows !== sizes[i] ||
      cols !== sizes[i + 1] ||
      layer.bias.shape.join() !== String(sizes[i + 1])
    ) {
      throw new ConfigError(
        `neural layer ${i} has kernel [${layer.kernel.shape.join(', ')}], expected [${sizes[i]}, ${sizes[i + 1]}]`,
        'the model file is damaged: retrain or restore it',
      );
    }
    decodeFloat32(layer.kernel);
    decodeFloat32(layer.bias);
  });
}
