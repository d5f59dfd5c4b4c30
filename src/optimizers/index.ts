// Public API of src/optimizers, re-exported by src/index.ts (which also exports the Optimizer base and the
// context types directly).
export { cachedEvaluator, type CachedEvaluator, type EvaluationCacheStats } from "./cached-evaluator.js";
export { OptimizerOptionError } from "./errors.js";
export { dominatedNovelty, survivors, type NoveltyMember } from "./dominated-novelty.js";
export {
  EvolutionaryOptimizer,
  type EvolutionaryOptimizerFields,
} from "./evolutionary-optimizer.js";
export type { ExampleSampling } from "./example-selection.js";
export { FewShotOptimizer, type DemonstrationSource, type FewShotOptimizerFields } from "./few-shot-optimizer.js";
export { InstructionOptimizer, type InstructionOptimizerFields } from "./instruction-optimizer.js";
export {
  defaultMiproTrials,
  MIPRO_AUTO_CANDIDATES,
  MiproOptimizer,
  type MiproAuto,
  type MiproOptimizerFields,
} from "./mipro-optimizer.js";
export { planMerge, type MergePlan } from "./merge.js";
export { paretoFront } from "./pareto-front.js";
export { selectParent, type ParentSelection } from "./parent-selection.js";
export { PoolOptimizer, type OptimizationStep, type PoolOptimizerFields } from "./pool-optimizer.js";
export type { ComponentSelection, ComponentSelectionInfo } from "./program/component-selection.js";
export type { Component } from "./program/components.js";
export type {
  InstanceScore,
  OptimizerState,
  RejectedProposal,
  RejectionReason,
  StoredCandidate,
} from "./program/pool-state.js";
export { RandomSearchOptimizer, type RandomSearchOptimizerFields } from "./random-search-optimizer.js";
export { ReflectiveOptimizer, type ReflectiveOptimizerFields } from "./reflective-optimizer.js";
export { SimbaOptimizer, type SimbaOptimizerFields } from "./simba-optimizer.js";
export { suggestTpe, type TpeOptions, type TpeTrial } from "./tpe.js";
export { EmbeddingDistance, LexicalDistance, type TextDistance } from "./text-distance.js";
