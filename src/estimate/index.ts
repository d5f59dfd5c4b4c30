// Public API of src/estimate, re-exported by src/index.ts.
export { estimate, type EstimateOptions, type RunEstimate, type TokenCount } from "./estimate.js";
export { formatEstimate } from "./format-estimate.js";
export { EstimateOptionsError } from "./errors.js";
