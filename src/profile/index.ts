/** The statistical profiler of task threads: what `client.profile` returns and the helpers to read it. */
export { topFunctions } from './tree.js';
export type { FunctionShare, ProfileNode, ProfileTree } from './tree.js';
export type { ProfileOptions } from './options.js';
export type { FlameGraph } from './flame.js';
