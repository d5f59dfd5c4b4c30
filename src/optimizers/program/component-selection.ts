import type { SeededRandom } from "../../random/seeded-random.js";
import type { Component } from "./components.js";
import type { OptimizerState } from "./pool-state.js";

/** What a custom component selector is told. */
export interface ComponentSelectionInfo {
  components: readonly Component[];
  /** The optimizer iteration being planned. */
  iteration: number;
  random: SeededRandom;
}

/**
 * Which components an iteration rewrites. "round-robin" (default) takes one component per iteration in turn,
 * and after a full round in which no single-component rewrite was accepted, rewrites all of them together
 * once — so a fix that needs two prompts changed at the same time stays reachable. "all" rewrites every
 * component each time. A function returns the ids of the components to rewrite.
 */
export type ComponentSelection = "round-robin" | "all" | ((info: ComponentSelectionInfo) => readonly string[]);

export interface SelectedComponents {
  components: Component[];
  /** Several components rewritten together because single rewrites stalled (round-robin only). */
  joint: boolean;
}

/** The components to rewrite now; advances the round-robin cursor in `state`. */
export function selectComponents(
  strategy: ComponentSelection,
  components: readonly Component[],
  state: OptimizerState,
  info: { iteration: number; random: SeededRandom },
): SelectedComponents {
  if (components.length <= 1 || strategy === "all") return { components: [...components], joint: false };
  if (typeof strategy === "function") {
    const ids = new Set(strategy({ components, iteration: info.iteration, random: info.random }));
    const chosen = components.filter((c) => ids.has(c.id));
    return { components: chosen.length > 0 ? chosen : [components[0] as Component], joint: false };
  }
  if (state.sinceAccepted >= components.length) return { components: [...components], joint: true };
  const component = components[state.cursor % components.length] as Component;
  state.cursor = (state.cursor + 1) % components.length;
  return { components: [component], joint: false };
}

/** Books an iteration's outcome for the joint-rewrite rule: a stalled round of singles earns one joint try. */
export function recordSelectionOutcome(state: OptimizerState, selected: SelectedComponents, accepted: boolean): void {
  state.sinceAccepted = accepted || selected.joint ? 0 : state.sinceAccepted + (selected.components.length === 1 ? 1 : 0);
}
