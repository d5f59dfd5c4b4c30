import type { ComponentInfo } from "../context.js";
import type { Component } from "../program/components.js";
import { describePlace, type ComponentPlace } from "../program/program-structure.js";
import { clip, type ComponentLabel } from "./format.js";

/** What a meta-prompt says about the component it rewrites: which prompt, where it sits, what it is asked. */
export interface ComponentView {
  component: Component;
  place: ComponentPlace;
  info?: ComponentInfo;
}

/** "prompt 'extract'" or "tool 'order_status'". */
export function componentNoun(view: ComponentView): string {
  return `${view.info?.kind === "tool" ? "tool" : "prompt"} '${view.component.variable}'`;
}

/**
 * How example lines introduce the component's calls: "This prompt's" when one component is shown, its name
 * ("Prompt 'extract'") when several are (a joint rewrite shows each one's own inputs and outputs).
 */
export function componentLabels(views: readonly ComponentView[]): ComponentLabel[] {
  if (views.length === 1) {
    const view = views[0] as ComponentView;
    return [{ name: view.component.variable, label: view.info?.kind === "tool" ? "This tool's" : "This prompt's" }];
  }
  return views.map((view) => {
    const noun = componentNoun(view);
    return { name: view.component.variable, label: `${noun[0]?.toUpperCase()}${noun.slice(1)}` };
  });
}

/** Lines naming the component, its place in the program and its message template. */
export function componentHeader(view: ComponentView): string[] {
  const { component, place, info } = view;
  const noun = componentNoun(view);
  const lines = [`${noun[0]?.toUpperCase()}${noun.slice(1)} (its ${component.key}). ${describePlace(place)}`];
  if (info?.template) lines.push(`Its message template (what it is asked each time): ${clip(info.template, 600)}`);
  return lines;
}
