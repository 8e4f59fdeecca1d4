/**
 * The serialize layer: functions shipped as ES module source text, and the value codec for task
 * arguments and results (msgpack body + out-of-band binary frames + future references).
 */
export { prepareFunction, explainReferenceError, type ShippedFunction, type PrepareFunctionContext } from './function-source.js';
export {
  encodeValue,
  decodeValue,
  encodedSize,
  UnresolvedRef,
  FRAME_THRESHOLD_BYTES,
  FLOTILLA_EXTENSION_TYPE,
  type EncodedValue,
  type EncodeOptions,
  type DecodeOptions,
} from './value-codec.js';
export { benchCodec, type CodecBenchResult, type CodecBenchCase, type CodecBenchOptions } from './bench.js';
