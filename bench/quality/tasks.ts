// The four tasks of the quality benchmark: real LangChain chains (TrainablePrompt → chat model →
// StringOutputParser, two such stages for the two-prompt task) over the world of world.ts.
import { StringOutputParser } from "@langchain/core/output_parsers";
import { RunnableLambda, type Runnable } from "@langchain/core/runnables";
import type { CandidateValues, FewShotExample, Reward } from "../../src/index.js";
import { TrainablePrompt } from "../../src/index.js";
import { ANSWER_TURN, EXTRACT_TURN, ROUTE_TURN, RuleFollowingChatModel } from "./task-model.js";
import { allRulesForOnePrompt, allRulesForTwoPrompts, makeReward, makeSplits, withRules, type Splits } from "./world.js";

export const ROUTE_SEED = "Route the customer message to a team and a priority; answer as team/priority.";
export const EXTRACT_SEED = "Write the facts of the customer message as key=value pairs.";
export const ANSWER_SEED = "Answer with team/priority from the facts.";

export const SIZES = { train: 40, val: 20, test: 100 };
/** Every task draws the same messages (only the ids, the answer format and the program differ). */
export const DATA_SEED = 101;
/** The noisy task's metric flips this share of scores on train and validation examples. */
export const NOISE = 0.15;

export interface BuiltProgram {
  program: Runnable<{ message: string }, string>;
  prompts: TrainablePrompt[];
}

export interface QualityTask {
  id: string;
  title: string;
  splits: Splits;
  longFormat: boolean;
  /** Whether demonstrations can change what the task model does (else FewShot has nothing to find). */
  demonstrationsMatter: boolean;
  build(): BuiltProgram;
  /** The training reward of run `seed` (noisy for the noisy task); with feedback or the score only. */
  reward(seed: number, feedback: boolean): Reward<string, string>;
  /** Values of the rule ceiling: every hidden rule stated (and, where they matter, demonstrations in the format). */
  ceiling(): CandidateValues;
}

function routeProgram(): BuiltProgram {
  const route = new TrainablePrompt({ name: "route", instructions: ROUTE_SEED, messages: ROUTE_TURN });
  const program = route.pipe(new RuleFollowingChatModel({})).pipe(new StringOutputParser());
  return { program, prompts: [route] };
}

function twoPromptProgram(): BuiltProgram {
  const extract = new TrainablePrompt({ name: "extract", instructions: EXTRACT_SEED, messages: EXTRACT_TURN });
  const answer = new TrainablePrompt({ name: "answer", instructions: ANSWER_SEED, messages: ANSWER_TURN });
  const program = extract
    .pipe(new RuleFollowingChatModel({}))
    .pipe(new StringOutputParser())
    .pipe(RunnableLambda.from((facts: string) => ({ facts })))
    .pipe(answer)
    .pipe(new RuleFollowingChatModel({}))
    .pipe(new StringOutputParser());
  return { program, prompts: [extract, answer] };
}

function oneRoute(id: string, title: string, noisy: boolean): QualityTask {
  return {
    id,
    title,
    splits: makeSplits(id, DATA_SEED, SIZES, false),
    longFormat: false,
    demonstrationsMatter: false,
    build: routeProgram,
    reward: (seed, feedback) => makeReward({ feedback, longFormat: false, ...(noisy ? { noise: { probability: NOISE, seed } } : {}) }),
    ceiling: () => ({ route: { instructions: withRules(ROUTE_SEED, allRulesForOnePrompt()), examples: [] } }),
  };
}

export function qualityTasks(): QualityTask[] {
  const demoSplits = makeSplits("demos", DATA_SEED, SIZES, true);
  return [
    oneRoute("clean", "one prompt, clean metric", false),
    oneRoute("noisy", `one prompt, noisy metric (${NOISE} of train/val scores flipped)`, true),
    {
      id: "two-prompt",
      title: "two prompts (extract → answer), one rule needs both",
      splits: makeSplits("two-prompt", DATA_SEED, SIZES, false),
      longFormat: false,
      demonstrationsMatter: false,
      build: twoPromptProgram,
      reward: (_seed, feedback) => makeReward({ feedback, longFormat: false }),
      ceiling: () => {
        const rules = allRulesForTwoPrompts();
        return {
          extract: { instructions: withRules(EXTRACT_SEED, rules.extract), examples: [] },
          answer: { instructions: withRules(ANSWER_SEED, rules.answer), examples: [] },
        };
      },
    },
    {
      id: "demos",
      title: "one prompt, answer format shown only by demonstrations",
      splits: demoSplits,
      longFormat: true,
      demonstrationsMatter: true,
      build: routeProgram,
      reward: (_seed, feedback) => makeReward({ feedback, longFormat: true }),
      ceiling: () => {
        const demos: FewShotExample[] = demoSplits.train.slice(0, 3).map((e) => ({ input: { ...e.input }, output: e.expected }));
        return { route: { instructions: withRules(ROUTE_SEED, allRulesForOnePrompt()), examples: demos } };
      },
    },
  ];
}
