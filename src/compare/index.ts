// Public API of src/compare, re-exported by src/index.ts.
export {
  compare,
  summarize,
  type ComparisonResult,
  type ComparisonRow,
  type ComparisonRun,
  type ComparisonTest,
} from "./compare.js";
export type { CompareOptions, OptimizerFactory, OptimizerFactoryContext, Pairing } from "./compare-options.js";
export { formatComparisonTable, formatPValue } from "./comparison-table.js";
export { estimateComparison, type ComparisonEstimate } from "./estimate-comparison.js";
export { holmAdjust, signFlipTest, smallestExactPValue, type PairedTestResult, type SignFlipOptions } from "./paired-test.js";
export { renderComparisonReport, writeComparisonReport } from "./render-comparison.js";
export { CompareOptionsError, CompareRunError } from "./errors.js";
